"""The events credentials' services record, and the payload each one carries.

Every event about an issuer's credentials or people carries the scope issuer_scope(issuer),
so that organisation's staff can read them; credential events are owned by the holder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portfolio.events import declare_event


def issuer_scope(issuer_id: int) -> str:
    """The scope of events an issuer's staff may read."""
    return f"issuer:{issuer_id}"


@dataclass(frozen=True)
class MicroCredentialStatusChanged:
    title: str
    # A retired micro-credential published again says so.
    previous_status: str


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


MICRO_CREDENTIAL_PUBLISHED = declare_event(
    "micro_credential.published", MicroCredentialStatusChanged
)
MICRO_CREDENTIAL_RETIRED = declare_event("micro_credential.retired", MicroCredentialStatusChanged)
CREDENTIAL_ISSUED = declare_event("credential.issued", CredentialIssued)
CREDENTIAL_REVOKED = declare_event("credential.revoked", CredentialRevoked)
CREDENTIAL_VISIBILITY_SET = declare_event("credential.visibility_set", CredentialVisibilitySet)
CREDENTIAL_EXPIRY_REMINDED = declare_event("credential.expiry_reminded", CredentialExpiryReminded)
INVITATION_SENT = declare_event("issuer.invitation_sent", InvitationSent)
INVITATION_ACCEPTED = declare_event("issuer.invitation_accepted", InvitationAccepted)
