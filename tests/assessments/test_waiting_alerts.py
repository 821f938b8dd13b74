from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from assessments.notification_kinds import APPLICATION_WAITING
from assessments.services import applying, periodic, reviewing
from portfolio.models import Notification
from tests.assessments.conftest import scores_at
from tests.factories import EvidenceItemFactory, UserFactory

WAITING = APPLICATION_WAITING


@pytest.fixture
def staff(micro_credential, issuer_staff, settings):
    settings.APPLICATION_WAITING_DAYS = 5
    micro_credential.issuer.staff.add(issuer_staff)
    return issuer_staff


def alerts_to(user):
    return list(
        Notification.objects.filter(recipient=user, kind=WAITING)
        .order_by("pk")
        .values_list("context__days", flat=True)
    )


def test_a_resubmission_that_waits_again_is_flagged_again(
    submitted, assessor, learner, micro_credential, staff
):
    # Round 1 waits six days before it is claimed.
    assert periodic.flag_waiting_applications(now=submitted.submitted_at + timedelta(days=6)) == 1
    reviewing.claim_application(application_id=submitted.pk, by=assessor)
    reviewing.request_changes(
        application_id=submitted.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="More detail.",
    )
    resubmitted = applying.submit_application(application_id=submitted.pk, by=learner)
    assert resubmitted.round == 2
    # Round 2 is a new wait: it is flagged once more, and only once.
    later = resubmitted.submitted_at + timedelta(days=8)
    assert periodic.flag_waiting_applications(now=later) == 1
    assert periodic.flag_waiting_applications(now=later + timedelta(days=1)) == 0
    assert alerts_to(staff) == [6, 8]


def test_each_waiting_application_is_flagged_on_its_own(submitted, micro_credential, staff):
    other_learner = UserFactory()
    other = applying.start_application(by=other_learner, micro_credential_id=micro_credential.pk)
    for criterion in micro_credential.criteria_set.all():
        applying.save_response(
            application_id=other.pk,
            by=other_learner,
            criterion_id=criterion.pk,
            statement="How I meet it.",
            self_assessed_level_id=None,
            evidence_item_ids=[EvidenceItemFactory(owner=other_learner).pk],
        )
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        applying.submit_application(application_id=other.pk, by=other_learner)
    assert periodic.flag_waiting_applications(now=timezone.now() + timedelta(days=7)) == 2
    assert sorted(alerts_to(staff)) == [6, 7]


def test_every_active_staff_member_of_the_issuer_is_flagged(submitted, micro_credential, staff):
    colleague = UserFactory(issuer_staff=True)
    departed = UserFactory(issuer_staff=True, is_active=False)
    outsider = UserFactory(issuer_staff=True)
    micro_credential.issuer.staff.add(colleague, departed)
    assert periodic.flag_waiting_applications(now=timezone.now() + timedelta(days=6)) == 2
    assert alerts_to(staff) == [6]
    assert alerts_to(colleague) == [6]
    assert alerts_to(departed) == []
    assert alerts_to(outsider) == []


def test_the_wait_counts_from_the_latest_submission_up_to_the_cutoff(submitted, staff):
    submitted_at = submitted.submitted_at
    assert periodic.flag_waiting_applications(now=submitted_at + timedelta(days=5)) == 1
    assert alerts_to(staff) == [5]


def test_a_wait_shorter_than_the_cutoff_is_not_flagged(submitted, staff):
    almost = submitted.submitted_at + timedelta(days=5) - timedelta(microseconds=1)
    assert periodic.flag_waiting_applications(now=almost) == 0
    assert alerts_to(staff) == []


def test_claimed_applications_are_not_flagged(in_review, staff):
    assert periodic.flag_waiting_applications(now=in_review.submitted_at + timedelta(days=9)) == 0
    assert alerts_to(staff) == []
