"""What goes into a learner's Comprehensive Learner Record (credentials.vc.clr), read in one query."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from credentials.models import CredentialDocument, IssuedCredential
from portfolio.models import User


@dataclass(frozen=True)
class RecordEntry:
    """One of the learner's credentials, as its signed Open Badges 3.0 document was issued."""

    content: str
    micro_credential_id: int
    # The micro-credential it stacks towards (MicroCredential.stacks_towards), if any.
    stacks_towards_id: int | None


@dataclass(frozen=True)
class LearnerRecord:
    entries: tuple[RecordEntry, ...]
    # Credentials that belong in the record but are not signed yet (their issuer has no key).
    unsigned_count: int


def get_learner_record(*, learner: User) -> LearnerRecord:
    """Every credential of the learner that is not revoked, oldest first, with its document.

    Expired ones are in it: the achievement stays on the record, and the credential's own
    validUntil tells a verifier it has lapsed. Revoked ones are not: the issuer withdrew the
    achievement, and a verifier checking each inner credential would reject the whole record.
    Hidden or shown on the public page, all are in it: the learner decides whom to give it
    to. One query whatever the number of credentials.
    """
    signed = CredentialDocument.objects.filter(
        credential=OuterRef("pk"), format=CredentialDocument.Format.OPEN_BADGES_3_0
    ).values("content")[:1]
    rows = (
        IssuedCredential.objects.filter(learner=learner, revoked_at__isnull=True)
        .annotate(document=Subquery(signed))
        .order_by("issued_at", "pk")
        .values_list("document", "micro_credential_id", "micro_credential__stacks_towards_id")
    )
    entries: list[RecordEntry] = []
    unsigned = 0
    for content, micro_credential_id, stacks_towards_id in rows:
        if content is None:
            unsigned += 1
            continue
        entries.append(RecordEntry(content, micro_credential_id, stacks_towards_id))
    return LearnerRecord(entries=tuple(entries), unsigned_count=unsigned)
