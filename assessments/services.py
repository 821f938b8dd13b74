"""Every state change of an application, one service each.

Each entry point locks the application row, refuses an illegal step with a domain error
before writing, records one event (assessments.verbs; a status transition's event is the
application's history). The people concerned are told by assessments.subscribers, which react
to those events inside the same transaction, so each notification commits with its change and
is e-mailed after commit (see portfolio.services.notifications).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import cast

from django.conf import settings
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import notification_kinds
from assessments.exceptions import ApplicationNotAllowed, ReviewNotAllowed
from assessments.models import (
    Application,
    CriterionResponse,
    CriterionScore,
    Review,
    SubmittedEvidence,
    SubmittedStatement,
)
from assessments.permissions import can_claim, can_release, can_review
from assessments.transitions import SUBMITTABLE, ensure_transition, not_allowed, record_transition
from assessments.verbs import (
    APPLICATION_APPROVED,
    APPLICATION_CHANGES_REQUESTED,
    APPLICATION_CLAIMED,
    APPLICATION_REJECTED,
    APPLICATION_RELEASED,
    APPLICATION_RESPONSE_SAVED,
    APPLICATION_STARTED,
    APPLICATION_SUBMITTED,
    APPLICATION_WAITING_FLAGGED,
    APPLICATION_WITHDRAWN,
    ApplicationStarted,
    ResponseSaved,
    WaitingFlagged,
)
from credentials.exceptions import IssuanceNotAllowed
from credentials.models import IssuedCredential, MicroCredential, RubricCriterion, RubricLevel
from credentials.permissions import is_open_for_applications
from credentials.records import EvidenceRecord, RubricResultRecord
from credentials.services import issue_credential
from credentials.verbs import issuer_scope
from portfolio.events import record_event
from portfolio.models import EvidenceItem, User
from portfolio.permissions import is_learner
from portfolio.selectors import has_display_name
from portfolio.services.notifications import notify
from portfolio.storage import private_storage


@dataclass(frozen=True)
class ScoreInput:
    level_id: int
    comment: str = ""


def _lock(application_id: int) -> Application:
    return (
        Application.objects.select_for_update()
        .select_related("micro_credential__issuer")
        .get(pk=application_id)
    )


def _ensure_owner(application: Application, by: User) -> None:
    if application.learner_id != by.pk:
        raise ApplicationNotAllowed(
            _("Only the learner who started this application can change it."),
            code="application.not_applicant",
            status=HTTPStatus.FORBIDDEN,
        )


def _already_open(micro_credential: MicroCredential) -> ApplicationNotAllowed:
    return ApplicationNotAllowed(
        _("You already have an open application for %(title)s.")
        % {"title": micro_credential.title},
        code="application.already_open",
        status=HTTPStatus.CONFLICT,
    )


def _own_application() -> ReviewNotAllowed:
    return ReviewNotAllowed(
        _("You cannot review your own application."),
        code="application.own_application",
        status=HTTPStatus.FORBIDDEN,
    )


def _review_link(application: Application) -> str:
    return reverse("assessments:review", args=[application.pk])


# --- The learner's side -------------------------------------------------------------


@transaction.atomic(durable=True)
def start_application(*, micro_credential_id: int, by: User) -> Application:
    """Open a draft application with an empty answer per rubric criterion.

    Raises ApplicationNotAllowed if `by` is not a learner, the micro-credential is not
    published, or `by` already has an open application for it or holds a valid credential
    for it.
    """
    micro_credential = MicroCredential.objects.select_for_update().get(pk=micro_credential_id)
    if not is_learner(by):
        raise ApplicationNotAllowed(
            _("Only learners can apply for micro-credentials."),
            code="application.not_learner",
            status=HTTPStatus.FORBIDDEN,
        )
    if not is_open_for_applications(micro_credential):
        raise ApplicationNotAllowed(
            _("This micro-credential is not open for applications."),
            code="micro_credential.not_open",
            status=HTTPStatus.CONFLICT,
        )
    if (
        IssuedCredential.objects.valid_at(timezone.now())
        .filter(learner=by, micro_credential=micro_credential)
        .exists()
    ):
        raise ApplicationNotAllowed(
            _("You already hold a valid credential for %(title)s.")
            % {"title": micro_credential.title},
            code="application.credential_held",
            status=HTTPStatus.CONFLICT,
        )
    if Application.objects.open().filter(learner=by, micro_credential=micro_credential).exists():
        raise _already_open(micro_credential)
    try:
        with transaction.atomic():
            application = Application.objects.create(learner=by, micro_credential=micro_credential)
    except IntegrityError:
        # The partial unique index caught a concurrent start.
        raise _already_open(micro_credential) from None
    CriterionResponse.objects.bulk_create(
        CriterionResponse(application=application, criterion=criterion)
        for criterion in micro_credential.criteria_set.all()
    )
    record_event(
        APPLICATION_STARTED,
        by=by,
        target=application,
        owner=by,
        scope=issuer_scope(micro_credential.issuer_id),
        payload=ApplicationStarted(
            micro_credential_id=micro_credential.pk, title=micro_credential.title
        ),
    )
    return application


@transaction.atomic(durable=True)
def save_response(
    *,
    application_id: int,
    by: User,
    criterion_id: int,
    statement: str,
    self_assessed_level_id: int | None,
    evidence_item_ids: Sequence[int],
) -> CriterionResponse:
    """Save the learner's statement, self-assessment and evidence for one criterion.

    Allowed only while the application is a draft or has changes requested. Evidence must
    come from the learner's own library and the level from the criterion's own scale.
    """
    application = _lock(application_id)
    _ensure_owner(application, by)
    if application.status not in SUBMITTABLE:
        raise ApplicationNotAllowed(
            _("An application that is %(status)s cannot be edited.")
            % {"status": Application.Status(application.status).label.lower()},
            code="application.not_editable",
            status=HTTPStatus.CONFLICT,
        )
    try:
        response = CriterionResponse.objects.get(application=application, criterion_id=criterion_id)
    except CriterionResponse.DoesNotExist:
        raise ApplicationNotAllowed(
            _("That criterion is not part of this micro-credential."),
            code="application.unknown_criterion",
        ) from None
    if (
        self_assessed_level_id is not None
        and not RubricLevel.objects.filter(
            pk=self_assessed_level_id, criterion_id=criterion_id
        ).exists()
    ):
        raise ApplicationNotAllowed(
            _("Choose a level from this criterion's rubric."),
            code="application.unknown_level",
            field="self_assessed_level_id",
        )
    wanted = set(evidence_item_ids)
    owned = set(EvidenceItem.objects.filter(owner=by, pk__in=wanted).values_list("pk", flat=True))
    if owned != wanted:
        raise ApplicationNotAllowed(
            _("Evidence can only come from your own library."),
            code="application.evidence_not_owned",
            field="evidence_item_ids",
        )
    response.statement = statement.strip()
    response.self_assessed_level_id = self_assessed_level_id
    response.save(update_fields=["statement", "self_assessed_level"])
    response.evidence_items.set(owned)
    Application.objects.filter(pk=application.pk).update(updated_at=timezone.now())
    # `by` is the learner (_ensure_owner).
    record_event(
        APPLICATION_RESPONSE_SAVED,
        by=by,
        target=application,
        owner=by,
        scope=issuer_scope(application.micro_credential.issuer_id),
        payload=ResponseSaved(criterion_id=criterion_id, evidence_item_ids=tuple(sorted(owned))),
    )
    return response


@transaction.atomic(durable=True)
def submit_application(*, application_id: int, by: User) -> Application:
    """Submit a draft, or resubmit after changes were requested, freezing its evidence.

    The learner needs a display name, and every criterion a statement and at least one piece
    of evidence. The evidence as it
    stands now is copied into the round's snapshot, so later edits or deletions in the
    library change nothing the assessor sees. The assigned assessors are told
    (assessments.subscribers).
    """
    application = _lock(application_id)
    _ensure_owner(application, by)
    target = (
        Application.Status.RESUBMITTED
        if application.status == Application.Status.CHANGES_REQUESTED
        else Application.Status.SUBMITTED
    )
    if application.status not in SUBMITTABLE:
        raise not_allowed(application, target, code="application.not_submittable")
    if not is_open_for_applications(application.micro_credential):
        raise ApplicationNotAllowed(
            _("This micro-credential is no longer open for applications."),
            code="micro_credential.not_open",
            status=HTTPStatus.CONFLICT,
        )
    if not has_display_name(learner=application.learner):
        # A credential is awarded to this name: never to an e-mail address or a blank.
        raise ApplicationNotAllowed(
            _(
                "Add your name to your profile before you submit: it is the name a credential "
                "is awarded to."
            ),
            code="application.name_missing",
            status=HTTPStatus.CONFLICT,
        )
    responses = list(
        application.responses.select_related("criterion")
        .prefetch_related("evidence_items__skills")
        .order_by("criterion__position")
    )
    incomplete = [
        r.criterion.title for r in responses if not r.statement or not r.evidence_items.all()
    ]
    if incomplete:
        raise ApplicationNotAllowed(
            _(
                "Each criterion needs a statement and at least one piece of evidence. Still to do: %(list)s."
            )
            % {"list": ", ".join(incomplete)},
            code="application.incomplete",
            status=HTTPStatus.CONFLICT,
        )
    ensure_transition(application, target)
    now = timezone.now()
    application.round += 1
    application.submitted_at = now
    application.first_submitted_at = application.first_submitted_at or now
    application.assessor = None
    _freeze_round(application, responses)
    record_transition(
        application,
        to=target,
        by=by,
        event_type=APPLICATION_SUBMITTED,
        update_fields=["round", "submitted_at", "first_submitted_at", "assessor"],
    )
    return application


def _fingerprint(item: EvidenceItem) -> str:
    payload = {
        "kind": item.kind,
        "title": item.title,
        "description": item.description,
        "work_done_on": item.work_done_on.isoformat() if item.work_done_on else None,
        "url": item.url,
        "body": item.body,
        "file": item.file.name,
        "skills": sorted(skill.name for skill in item.skills.all()),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _copy_file(storage: Storage, source_name: str, saved: list[str]) -> str:
    extension = source_name.rsplit(".", 1)[-1] if "." in source_name else "bin"
    with storage.open(source_name, "rb") as source:
        name = storage.save(
            f"submitted/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}", source
        )
    saved.append(name)
    return name


def _freeze_round(application: Application, responses: list[CriterionResponse]) -> None:
    """Copy the linked evidence and the statements into this round's snapshot."""
    storage = private_storage()
    previous = {
        (snapshot.source_item_id, snapshot.fingerprint): snapshot
        for snapshot in SubmittedEvidence.objects.filter(
            application=application, round=application.round - 1
        )
    }
    saved_files: list[str] = []
    frozen: dict[int, SubmittedEvidence] = {}
    try:
        for response in responses:
            for item in response.evidence_items.all():
                if item.pk in frozen:
                    continue
                fingerprint = _fingerprint(item)
                unchanged = previous.get((item.pk, fingerprint))
                snapshot = SubmittedEvidence(
                    application=application,
                    round=application.round,
                    source_item=item,
                    fingerprint=fingerprint,
                    kind=item.kind,
                    title=item.title,
                    description=item.description,
                    work_done_on=item.work_done_on,
                    url=item.url,
                    body=item.body,
                    original_filename=item.original_filename,
                    content_type=item.content_type,
                    skill_names=sorted(skill.name for skill in item.skills.all()),
                )
                if unchanged is not None:
                    # Same content as last round: share the frozen copy rather than copy again.
                    snapshot.file = unchanged.file
                    snapshot.thumbnail = unchanged.thumbnail
                else:
                    if item.file.name:
                        snapshot.file = _copy_file(storage, item.file.name, saved_files)
                    if item.thumbnail.name:
                        snapshot.thumbnail = _copy_file(storage, item.thumbnail.name, saved_files)
                snapshot.save()
                frozen[item.pk] = snapshot
        for response in responses:
            statement = SubmittedStatement.objects.create(
                application=application,
                round=application.round,
                criterion=response.criterion,
                statement=response.statement,
                self_assessed_level_id=response.self_assessed_level_id,
            )
            statement.evidence.set([frozen[item.pk] for item in response.evidence_items.all()])
    except Exception:
        # The rows roll back with the transaction; the copied files would not.
        for name in saved_files:
            storage.delete(name)
        raise


@transaction.atomic(durable=True)
def withdraw_application(*, application_id: int, by: User, comment: str = "") -> Application:
    """Withdraw an application before a decision (learner only)."""
    application = _lock(application_id)
    _ensure_owner(application, by)
    record_transition(
        application,
        to=Application.Status.WITHDRAWN,
        by=by,
        event_type=APPLICATION_WITHDRAWN,
        comment=comment,
    )
    return application


# --- The assessor's side ------------------------------------------------------------


@transaction.atomic(durable=True)
def claim_application(*, application_id: int, by: User) -> Application:
    """Take a queued application into review; it leaves the other assessors' queues.

    Raises ReviewNotAllowed for unassigned assessors, the applicant themself, or an
    application no longer in the queue (e.g. claimed a moment ago by someone else).
    """
    application = _lock(application_id)
    if application.status == Application.Status.IN_REVIEW:
        if application.assessor_id == by.pk:
            raise ReviewNotAllowed(
                _("You have already claimed this application."),
                code="application.already_claimed",
                status=HTTPStatus.CONFLICT,
            )
        raise ReviewNotAllowed(
            _("Another assessor has already claimed this application."),
            code="application.claimed_by_another",
            status=HTTPStatus.CONFLICT,
        )
    ensure_transition(application, Application.Status.IN_REVIEW)
    if application.learner_id == by.pk:
        raise _own_application()
    if not can_claim(by, application):
        raise ReviewNotAllowed(
            _("You are not assigned to assess this micro-credential."),
            code="application.not_assigned",
            status=HTTPStatus.FORBIDDEN,
        )
    application.assessor = by
    record_transition(
        application,
        to=Application.Status.IN_REVIEW,
        by=by,
        event_type=APPLICATION_CLAIMED,
        update_fields=["assessor"],
    )
    return application


@transaction.atomic(durable=True)
def release_application(*, application_id: int, by: User) -> Application:
    """Give a claimed application back to the queue (the claiming assessor only)."""
    application = _lock(application_id)
    if not can_release(by, application):
        raise ReviewNotAllowed(
            _("Only the assessor who claimed this application can release it."),
            code="application.not_claimant",
            status=HTTPStatus.FORBIDDEN,
        )
    application.assessor = None
    back_to = (
        Application.Status.RESUBMITTED if application.round > 1 else Application.Status.SUBMITTED
    )
    record_transition(
        application, to=back_to, by=by, event_type=APPLICATION_RELEASED, update_fields=["assessor"]
    )
    return application


def _check_scores(
    application: Application, scores: Mapping[int, ScoreInput]
) -> list[tuple[RubricCriterion, RubricLevel, str]]:
    criteria = list(
        application.micro_credential.criteria_set.select_related("required_level").prefetch_related(
            "levels"
        )
    )
    checked = []
    for criterion in criteria:
        score = scores.get(criterion.pk)
        level = next(
            (lvl for lvl in criterion.levels.all() if score and lvl.pk == score.level_id), None
        )
        if score is None or level is None:
            raise ReviewNotAllowed(
                _("Choose a level for every criterion (missing: %(title)s).")
                % {"title": criterion.title},
                code="review.level_missing",
                field="scores",
            )
        checked.append((criterion, level, score.comment.strip()))
    return checked


def _record_review(
    application: Application,
    *,
    by: User,
    decision: str,
    scores: Mapping[int, ScoreInput],
    feedback: str,
) -> list[tuple[RubricCriterion, RubricLevel, str]]:
    if not can_review(by, application):
        if application.learner_id == by.pk:
            raise _own_application()
        raise ReviewNotAllowed(
            _("Claim this application before deciding on it."),
            code="application.not_claimant",
            status=HTTPStatus.FORBIDDEN,
        )
    checked = _check_scores(application, scores)
    review = Review.objects.create(
        application=application,
        round=application.round,
        assessor=by,
        decision=decision,
        feedback=feedback.strip(),
    )
    CriterionScore.objects.bulk_create(
        CriterionScore(review=review, criterion=criterion, level=level, comment=comment)
        for criterion, level, comment in checked
    )
    return checked


def _require_feedback(feedback: str, action: str) -> None:
    if not feedback.strip():
        raise ReviewNotAllowed(
            _("Write feedback for the learner when you %(action)s.") % {"action": action},
            code="review.feedback_missing",
            field="feedback",
        )


@transaction.atomic(durable=True)
def request_changes(
    *, application_id: int, by: User, scores: Mapping[int, ScoreInput], feedback: str
) -> Application:
    """Send the application back to the learner with feedback (required)."""
    application = _lock(application_id)
    ensure_transition(application, Application.Status.CHANGES_REQUESTED)
    _require_feedback(feedback, _("request changes"))
    _record_review(
        application,
        by=by,
        decision=Review.Decision.REQUEST_CHANGES,
        scores=scores,
        feedback=feedback,
    )
    record_transition(
        application,
        to=Application.Status.CHANGES_REQUESTED,
        by=by,
        event_type=APPLICATION_CHANGES_REQUESTED,
        comment=feedback.strip(),
    )
    return application


@transaction.atomic(durable=True)
def reject_application(
    *, application_id: int, by: User, scores: Mapping[int, ScoreInput], feedback: str
) -> Application:
    """Decide against the application, with feedback (required)."""
    application = _lock(application_id)
    ensure_transition(application, Application.Status.REJECTED)
    _require_feedback(feedback, _("reject an application"))
    _record_review(
        application, by=by, decision=Review.Decision.REJECT, scores=scores, feedback=feedback
    )
    application.decided_at = timezone.now()
    record_transition(
        application,
        to=Application.Status.REJECTED,
        by=by,
        event_type=APPLICATION_REJECTED,
        comment=feedback.strip(),
        update_fields=["decided_at"],
    )
    return application


@transaction.atomic(durable=True)
def approve_application(
    *, application_id: int, by: User, scores: Mapping[int, ScoreInput], feedback: str = ""
) -> Application:
    """Approve and issue the credential in the same transaction.

    Idempotent: approving an application that this assessor already approved returns it
    with its one credential (a retried request or a double click issues nothing more).
    Raises ReviewNotAllowed when any criterion is below its required level.
    """
    application = _lock(application_id)
    # The repeated request of the assessor who approved: answer as the first time did.
    if (
        application.status == Application.Status.APPROVED
        and application.credential_id is not None
        and application.assessor_id == by.pk
    ):
        return application
    ensure_transition(application, Application.Status.APPROVED)
    checked = _record_review(
        application, by=by, decision=Review.Decision.APPROVE, scores=scores, feedback=feedback
    )
    below = [
        criterion.title
        for criterion, level, _comment in checked
        if criterion.required_level is not None
        and level.position < criterion.required_level.position
    ]
    if below:
        raise ReviewNotAllowed(
            _("Every criterion must reach its required level to approve. Below it: %(list)s.")
            % {"list": ", ".join(below)},
            code="review.below_required_level",
            field="scores",
        )
    try:
        credential = issue_credential(
            by=by,
            learner_id=application.learner_id,
            micro_credential_id=application.micro_credential_id,
            award_reference=f"application:{application.pk}",
            assessor_id=by.pk,
            evidence=[
                EvidenceRecord(
                    submitted_evidence_id=e.pk,
                    title=e.title,
                    kind=e.kind,
                    description=e.description,
                    url=e.url,
                )
                for e in application.submitted_evidence.filter(round=application.round).order_by(
                    "pk"
                )
            ],
            rubric_results=[
                RubricResultRecord(
                    criterion=criterion.title,
                    level=level.name,
                    required_level=criterion.required_level.name
                    if criterion.required_level
                    else None,
                    comment=comment,
                )
                for criterion, level, comment in checked
            ],
        )
    except IssuanceNotAllowed as refused:
        # A claim outlives an assessor's assignment; the award does not.
        raise ReviewNotAllowed(refused.message, code=refused.code, status=refused.status) from None
    application.credential = credential
    application.decided_at = timezone.now()
    record_transition(
        application,
        to=Application.Status.APPROVED,
        by=by,
        event_type=APPLICATION_APPROVED,
        comment=feedback.strip(),
        update_fields=["credential", "decided_at"],
    )
    return application


# --- Periodic ------------------------------------------------------------------------


def flag_waiting_applications(*, now: datetime | None = None) -> int:
    """Tell issuer staff about applications queued longer than APPLICATION_WAITING_DAYS.

    Once per application and round (dedupe key), so the daily run never repeats itself; each
    application whose staff were told records one event. Returns how many notifications were
    recorded.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.APPLICATION_WAITING_DAYS)
    waiting = (
        Application.objects.awaiting_review()
        .filter(submitted_at__lte=cutoff)
        .select_related("micro_credential__issuer", "learner__profile")
        .order_by("submitted_at")
    )
    recorded = 0
    for application in waiting:
        staff = application.micro_credential.issuer.staff.filter(is_active=True)
        with transaction.atomic():
            notified = len(
                notify(
                    recipients=staff,
                    kind=notification_kinds.APPLICATION_WAITING,
                    subject=_("Waiting for review: %(title)s")
                    % {"title": application.micro_credential.title},
                    link=reverse("assessments:queue"),
                    context={
                        "title": application.micro_credential.title,
                        "learner": application.learner.profile.display_name,
                        # submitted_at__lte above leaves out applications without one.
                        "days": (now - cast(datetime, application.submitted_at)).days,
                    },
                    dedupe_key=f"application-waiting:{application.pk}:{application.round}",
                )
            )
            if notified:
                record_event(
                    APPLICATION_WAITING_FLAGGED,
                    by=None,
                    target=application,
                    owner=application.learner,
                    scope=issuer_scope(application.micro_credential.issuer_id),
                    payload=WaitingFlagged(round=application.round, notified=notified),
                )
            recorded += notified
    return recorded
