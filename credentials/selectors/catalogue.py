"""The catalogue of published micro-credentials and the page of each."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
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
    is_visible_micro_credential,
    visible_micro_credentials,
)
from credentials.public import (
    Holder,
    list_public_holders,
)
from portfolio.models import Skill, User


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
    # The larger credential it counts towards; None when it stands alone, or when that one is
    # a draft nobody may see yet.
    stacks_towards: MicroCredential | None


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
            .select_related("issuer", "stacks_towards")
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
    stacks_towards = micro_credential.stacks_towards
    return CatalogueEntry(
        micro_credential=micro_credential,
        skills=list(micro_credential.skills.all()),
        rubric=_rubric(list(micro_credential.criteria_set.all())),
        holders=holders[:HOLDERS_SHOWN],
        has_more_holders=len(holders) > HOLDERS_SHOWN,
        stacks_towards=stacks_towards
        if stacks_towards is not None and is_visible_micro_credential(stacks_towards)
        else None,
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
