"""Reads of applications for the learner's and the assessor's pages.

Each selector returns rows with what its page shows already joined or prefetched, so a
page's query count stays the same however many criteria, evidence items or events it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet, TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import (
    Application,
    CriterionResponse,
    CriterionScore,
    Review,
    SubmittedEvidence,
    SubmittedStatement,
)
from assessments.verbs import TRANSITIONS
from credentials.models import MicroCredential, RubricCriterion, RubricLevel
from portfolio.files import get_stored_extension
from portfolio.models import Event, EvidenceItem, User


def list_applications_for_learner(*, learner: User) -> QuerySet[Application]:
    """A learner's applications, most recent activity first."""
    return (
        Application.objects.filter(learner=learner)
        .select_related("micro_credential__issuer", "credential")
        .order_by("-updated_at", "-pk")
    )


def list_open_applications_for_learner(*, learner: User) -> QuerySet[Application]:
    """A learner's open applications (neither decided nor withdrawn), most recent first."""
    return list_applications_for_learner(learner=learner).filter(
        status__in=Application.OPEN_STATUSES
    )


def get_open_application(*, learner: User, micro_credential_id: int) -> Application | None:
    """The learner's one open application for a micro-credential, if there is one."""
    return (
        Application.objects.open()
        .filter(learner=learner, micro_credential_id=micro_credential_id)
        .first()
    )


def list_responses(*, application: Application) -> QuerySet[CriterionResponse]:
    """The working answers in rubric order, with each criterion's levels and linked evidence."""
    return (
        application.responses.select_related("criterion__required_level", "self_assessed_level")
        .prefetch_related(
            "criterion__levels",
            Prefetch(
                "evidence_items",
                queryset=EvidenceItem.objects.only("pk", "title", "kind").order_by("title"),
            ),
        )
        .order_by("criterion__position")
    )


def _prefetch_scores() -> Prefetch[str, QuerySet[CriterionScore], str]:
    return Prefetch(
        "scores",
        queryset=CriterionScore.objects.select_related("criterion", "level").order_by(
            "criterion__position"
        ),
    )


def list_reviews(*, application: Application) -> QuerySet[Review]:
    """Every decision on the application, latest round first, with its per-criterion scores."""
    return application.reviews.prefetch_related(_prefetch_scores()).order_by("-round")


def get_latest_review(*, application: Application) -> Review | None:
    """The decision on the current round (e.g. the changes requested), if there is one."""
    return (
        application.reviews.filter(round=application.round)
        .prefetch_related(_prefetch_scores())
        .first()
    )


@dataclass(frozen=True)
class HistoryStep:
    """One status transition of an application, read from its event."""

    actor: User | None
    from_status: str
    to_status: str
    comment: str
    created_at: datetime

    @property
    def from_label(self) -> str:
        return str(Application.Status(self.from_status).label)

    @property
    def to_label(self) -> str:
        return str(Application.Status(self.to_status).label)


def list_history(*, application: Application) -> list[HistoryStep]:
    """The application's status transitions, oldest first, with who acted (and their name).

    One query: the transitions are the application's events in the log (assessments.verbs).
    """
    events = (
        Event.objects.filter(
            target_type=Application._meta.label_lower,
            target_id=application.pk,
            verb__in=list(TRANSITIONS),
        )
        .select_related("actor__profile")
        .order_by("created_at", "pk")
    )
    steps = []
    for event in events:
        change = TRANSITIONS[event.verb].decode(event.payload)
        steps.append(
            HistoryStep(
                actor=event.actor,
                from_status=change.from_status,
                to_status=change.to_status,
                comment=change.comment,
                created_at=event.created_at,
            )
        )
    return steps


def list_submitted_statements(
    *, application: Application, round_number: int
) -> QuerySet[SubmittedStatement]:
    """The statements of one round in rubric order, each with its frozen evidence."""
    return (
        application.submitted_statements.filter(round=round_number)
        .select_related("criterion", "self_assessed_level")
        .prefetch_related(
            Prefetch("evidence", queryset=SubmittedEvidence.objects.order_by("title", "pk"))
        )
        .order_by("criterion__position")
    )


# --- The assessor's queue ----------------------------------------------------------------


@dataclass(frozen=True)
class CredentialQueueCount:
    """How many applications for one micro-credential wait in an assessor's queue."""

    micro_credential_id: int
    title: str
    waiting: int
    resubmitted: int


@dataclass(frozen=True)
class QueueCounts:
    per_credential: list[CredentialQueueCount]

    @property
    def total(self) -> int:
        return sum(row.waiting for row in self.per_credential)

    @property
    def resubmitted(self) -> int:
        return sum(row.resubmitted for row in self.per_credential)


def _list_claimable_by(assessor: User) -> QuerySet[Application]:
    # Never an assessor's own work, whatever roles they have held (claim_application agrees).
    return (
        Application.objects.awaiting_review()
        .filter(micro_credential__assessors=assessor)
        .exclude(learner=assessor)
    )


def get_queue_counts(*, assessor: User) -> QueueCounts:
    """Waiting and resubmitted applications per assigned micro-credential, in one query.

    Every assigned micro-credential is listed, those with nothing waiting too, so the
    queue's filter can offer them all.
    """
    queued = Q(applications__status__in=Application.QUEUE_STATUSES) & ~Q(
        applications__learner=assessor
    )
    resubmitted = queued & Q(applications__status=Application.Status.RESUBMITTED)
    rows = (
        MicroCredential.objects.filter(assessors=assessor)
        .annotate(
            waiting=Count("applications", filter=queued, distinct=True),
            resubmitted=Count("applications", filter=resubmitted, distinct=True),
        )
        .order_by("title", "pk")
        .values_list("pk", "title", "waiting", "resubmitted")
    )
    return QueueCounts(
        per_credential=[
            CredentialQueueCount(
                micro_credential_id=pk, title=title, waiting=waiting, resubmitted=resubmitted
            )
            for pk, title, waiting, resubmitted in rows
        ]
    )


def list_review_queue(
    *,
    assessor: User,
    micro_credential_id: int | None = None,
    waiting_more_than_days: int | None = None,
    now: datetime | None = None,
) -> QuerySet[Application]:
    """Applications this assessor may claim, oldest submission first, learner and title joined."""
    queue = _list_claimable_by(assessor)
    if micro_credential_id is not None:
        queue = queue.filter(micro_credential_id=micro_credential_id)
    if waiting_more_than_days is not None:
        cutoff = (now or timezone.now()) - timedelta(days=waiting_more_than_days)
        queue = queue.filter(submitted_at__lt=cutoff)
    return queue.select_related("micro_credential", "learner__profile").order_by(
        "submitted_at", "pk"
    )


def list_reviews_in_progress(*, assessor: User) -> QuerySet[Application]:
    """The applications this assessor has claimed and not yet decided, oldest first."""
    return (
        Application.objects.filter(status=Application.Status.IN_REVIEW, assessor=assessor)
        .select_related("micro_credential", "learner__profile")
        .order_by("submitted_at", "pk")
    )


# --- The review page ---------------------------------------------------------------------


def list_rubric_criteria(*, micro_credential_id: int) -> QuerySet[RubricCriterion]:
    """A micro-credential's rubric in order, each criterion with its levels and required level."""
    return (
        RubricCriterion.objects.filter(micro_credential_id=micro_credential_id)
        .select_related("required_level")
        .prefetch_related(Prefetch("levels", queryset=RubricLevel.objects.order_by("position")))
        .order_by("position")
    )


class EvidenceChange(TextChoices):
    NEW = "new", _("New")
    CHANGED = "changed", _("Changed")
    UNCHANGED = "unchanged", _("Unchanged")
    REMOVED = "removed", _("Removed")


@dataclass(frozen=True)
class EvidenceEntry:
    evidence: SubmittedEvidence
    # None in the first round, which has nothing to compare with.
    change: EvidenceChange | None = None

    @property
    def kind_label(self) -> str:
        kind = self.evidence.kind
        return str(EvidenceItem.Kind(kind).label) if kind in EvidenceItem.Kind.values else kind

    @property
    def file_type(self) -> str:
        """The stored file's type as its extension ("DOCX"), which the upload check chose."""
        return get_stored_extension(self.evidence.file.name).upper()


@dataclass(frozen=True)
class CriterionSheet:
    criterion: RubricCriterion
    statement: SubmittedStatement | None
    evidence: list[EvidenceEntry]
    previous_statement: SubmittedStatement | None
    statement_changed: bool
    # This round's and the last round's decided level, once there is a decision.
    score: CriterionScore | None
    previous_score: CriterionScore | None


@dataclass(frozen=True)
class ReviewSheet:
    criteria: list[CriterionSheet]
    # Every item of this round and the last, removed ones included; empty in the first round.
    evidence_changes: list[EvidenceEntry]
    review: Review | None
    previous_review: Review | None

    @property
    def changed_statements(self) -> list[CriterionSheet]:
        return [sheet for sheet in self.criteria if sheet.statement_changed]


def _identify_evidence(evidence: SubmittedEvidence) -> int | str:
    # Rounds are matched by the library item each snapshot was frozen from. Once the learner
    # deletes that item the link is gone, and only identical content still matches.
    if evidence.source_item_id is not None:
        return evidence.source_item_id
    return f"fingerprint:{evidence.fingerprint}"


def _compare_evidence(
    current: list[SubmittedEvidence], previous: list[SubmittedEvidence]
) -> tuple[dict[int, EvidenceChange], list[SubmittedEvidence]]:
    """Each current item's change (by pk), and the previous items no longer submitted."""
    before = {_identify_evidence(evidence): evidence for evidence in previous}
    changes: dict[int, EvidenceChange] = {}
    for evidence in current:
        earlier = before.get(_identify_evidence(evidence))
        if earlier is None:
            changes[evidence.pk] = EvidenceChange.NEW
        elif earlier.fingerprint == evidence.fingerprint:
            changes[evidence.pk] = EvidenceChange.UNCHANGED
        else:
            changes[evidence.pk] = EvidenceChange.CHANGED
    kept = {_identify_evidence(evidence) for evidence in current}
    removed = [evidence for evidence in previous if _identify_evidence(evidence) not in kept]
    return changes, removed


def _list_distinct_evidence(statements: list[SubmittedStatement]) -> list[SubmittedEvidence]:
    # One item may support several criteria; it is still one item.
    unique = {
        evidence.pk: evidence for statement in statements for evidence in statement.evidence.all()
    }
    return sorted(unique.values(), key=lambda evidence: (evidence.title, evidence.pk))


def _is_changed(current: SubmittedStatement | None, previous: SubmittedStatement | None) -> bool:
    if current is None or previous is None:
        return current is not previous
    return (current.statement, current.self_assessed_level_id) != (
        previous.statement,
        previous.self_assessed_level_id,
    )


def get_review_sheet(*, application: Application) -> ReviewSheet:
    """What the review page shows, criterion by criterion, in a fixed number of queries.

    From the second round on, each evidence item is compared with the last round's: new,
    changed (another fingerprint), unchanged, or removed; statements are compared by text
    and self-assessed level.
    """
    this_round = application.round
    is_resubmission = this_round > 1
    statements = list(list_submitted_statements(application=application, round_number=this_round))
    previous_statements = (
        list(list_submitted_statements(application=application, round_number=this_round - 1))
        if is_resubmission
        else []
    )
    changes: dict[int, EvidenceChange] = {}
    removed: list[SubmittedEvidence] = []
    current_evidence = _list_distinct_evidence(statements)
    if is_resubmission:
        changes, removed = _compare_evidence(
            current_evidence, _list_distinct_evidence(previous_statements)
        )
    reviews = {review.round: review for review in list_reviews(application=application)}
    review = reviews.get(this_round)
    previous_review = reviews.get(this_round - 1)
    scores = {score.criterion_id: score for score in review.scores.all()} if review else {}
    previous_scores = (
        {score.criterion_id: score for score in previous_review.scores.all()}
        if previous_review
        else {}
    )
    by_criterion = {statement.criterion_id: statement for statement in statements}
    previous_by_criterion = {statement.criterion_id: statement for statement in previous_statements}
    criteria = []
    for criterion in list_rubric_criteria(micro_credential_id=application.micro_credential_id):
        statement = by_criterion.get(criterion.pk)
        previous_statement = previous_by_criterion.get(criterion.pk)
        linked = statement.evidence.all() if statement is not None else []
        criteria.append(
            CriterionSheet(
                criterion=criterion,
                statement=statement,
                evidence=[EvidenceEntry(evidence, changes.get(evidence.pk)) for evidence in linked],
                previous_statement=previous_statement,
                statement_changed=is_resubmission and _is_changed(statement, previous_statement),
                score=scores.get(criterion.pk),
                previous_score=previous_scores.get(criterion.pk),
            )
        )
    evidence_changes = (
        [EvidenceEntry(evidence, changes[evidence.pk]) for evidence in current_evidence]
        + [EvidenceEntry(evidence, EvidenceChange.REMOVED) for evidence in removed]
        if is_resubmission
        else []
    )
    return ReviewSheet(
        criteria=criteria,
        evidence_changes=evidence_changes,
        review=review,
        previous_review=previous_review,
    )
