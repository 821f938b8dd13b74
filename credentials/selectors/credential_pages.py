"""One issued credential's public page, and the holder's own list of credentials."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from uuid import UUID

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from credentials.models import (
    CredentialDocument,
    IssuedCredential,
    Issuer,
    MicroCredential,
)
from credentials.permissions import (
    is_retired,
    is_visible_micro_credential,
    visible_credentials,
)
from credentials.public import (
    get_linked_profile_slug,
    list_public_evidence_ids,
)
from credentials.records import (
    EvidenceRecord,
    RubricResultRecord,
    load_evidence,
    load_rubric_results,
)
from credentials.vc.multibase import MultibaseError, decode_sha256_digest
from portfolio.models import LearnerProfile, Skill, User
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
    # The item on the holder's public page; "" while the learner does not show it there.
    public_url: str = ""


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
    # What was certified: the micro-credential's skills, and the larger credential it counts
    # towards (None when it stands alone, or when that one is a draft nobody may see).
    skills: list[Skill]
    stacks_towards: MicroCredential | None
    # When the status above was worked out: the page says it was checked just now.
    checked_at: datetime
    # It has its signed Open Badges 3.0 document (/c/<id>.json); until then it is not
    # offered as verifiable.
    is_signed: bool = False


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


def _cited_evidence(
    records: list[EvidenceRecord], *, learner: User, profile_slug: str
) -> list[CitedEvidence]:
    # Titles and kinds only: descriptions, files and links stay with the learner, who may
    # not have made them public. An item they show is linked to where their page shows it.
    item_ids = {r.library_item_id for r in records if r.library_item_id is not None}
    shown = list_public_evidence_ids(learner=learner, item_ids=item_ids) if profile_slug else set()
    portfolio_url = reverse("credentials:public-portfolio", args=[profile_slug]) if shown else ""
    return [
        CitedEvidence(
            title=record.title,
            kind=record.kind_label,
            public_url=f"{portfolio_url}#evidence-{record.library_item_id}"
            if record.library_item_id in shown
            else "",
        )
        for record in records
    ]


def _holder_name(learner: User) -> str:
    try:
        return learner.profile.display_name
    except LearnerProfile.DoesNotExist:
        return learner.get_full_name() or _("Name not given")


def _has_signed_document() -> Exists:
    return Exists(
        CredentialDocument.objects.filter(
            credential=OuterRef("pk"), format=CredentialDocument.Format.OPEN_BADGES_3_0
        )
    )


def get_credential_page(*, public_id: UUID, viewer: AnyUser) -> CredentialPage:
    """An issued credential for its public page, whatever its status.

    Three queries whatever the number of skills, criteria and evidence items: the credential
    with its micro-credential, issuer and holder; the skills; which cited items the holder
    shows publicly (skipped when none could be linked).

    Raises Http404 for an unknown identifier, and for one the viewer may not see
    (credentials.permissions.visible_credentials). Revoked and expired credentials are found
    too: the page exists to say so.
    """
    try:
        credential = (
            visible_credentials(viewer)
            .select_related(
                "micro_credential__issuer",
                "micro_credential__stacks_towards",
                "issuer",
                "learner__profile",
            )
            .prefetch_related(
                Prefetch("micro_credential__skills", queryset=Skill.objects.order_by("name"))
            )
            .annotate(is_signed=_has_signed_document())
            .get(public_id=public_id)
        )
    except IssuedCredential.DoesNotExist:
        raise Http404("No such credential.") from None
    checked_at = timezone.now()
    micro_credential = credential.micro_credential
    stacks_towards = micro_credential.stacks_towards
    profile_slug = get_linked_profile_slug(credential.learner)
    return CredentialPage(
        credential=credential,
        status=credential.status_at(checked_at),
        holder_name=_holder_name(credential.learner),
        holder_profile_slug=profile_slug,
        results=_rubric_results(load_rubric_results(credential.rubric_results)),
        evidence=_cited_evidence(
            load_evidence(credential.evidence_snapshot),
            learner=credential.learner,
            profile_slug=profile_slug,
        ),
        skills=list(micro_credential.skills.all()),
        stacks_towards=stacks_towards
        if stacks_towards is not None and is_visible_micro_credential(stacks_towards)
        else None,
        checked_at=checked_at,
        micro_credential_is_retired=is_retired(credential.micro_credential),
        is_signed=credential.is_signed,
    )


def list_learner_credentials(*, learner: User) -> QuerySet[IssuedCredential]:
    """All of a learner's credentials, newest first, whatever their status."""
    return (
        IssuedCredential.objects.filter(learner=learner)
        .select_related("micro_credential", "issuer")
        .annotate(is_signed=_has_signed_document())
        .order_by("-issued_at", "-pk")
    )


def get_signed_document(*, public_id: UUID, viewer: AnyUser) -> str:
    """The credential's signed Open Badges 3.0 document, as text exactly as it was issued.

    One query. Http404 where its page is a 404 (credentials.permissions.visible_credentials),
    and for a credential that is not signed yet.
    """
    document = (
        CredentialDocument.objects.filter(
            credential__in=visible_credentials(viewer).filter(public_id=public_id),
            format=CredentialDocument.Format.OPEN_BADGES_3_0,
        )
        .values_list("content", flat=True)
        .first()
    )
    if document is None:
        raise Http404("No signed document for this credential.")
    return document


def get_signed_document_and_issuer(*, public_id: UUID, viewer: AnyUser) -> tuple[str, Issuer]:
    """get_signed_document's text, with the issuer that signed it (to sign it again as a JWT).

    One query; Http404 where get_signed_document raises it.
    """
    document = (
        CredentialDocument.objects.filter(
            credential__in=visible_credentials(viewer).filter(public_id=public_id),
            format=CredentialDocument.Format.OPEN_BADGES_3_0,
        )
        .select_related("credential__issuer")
        .only("content", "credential__issuer")
        .first()
    )
    if document is None:
        raise Http404("No signed document for this credential.")
    return document.content, document.credential.issuer


def get_own_credential(*, learner: User, public_id: UUID) -> IssuedCredential:
    """One of the learner's own credentials; Http404 for anyone else's."""
    try:
        return IssuedCredential.objects.select_related("micro_credential").get(
            public_id=public_id, learner=learner
        )
    except IssuedCredential.DoesNotExist:
        raise Http404("No such credential.") from None


@dataclass(frozen=True)
class BadgeToBake:
    """What a baked badge of one credential is made from."""

    # The signed document, as stored (CredentialDocument.content).
    document: str
    # The micro-credential's badge image (a storage name), "" if it has none.
    badge_image: str
    title: str
    micro_credential_id: int


def get_badge_to_bake(*, public_id: UUID, viewer: AnyUser) -> BadgeToBake:
    """The signed document and badge image of a credential, for a baked badge.

    One query, with the same access as get_signed_document: Http404 where the credential's
    page is a 404, and for a credential that is not signed yet.
    """
    row = (
        CredentialDocument.objects.filter(
            credential__in=visible_credentials(viewer).filter(public_id=public_id),
            format=CredentialDocument.Format.OPEN_BADGES_3_0,
        )
        .values_list(
            "content",
            "credential__micro_credential__badge_image",
            "credential__micro_credential__title",
            "credential__micro_credential_id",
        )
        .first()
    )
    if row is None:
        raise Http404("No signed document for this credential.")
    document, badge_image, title, micro_credential_id = row
    return BadgeToBake(
        document=document,
        badge_image=badge_image or "",
        title=title,
        micro_credential_id=micro_credential_id,
    )


@dataclass(frozen=True)
class PublishedFile:
    """An evidence file whose SHA-256 the credential's signed document lists."""

    title: str
    sha256: str


@dataclass(frozen=True)
class PublishedFiles:
    """What the credential's signed document lets anyone check a file against."""

    title: str
    is_signed: bool
    files: list[PublishedFile]

    def matching(self, sha256: str) -> list[PublishedFile]:
        return [file for file in self.files if file.sha256 == sha256]


def _listed_digests(content: str) -> set[tuple[str, str]]:
    # (path of the file's address, hex digest) for each relatedResource of the document. It
    # is our own signed text, but read defensively: anything unexpected lists nothing.
    try:
        document = json.loads(content)
    except ValueError:
        return set()
    resources = document.get("relatedResource") if isinstance(document, dict) else None
    listed: set[tuple[str, str]] = set()
    for resource in resources if isinstance(resources, list) else []:
        if not isinstance(resource, dict):
            continue
        address, digest = resource.get("id"), resource.get("digestMultibase")
        if not isinstance(address, str) or not isinstance(digest, str):
            continue
        try:
            listed.add((urlsplit(address).path, decode_sha256_digest(digest)))
        except MultibaseError:
            continue
    return listed


def get_published_files(*, public_id: UUID, viewer: AnyUser) -> PublishedFiles:
    """The evidence files a credential's signed document lists, by title and SHA-256.

    One query. Only what the signed document publishes counts (the holder's public evidence
    at signing): a file that matches evidence nobody else was shown matches nothing here.
    Documents signed before digests were listed list none. Raises Http404 where the
    credential's page is a 404.
    """
    document = CredentialDocument.objects.filter(
        credential=OuterRef("pk"), format=CredentialDocument.Format.OPEN_BADGES_3_0
    ).values("content")[:1]
    row = (
        visible_credentials(viewer)
        .filter(public_id=public_id)
        .annotate(document=Subquery(document))
        .values_list("micro_credential__title", "evidence_snapshot", "document")
        .first()
    )
    if row is None:
        raise Http404("No such credential.")
    title, snapshot, content = row
    if content is None:
        return PublishedFiles(title=title, is_signed=False, files=[])
    listed = _listed_digests(content)
    files = [
        PublishedFile(title=record.title, sha256=record.sha256)
        for record in load_evidence(snapshot)
        if record.sha256 is not None
        and record.library_item_id is not None
        and (reverse("portfolio:evidence-file", args=[record.library_item_id]), record.sha256)
        in listed
    ]
    return PublishedFiles(title=title, is_signed=True, files=files)
