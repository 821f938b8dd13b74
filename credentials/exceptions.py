"""The credentials app's refusals: DomainError subclasses (see portfolio.errors)."""

from portfolio.errors import DomainError


class CredentialError(DomainError):
    """A credential operation refused for a reason the user should read."""


class RevocationNotAllowed(CredentialError):
    pass


class InvitationNotAllowed(CredentialError):
    pass


class IssuanceNotAllowed(CredentialError):
    pass


class PublicationNotAllowed(CredentialError):
    pass


class ShareLinkNotAllowed(CredentialError):
    pass


class ContactNotAllowed(CredentialError):
    """A contact request (or its answer) refused: not allowed, not now, or too many."""


class SigningKeyNotAllowed(CredentialError):
    """Making or rotating a signing key refused: not the actor's to manage, or no secret."""


class SavedSearchNotAllowed(CredentialError):
    """A saved search refused: not an employer, a search that does not hold, or too many."""
