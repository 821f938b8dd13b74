from concurrent.futures import Future

from django.db import transaction

from assessments import notification_kinds
from assessments.exceptions import AssessmentError
from assessments.models import Application
from assessments.selectors import list_history
from assessments.services import applying, reviewing
from portfolio.models import Notification
from tests.concurrency import requires_postgresql, wait_until_blocked


def outcome(future: Future) -> object:
    try:
        return future.result(timeout=30)
    except AssessmentError as refused:
        return refused.message


@requires_postgresql
def test_two_assessors_claiming_at_once_get_one_claim(
    racer, submitted, assessor, other_assessor, learner
):
    with transaction.atomic():
        # Hold the row as another transaction working on the application would, so both
        # claims are in flight at the same moment and must queue behind each other.
        Application.objects.select_for_update().get(pk=submitted.pk)
        first = racer.start(
            lambda: reviewing.claim_application(application_id=submitted.pk, by=assessor)
        )
        second = racer.start(
            lambda: reviewing.claim_application(application_id=submitted.pk, by=other_assessor)
        )
        wait_until_blocked(2)
    results = [outcome(first), outcome(second)]
    refusals = [r for r in results if isinstance(r, str)]
    assert refusals == ["Another assessor has already claimed this application."]
    [winner] = [r.assessor for r in results if isinstance(r, Application)]
    assert winner in {assessor, other_assessor}
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.IN_REVIEW
    assert submitted.assessor == winner
    assert [step.to_status for step in list_history(application=submitted)] == [
        Application.Status.SUBMITTED,
        Application.Status.IN_REVIEW,
    ]
    assert (
        Notification.objects.filter(
            recipient=learner, kind=notification_kinds.APPLICATION_CLAIMED
        ).count()
        == 1
    )


@requires_postgresql
def test_a_withdrawal_racing_a_claim_keeps_the_history_a_chain(racer, submitted, assessor, learner):
    with transaction.atomic():
        Application.objects.select_for_update().get(pk=submitted.pk)
        claim = racer.start(
            lambda: reviewing.claim_application(application_id=submitted.pk, by=assessor)
        )
        withdraw = racer.start(
            lambda: applying.withdraw_application(application_id=submitted.pk, by=learner)
        )
        wait_until_blocked(2)
    outcome(claim)
    # Either order is legal (a learner may withdraw while in review; a withdrawn application
    # cannot be claimed), but the withdrawal always happens and no step reads a stale status.
    assert withdraw.result(timeout=30).status == Application.Status.WITHDRAWN
    steps = [(step.from_status, step.to_status) for step in list_history(application=submitted)]
    assert steps in (
        [
            (Application.Status.DRAFT, Application.Status.SUBMITTED),
            (Application.Status.SUBMITTED, Application.Status.IN_REVIEW),
            (Application.Status.IN_REVIEW, Application.Status.WITHDRAWN),
        ],
        [
            (Application.Status.DRAFT, Application.Status.SUBMITTED),
            (Application.Status.SUBMITTED, Application.Status.WITHDRAWN),
        ],
    )
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.WITHDRAWN


@requires_postgresql
def test_a_start_meeting_an_uncommitted_reopened_application_is_refused_clearly(
    racer, learner, micro_credential
):
    withdrawn = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    applying.withdraw_application(application_id=withdrawn.pk, by=learner)
    # Starts through the service queue on the micro-credential's row lock, so a second start
    # sees the first's application. A row made open without that lock (here a data fix
    # reopening a withdrawn application) is stopped only by the partial unique index, and the
    # learner must still get the refusal, not a server error.
    with transaction.atomic():
        Application.objects.filter(pk=withdrawn.pk).update(status=Application.Status.DRAFT)
        start = racer.start(
            lambda: applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
        )
        wait_until_blocked(1)  # on the reopened row's entry in the unique index
    assert outcome(start) == (f"You already have an open application for {micro_credential.title}.")
    assert list(Application.objects.filter(learner=learner).values_list("pk", "status")) == [
        (withdrawn.pk, Application.Status.DRAFT)
    ]
