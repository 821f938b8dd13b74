"""Reads behind the pages the public sees."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit
from uuid import UUID

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from credentials.models import (
    IssuedCredential,
    Issuer,
    MicroCredential,
    RubricCriterion,
    RubricLevel,
)
from credentials.permissions import (
    visible_credentials,
    visible_invitations,
    visible_micro_credentials,
)
from credentials.public import (
    Holder,
    ShownCredential,
    get_linked_profile_slug,
    list_public_credentials,
    list_public_holders,
)
from credentials.records import (
    EvidenceRecord,
    RubricResultRecord,
    load_evidence,
    load_rubric_results,
)
from portfolio import selectors as portfolio_selectors
from portfolio.files import file_label
from portfolio.models import EvidenceItem, LearnerProfile, Skill, User
from portfolio.permissions import AnyUser, get_public_profile


@dataclass(frozen=True)
class PublicEvidence:
    """One item as the public page shows it."""

    item: EvidenceItem
    skills: list[Skill]
    file_label: str
    file_size: str
    link_url: str
    link_host: str


@dataclass(frozen=True)
class SkillShown:
    skill: Skill
    count: int


@dataclass(frozen=True)
class PublicPortfolio:
    profile: LearnerProfile
    initials: str
    description: str
    items: list[PublicEvidence]
    skills_shown: list[SkillShown]
    credentials: list[ShownCredential]


def _safe_link(url: str) -> tuple[str, str]:
    # The evidence form accepts http(s) only; checking again here means a row written any
    # other way (admin, shell, import) can never put a javascript: link on a public page.
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return "", ""
    return url, parts.hostname or parts.netloc


def _public_evidence(item: EvidenceItem) -> PublicEvidence:
    link_url, link_host = _safe_link(item.url) if item.kind == EvidenceItem.Kind.LINK else ("", "")
    return PublicEvidence(
        item=item,
        skills=list(item.skills.all()),
        file_label=file_label(item.file.name) if item.has_file else "",
        file_size=filesizeformat(item.file_size) if item.file_size else "",
        link_url=link_url,
        link_host=link_host,
    )


def _description(profile: LearnerProfile) -> str:
    text = profile.headline or " ".join(profile.bio.split())
    if not text:
        return f"The skills portfolio of {profile.display_name}."
    return text if len(text) <= 160 else text[:159].rstrip() + "…"


def get_public_portfolio(*, slug: str) -> PublicPortfolio:
    """A public profile with its chosen items in order; Http404 unless the profile is public.

    Four queries whatever the number of items and credentials: the profile, the items,
    their skills and the credentials shown.
    """
    profile = get_public_profile(slug)
    items = [
        _public_evidence(item)
        for item in portfolio_selectors.list_public_evidence(owner=profile.user)
    ]
    counts: Counter[int] = Counter()
    skills_by_id: dict[int, Skill] = {}
    for entry in items:
        for skill in entry.skills:
            counts[skill.pk] += 1
            skills_by_id[skill.pk] = skill
    skills_shown = sorted(
        (SkillShown(skill=skills_by_id[pk], count=n) for pk, n in counts.items()),
        key=lambda shown: (-shown.count, shown.skill.name.lower()),
    )
    return PublicPortfolio(
        profile=profile,
        initials=profile.initials,
        description=_description(profile),
        items=items,
        skills_shown=skills_shown,
        credentials=list_public_credentials(learner=profile.user, now=timezone.now()),
    )


# --- The catalogue of micro-credentials ----------------------------------------------


def list_catalogue_issuers() -> QuerySet[Issuer]:
    """Issuers with at least one published micro-credential, for the catalogue's filter."""
    published = MicroCredential.objects.published().filter(issuer=OuterRef("pk"))
    return Issuer.objects.filter(Exists(published)).order_by("name")


def list_catalogue(
    *, query: str = "", level: str = "", issuer: Issuer | None = None
) -> QuerySet[MicroCredential]:
    """Published micro-credentials matching a search by title or skill name, and filters.

    The cards' issuer comes with each row and their skills in one more query.
    """
    entries = MicroCredential.objects.published()
    query = query.strip()
    if query:
        # A subquery rather than a join on skills, so a credential matching through two
        # skills is listed (and counted) once.
        with_skill = MicroCredential.skills.through.objects.filter(
            microcredential_id=OuterRef("pk"), skill__name__icontains=query
        )
        entries = entries.filter(Q(title__icontains=query) | Exists(with_skill))
    if level:
        entries = entries.filter(level=level)
    if issuer is not None:
        entries = entries.filter(issuer=issuer)
    return (
        entries.select_related("issuer")
        .prefetch_related(Prefetch("skills", queryset=Skill.objects.only("id", "name", "slug")))
        .order_by("title", "pk")
    )


@dataclass(frozen=True)
class RubricCell:
    level: RubricLevel
    is_required: bool


@dataclass(frozen=True)
class RubricRow:
    criterion: RubricCriterion
    # One cell per column; None where this criterion has fewer levels than the widest.
    cells: list[RubricCell | None]


@dataclass(frozen=True)
class Rubric:
    """The rubric as a table: criteria as rows, performance levels as columns."""

    headings: list[str]
    # True when every criterion uses the same level names, so the headings name them and
    # the cells need only the descriptions.
    has_shared_levels: bool
    rows: list[RubricRow]


@dataclass(frozen=True)
class CatalogueEntry:
    micro_credential: MicroCredential
    skills: list[Skill]
    rubric: Rubric
    holders: list[Holder]
    has_more_holders: bool


HOLDERS_SHOWN = 24


def _rubric(criteria: list[RubricCriterion]) -> Rubric:
    levels_by_criterion = [list(criterion.levels.all()) for criterion in criteria]
    width = max((len(levels) for levels in levels_by_criterion), default=0)
    names = {tuple(level.name for level in levels) for levels in levels_by_criterion}
    has_shared_levels = len(names) == 1 and width > 0
    if has_shared_levels:
        headings = [level.name for level in levels_by_criterion[0]]
    else:
        headings = [_("Level %(n)d") % {"n": n} for n in range(1, width + 1)]
    rows = []
    for criterion, levels in zip(criteria, levels_by_criterion, strict=True):
        cells: list[RubricCell | None] = [
            RubricCell(level=level, is_required=level.pk == criterion.required_level_id)
            for level in levels
        ]
        cells += [None] * (width - len(levels))
        rows.append(RubricRow(criterion=criterion, cells=cells))
    return Rubric(headings=headings, has_shared_levels=has_shared_levels, rows=rows)


def get_catalogue_entry(*, slug: str) -> CatalogueEntry:
    """A published or retired micro-credential with its rubric and public holders.

    Raises Http404 for drafts, which are not public yet. Five queries, however long the
    rubric or the list of holders.
    """
    criteria = RubricCriterion.objects.order_by("position").prefetch_related(
        Prefetch("levels", queryset=RubricLevel.objects.order_by("position"))
    )
    try:
        micro_credential = (
            visible_micro_credentials()
            .select_related("issuer")
            .prefetch_related(
                Prefetch("skills", queryset=Skill.objects.only("id", "name", "slug")),
                Prefetch("criteria_set", queryset=criteria),
            )
            .get(slug=slug)
        )
    except MicroCredential.DoesNotExist:
        raise Http404("No such micro-credential.") from None
    holders = list_public_holders(
        micro_credential=micro_credential, now=timezone.now(), limit=HOLDERS_SHOWN
    )
    return CatalogueEntry(
        micro_credential=micro_credential,
        skills=list(micro_credential.skills.all()),
        rubric=_rubric(list(micro_credential.criteria_set.all())),
        holders=holders[:HOLDERS_SHOWN],
        has_more_holders=len(holders) > HOLDERS_SHOWN,
    )


def get_valid_credential(
    *, learner: User, micro_credential: MicroCredential
) -> IssuedCredential | None:
    """The learner's currently valid credential for this micro-credential, if any."""
    return (
        IssuedCredential.objects.valid_at(timezone.now())
        .filter(learner=learner, micro_credential=micro_credential)
        .order_by("-issued_at")
        .first()
    )


# --- Issued credentials --------------------------------------------------------------


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


def count_open_invitations(*, user: User) -> int:
    """How many invitations to join an issuer wait for this user: one COUNT query at most.

    An account made after the invitation was sent was never told about it; the dashboard
    shows the count, so the invitation is found anyway.
    """
    return visible_invitations(user).count()
