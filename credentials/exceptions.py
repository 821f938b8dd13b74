class CredentialError(Exception):
    """A credential operation refused for a reason the user should read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RevocationNotAllowed(CredentialError):
    pass


class InvitationNotAllowed(CredentialError):
    pass


class IssuanceNotAllowed(CredentialError):
    pass
