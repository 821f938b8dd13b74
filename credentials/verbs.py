"""The events credentials' services record, and the payload each one carries.

Every event about an issuer's credentials or people carries the scope issuer_scope(issuer),
so that organisation's staff can read them; credential events are owned by the holder.
"""

from __future__ import annotations

from dataclasses import dataclass

from portfolio.events import declare_event


def issuer_scope(issuer_id: int) -> str:
    """The scope of events an issuer's staff may read."""
    return f"issuer:{issuer_id}"


@dataclass(frozen=True)
class MicroCredentialStatusChanged:
    title: str
    # A retired micro-credential published again says so.
    previous_status: str


MICRO_CREDENTIAL_PUBLISHED = declare_event(
    "micro_credential.published", MicroCredentialStatusChanged
)
MICRO_CREDENTIAL_RETIRED = declare_event("micro_credential.retired", MicroCredentialStatusChanged)
