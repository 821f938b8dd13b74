"""The assessor's side of an application: claim, release, and the three decisions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.exceptions import ReviewNotAllowed
from assessments.models import Application, CriterionScore, Review
from assessments.permissions import can_claim, can_release, can_review
from assessments.services.locking import lock_application
from assessments.transitions import ensure_transition, record_transition
from assessments.verbs import (
    APPLICATION_APPROVED,
    APPLICATION_CHANGES_REQUESTED,
    APPLICATION_CLAIMED,
    APPLICATION_REJECTED,
    APPLICATION_RELEASED,
)
from credentials.exceptions import IssuanceNotAllowed
from credentials.models import RubricCriterion, RubricLevel
from credentials.records import EvidenceRecord, RubricResultRecord
from credentials.services import issue_credential
from portfolio.models import User


@dataclass(frozen=True)
class ScoreInput:
    level_id: int
    comment: str = ""


def _refuse_own_application() -> ReviewNotAllowed:
    return ReviewNotAllowed(
        _("You cannot review your own application."),
        code="application.own_application",
        status=HTTPStatus.FORBIDDEN,
    )


@transaction.atomic(durable=True)
def claim_application(*, application_id: int, by: User) -> Application:
    """Take a queued application into review; it leaves the other assessors' queues.

    Raises ReviewNotAllowed for unassigned assessors, the applicant themself, or an
    application no longer in the queue (e.g. claimed a moment ago by someone else).
    """
    application = lock_application(application_id)
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
        raise _refuse_own_application()
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
    application = lock_application(application_id)
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
            (
                candidate
                for candidate in criterion.levels.all()
                if score and candidate.pk == score.level_id
            ),
            None,
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
            raise _refuse_own_application()
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
    application = lock_application(application_id)
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
    application = lock_application(application_id)
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
    application = lock_application(application_id)
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
                    submitted_evidence_id=evidence.pk,
                    title=evidence.title,
                    kind=evidence.kind,
                    description=evidence.description,
                    url=evidence.url,
                    library_item_id=evidence.source_item_id,
                    sha256=evidence.sha256 or None,
                )
                for evidence in application.submitted_evidence.filter(
                    round=application.round
                ).order_by("pk")
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
