from assessments.models import Application
from assessments.services import applying, reviewing
from tests.assessments.conftest import scores_at


def test_releasing_a_first_round_claim_puts_it_back_as_submitted(in_review, assessor):
    released = reviewing.release_application(application_id=in_review.pk, by=assessor)
    assert released.round == 1
    assert released.status == Application.Status.SUBMITTED
    assert released.assessor is None


def test_releasing_a_resubmission_puts_it_back_as_resubmitted(
    in_review, assessor, other_assessor, learner, micro_credential
):
    reviewing.request_changes(
        application_id=in_review.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="More detail.",
    )
    applying.submit_application(application_id=in_review.pk, by=learner)
    reviewing.claim_application(application_id=in_review.pk, by=other_assessor)
    released = reviewing.release_application(application_id=in_review.pk, by=other_assessor)
    assert released.round == 2
    assert released.status == Application.Status.RESUBMITTED
    assert released.assessor is None
    # Back in the queue of every assigned assessor, marked as a resubmission.
    queued = Application.objects.awaiting_review().get(pk=in_review.pk)
    assert queued.status == Application.Status.RESUBMITTED
