import pytest

from assessments.permissions import can_view_application, visible_applications
from assessments.services import applying
from tests.factories import UserFactory


@pytest.fixture
def staff(micro_credential, issuer_staff):
    micro_credential.issuer.staff.add(issuer_staff)
    return issuer_staff


@pytest.fixture
def other_draft(micro_credential):
    """A second learner's draft for the same micro-credential."""
    return applying.start_application(by=UserFactory(), micro_credential_id=micro_credential.pk)


def visible_to(user):
    return set(visible_applications(user).values_list("pk", flat=True))


def test_assessors_see_submitted_applications_but_never_drafts(submitted, other_draft, assessor):
    assert visible_to(assessor) == {submitted.pk}
    assert can_view_application(assessor, submitted)
    assert not can_view_application(assessor, other_draft)


def test_issuer_staff_see_submitted_applications_but_never_drafts(submitted, other_draft, staff):
    assert visible_to(staff) == {submitted.pk}
    assert can_view_application(staff, submitted)
    assert not can_view_application(staff, other_draft)


def test_the_learner_sees_their_own_draft(draft, other_draft, learner):
    assert visible_to(learner) == {draft.pk}
    assert can_view_application(learner, draft)
    assert not can_view_application(learner, other_draft)


def test_an_assessor_sees_their_own_application_once_beside_the_queue(
    submitted, micro_credential, assessor, other_assessor
):
    # Roles change over time: an assessor may still have the application they made as a
    # learner. It is theirs, draft or not, and shows once however many assessors it has.
    own_draft = applying.start_application(
        by=UserFactory(), micro_credential_id=micro_credential.pk
    )
    own_draft.learner = assessor
    own_draft.save(update_fields=["learner"])
    assert sorted(visible_applications(assessor).values_list("pk", flat=True)) == sorted(
        [submitted.pk, own_draft.pk]
    )
    assert can_view_application(assessor, own_draft)


def test_issuer_staff_see_their_own_application_once_beside_the_queue(
    submitted, micro_credential, staff
):
    colleague = UserFactory(issuer_staff=True)
    micro_credential.issuer.staff.add(colleague)
    own_draft = applying.start_application(
        by=UserFactory(), micro_credential_id=micro_credential.pk
    )
    own_draft.learner = staff
    own_draft.save(update_fields=["learner"])
    assert sorted(visible_applications(staff).values_list("pk", flat=True)) == sorted(
        [submitted.pk, own_draft.pk]
    )


def test_unassigned_assessors_and_other_issuers_staff_see_nothing(submitted):
    unassigned = UserFactory(assessor=True)
    other_staff = UserFactory(issuer_staff=True)
    assert visible_to(unassigned) == set()
    assert visible_to(other_staff) == set()
    assert not can_view_application(unassigned, submitted)
    assert not can_view_application(other_staff, submitted)
