"""The events credentials' services record, and the payload each one carries.

Every event about an issuer's credentials or people carries the scope issuer_scope(issuer),
so that organisation's staff can read them; credential events are owned by the holder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from portfolio.events import NoPayload, declare_event


def issuer_scope(issuer_id: int) -> str:
    """The scope of events an issuer's staff may read."""
    return f"issuer:{issuer_id}"


@dataclass(frozen=True)
class MicroCredentialStatusChanged:
    title: str
    # A retired micro-credential published again says so.
    previous_status: str


@dataclass(frozen=True)
class MicroCredentialUpdated:
    title: str
    # The form fields that changed (skills included), as the admin's form names them.
    changed_fields: tuple[str, ...]


@dataclass(frozen=True)
class CredentialIssued:
    micro_credential_id: int
    title: str
    award_reference: str
    expires_at: datetime | None


@dataclass(frozen=True)
class CredentialRevoked:
    reason: str


@dataclass(frozen=True)
class CredentialVisibilitySet:
    is_shown_publicly: bool


@dataclass(frozen=True)
class ShareLinkCreated:
    label: str
    expires_at: datetime


@dataclass(frozen=True)
class ShareLinkRevoked:
    label: str


@dataclass(frozen=True)
class CredentialExpiryReminded:
    expires_at: datetime | None


@dataclass(frozen=True)
class InvitationSent:
    email: str
    role: str
    expires_at: datetime
    # A renewed open invitation rather than a new one.
    is_renewal: bool


@dataclass(frozen=True)
class InvitationAccepted:
    role: str


@dataclass(frozen=True)
class ContactRequestSent:
    organisation: str
    subject: str


@dataclass(frozen=True)
class SigningKeyMade:
    key_id: str
    public_key_multibase: str
    # The key it replaced, on rotation; "" for an owner's first key.
    retired_key_id: str


@dataclass(frozen=True)
class SavedSearchSaved:
    name: str
    query: str


@dataclass(frozen=True)
class SavedSearchDigestSent:
    # How many profiles were new matches; the e-mail lists at most DIGEST_LISTED of them.
    new_matches: int


@dataclass(frozen=True)
class CredentialSigned:
    # CredentialDocument.Format: "ob3".
    format: str
    # The DID URL of the key that signed it.
    verification_method: str


MICRO_CREDENTIAL_PUBLISHED = declare_event(
    "micro_credential.published",
    MicroCredentialStatusChanged,
    label=_("published a micro-credential"),
)
MICRO_CREDENTIAL_RETIRED = declare_event(
    "micro_credential.retired", MicroCredentialStatusChanged, label=_("retired a micro-credential")
)
MICRO_CREDENTIAL_UPDATED = declare_event(
    "micro_credential.updated", MicroCredentialUpdated, label=_("changed a micro-credential")
)
CREDENTIAL_ISSUED = declare_event(
    "credential.issued", CredentialIssued, label=_("issued a credential")
)
CREDENTIAL_REVOKED = declare_event(
    "credential.revoked", CredentialRevoked, label=_("revoked a credential")
)
CREDENTIAL_VISIBILITY_SET = declare_event(
    "credential.visibility_set", CredentialVisibilitySet, label=_("chose where a credential shows")
)
SHARE_LINK_CREATED = declare_event(
    "share_link.created", ShareLinkCreated, label=_("made a share link to their page")
)
SHARE_LINK_REVOKED = declare_event(
    "share_link.revoked", ShareLinkRevoked, label=_("revoked a share link to their page")
)
CREDENTIAL_EXPIRY_REMINDED = declare_event(
    "credential.expiry_reminded",
    CredentialExpiryReminded,
    label=_("reminded the holder that a credential expires soon"),
)
INVITATION_SENT = declare_event(
    "issuer.invitation_sent", InvitationSent, label=_("invited someone to join an issuer")
)
INVITATION_ACCEPTED = declare_event(
    "issuer.invitation_accepted",
    InvitationAccepted,
    label=_("accepted an invitation to join an issuer"),
)
CONTACT_REQUEST_SENT = declare_event(
    "contact_request.sent", ContactRequestSent, label=_("sent a learner a contact request")
)
CONTACT_REQUEST_REPLIED = declare_event(
    "contact_request.replied", NoPayload, label=_("replied to a contact request")
)
CONTACT_REQUEST_DECLINED = declare_event(
    "contact_request.declined", NoPayload, label=_("declined a contact request")
)
SIGNING_KEY_GENERATED = declare_event(
    "signing_key.generated", SigningKeyMade, label=_("made a signing key")
)
SIGNING_KEY_ROTATED = declare_event(
    "signing_key.rotated", SigningKeyMade, label=_("rotated a signing key")
)
SAVED_SEARCH_SAVED = declare_event(
    "saved_search.saved", SavedSearchSaved, label=_("saved a directory search")
)
SAVED_SEARCH_DELETED = declare_event(
    "saved_search.deleted", SavedSearchSaved, label=_("deleted a saved directory search")
)
SAVED_SEARCH_UNSUBSCRIBED = declare_event(
    "saved_search.unsubscribed",
    NoPayload,
    label=_("stopped the daily e-mail of a saved directory search"),
)
SAVED_SEARCH_DIGEST_SENT = declare_event(
    "saved_search.digest_sent",
    SavedSearchDigestSent,
    label=_("was sent the new matches of a saved directory search"),
)
CREDENTIAL_SIGNED = declare_event(
    "credential.signed", CredentialSigned, label=_("signed a credential")
)


@dataclass(frozen=True)
class BulkIssuanceStarted:
    micro_credential_id: int
    title: str
    rows: int


@dataclass(frozen=True)
class BulkIssuanceFinished:
    issued: int
    skipped: int


BULK_ISSUANCE_STARTED = declare_event(
    "bulk_issuance.started", BulkIssuanceStarted, label=_("started issuing credentials in bulk")
)
BULK_ISSUANCE_FINISHED = declare_event(
    "bulk_issuance.finished", BulkIssuanceFinished, label=_("finished issuing credentials in bulk")
)
