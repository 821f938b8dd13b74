"""What each person may do with an application, decided once in assessments.permissions."""

import pytest
from django.http import Http404

from assessments.exceptions import ReviewNotAllowed
from assessments.models import Application
from assessments.permissions import get_application_for, get_own_application_for
from assessments.services import reviewing
from portfolio.models import User
from tests.assessments.conftest import scores_at
from tests.factories import UserFactory

FLAGS = ("is_applicant", "can_edit", "can_submit", "can_withdraw", "can_claim", "can_release")


def flags(access):
    return {flag: getattr(access, flag) for flag in FLAGS} | {"can_review": access.can_review}


def only(*names):
    return {flag: flag in names for flag in (*FLAGS, "can_review")}


def test_the_learner_may_edit_submit_and_withdraw_a_draft(learner, draft):
    access = get_own_application_for(learner, draft.pk)
    assert access.application == draft
    assert flags(access) == only("is_applicant", "can_edit", "can_submit", "can_withdraw")


def test_a_submitted_application_can_only_be_withdrawn_by_its_learner(learner, submitted):
    assert flags(get_own_application_for(learner, submitted.pk)) == only(
        "is_applicant", "can_withdraw"
    )


def test_changes_requested_opens_editing_again(learner, in_review, assessor, micro_credential):
    reviewing.request_changes(
        application_id=in_review.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="Label the axes.",
    )
    assert flags(get_own_application_for(learner, in_review.pk)) == only(
        "is_applicant", "can_edit", "can_submit", "can_withdraw"
    )


def test_an_assigned_assessor_may_claim_a_queued_application(assessor, submitted):
    assert flags(get_application_for(assessor, submitted.pk)) == only("can_claim")


def test_the_claiming_assessor_may_review_and_release(assessor, in_review):
    assert flags(get_application_for(assessor, in_review.pk)) == only("can_release", "can_review")


def test_another_assigned_assessor_may_do_nothing_with_a_claimed_one(other_assessor, in_review):
    assert flags(get_application_for(other_assessor, in_review.pk)) == only()


def test_issuer_staff_see_but_may_not_act(issuer_staff, submitted, micro_credential):
    micro_credential.issuer.staff.add(issuer_staff)
    assert flags(get_application_for(issuer_staff, submitted.pk)) == only()


def test_an_assessor_who_is_also_the_applicant_may_not_claim(micro_credential, submitted):
    # Roles change: the learner is made an assessor of the very micro-credential later.
    applicant = submitted.learner
    applicant.role = User.Role.ASSESSOR
    applicant.save()
    micro_credential.assessors.add(applicant)
    access = get_application_for(applicant, submitted.pk)
    assert access.is_applicant
    assert not access.can_claim


def test_the_flags_agree_with_the_services(assessor, other_assessor, submitted):
    # A flag the page shows is exactly a step the service then allows.
    assert get_application_for(assessor, submitted.pk).can_claim
    reviewing.claim_application(application_id=submitted.pk, by=assessor)
    assert not get_application_for(other_assessor, submitted.pk).can_release
    with pytest.raises(ReviewNotAllowed):
        reviewing.release_application(application_id=submitted.pk, by=other_assessor)
    assert get_application_for(assessor, submitted.pk).can_release
    reviewing.release_application(application_id=submitted.pk, by=assessor)
    assert Application.objects.get(pk=submitted.pk).status == Application.Status.SUBMITTED


@pytest.mark.parametrize("person", ["assessor", "issuer_staff", "learner"])
def test_one_query_decides_everything(
    request, person, submitted, micro_credential, django_assert_num_queries
):
    user = request.getfixturevalue(person)
    if person == "issuer_staff":
        micro_credential.issuer.staff.add(user)
    fetch = get_own_application_for if person == "learner" else get_application_for
    with django_assert_num_queries(1):
        access = fetch(user, submitted.pk)
    assert access.application.pk == submitted.pk


def test_an_unassigned_assessor_gets_a_404(submitted, db):
    stranger = UserFactory(email="stranger@example.com", assessor=True)
    with pytest.raises(Http404):
        get_application_for(stranger, submitted.pk)
    assert get_application_for(submitted.micro_credential.assessors.get(), submitted.pk)
