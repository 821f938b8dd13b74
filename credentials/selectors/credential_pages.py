"""One issued credential's public page, and the holder's own list of credentials."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from credentials.models import (
    IssuedCredential,
)
from credentials.permissions import (
    is_retired,
    visible_credentials,
)
from credentials.public import (
    get_linked_profile_slug,
)
from credentials.records import (
    EvidenceRecord,
    RubricResultRecord,
    load_evidence,
    load_rubric_results,
)
from portfolio.models import LearnerProfile, User
from portfolio.permissions import AnyUser


@dataclass(frozen=True)
class RubricResult:
    criterion: str
    level: str
    required_level: str


@dataclass(frozen=True)
class CitedEvidence:
    title: str
    kind: str


@dataclass(frozen=True)
class CredentialPage:
    """What the public page of one issued credential shows."""

    credential: IssuedCredential
    status: IssuedCredential.Status
    holder_name: str
    # Only a public profile is linked: a private one stays unlisted even from here.
    holder_profile_slug: str
    results: list[RubricResult]
    evidence: list[CitedEvidence]
    # Its micro-credential is no longer offered; the credential keeps its status.
    micro_credential_is_retired: bool


def _rubric_results(records: list[RubricResultRecord]) -> list[RubricResult]:
    # Without the assessor's comments, which are notes to the learner.
    return [
        RubricResult(
            criterion=record.criterion,
            level=record.level,
            required_level=record.required_level or "",
        )
        for record in records
    ]


def _cited_evidence(records: list[EvidenceRecord]) -> list[CitedEvidence]:
    # Titles and kinds only: descriptions, files and links stay with the learner, who may
    # not have made them public.
    return [CitedEvidence(title=record.title, kind=record.kind_label) for record in records]


def _holder_name(learner: User) -> str:
    try:
        return learner.profile.display_name
    except LearnerProfile.DoesNotExist:
        return learner.get_full_name() or _("Name not given")


def get_credential_page(*, public_id: UUID, viewer: AnyUser) -> CredentialPage:
    """An issued credential for its public page, whatever its status; one query.

    Raises Http404 for an unknown identifier, and for one the viewer may not see
    (credentials.permissions.visible_credentials). Revoked and expired credentials are found
    too: the page exists to say so.
    """
    try:
        credential = (
            visible_credentials(viewer)
            .select_related("micro_credential", "issuer", "learner__profile")
            .get(public_id=public_id)
        )
    except IssuedCredential.DoesNotExist:
        raise Http404("No such credential.") from None
    return CredentialPage(
        credential=credential,
        status=credential.status,
        holder_name=_holder_name(credential.learner),
        holder_profile_slug=get_linked_profile_slug(credential.learner),
        results=_rubric_results(load_rubric_results(credential.rubric_results)),
        evidence=_cited_evidence(load_evidence(credential.evidence_snapshot)),
        micro_credential_is_retired=is_retired(credential.micro_credential),
    )


def list_learner_credentials(*, learner: User) -> QuerySet[IssuedCredential]:
    """All of a learner's credentials, newest first, whatever their status."""
    return (
        IssuedCredential.objects.filter(learner=learner)
        .select_related("micro_credential", "issuer")
        .order_by("-issued_at", "-pk")
    )


def get_own_credential(*, learner: User, public_id: UUID) -> IssuedCredential:
    """One of the learner's own credentials; Http404 for anyone else's."""
    try:
        return IssuedCredential.objects.select_related("micro_credential").get(
            public_id=public_id, learner=learner
        )
    except IssuedCredential.DoesNotExist:
        raise Http404("No such credential.") from None
