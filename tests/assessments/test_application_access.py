"""What each person may do with an application, decided once in assessments.permissions."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from assessments.exceptions import ReviewNotAllowed
from assessments.models import Application
from assessments.permissions import (
    can_release,
    get_application_for,
    get_own_application_for,
    get_own_applications_for,
)
from assessments.selectors import list_open_applications_for_learner
from assessments.services import applying, reviewing
from portfolio.models import User
from tests.assessments.conftest import scores_at
from tests.factories import MicroCredentialFactory, UserFactory

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


def test_only_the_claiming_assessor_may_release_never_an_anonymous_visitor(assessor, in_review):
    # Views ask for a login first; the rule must not lean on that.
    assert can_release(assessor, in_review)
    assert not can_release(AnonymousUser(), in_review)


# --- Where an application stands, as the pages ask it

STAGES = (
    "is_draft",
    "is_awaiting_review",
    "is_in_review",
    "has_changes_requested",
    "is_rejected",
    "has_credential",
)


@pytest.fixture
def draft_factory(learner, assessor):
    """Drafts of the learner's, each for a micro-credential of its own."""

    def make():
        micro_credential = MicroCredentialFactory(assessors=[assessor])
        return applying.start_application(by=learner, micro_credential_id=micro_credential.pk)

    return make


def stage(learner, application):
    """The stage flags that are set, and whether the application is open."""
    access = get_own_application_for(learner, application.pk)
    return [name for name in STAGES if getattr(access, name)], access.is_open


def test_each_step_of_an_application_is_exactly_one_stage(
    learner, draft, assessor, micro_credential
):
    assert stage(learner, draft) == (["is_draft"], True)
    applying.submit_application(application_id=draft.pk, by=learner)
    assert stage(learner, draft) == (["is_awaiting_review"], True)
    reviewing.claim_application(application_id=draft.pk, by=assessor)
    assert stage(learner, draft) == (["is_in_review"], True)
    reviewing.request_changes(
        application_id=draft.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="Label the axes.",
    )
    assert stage(learner, draft) == (["has_changes_requested"], True)
    applying.submit_application(application_id=draft.pk, by=learner)
    assert stage(learner, draft) == (["is_awaiting_review"], True)
    reviewing.claim_application(application_id=draft.pk, by=assessor)
    reviewing.approve_application(
        application_id=draft.pk, by=assessor, scores=scores_at(micro_credential, 2)
    )
    assert stage(learner, draft) == (["has_credential"], False)


def test_a_rejected_or_withdrawn_application_is_closed(
    learner, in_review, draft_factory, assessor, micro_credential
):
    reviewing.reject_application(
        application_id=in_review.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="Not yet.",
    )
    assert stage(learner, in_review) == (["is_rejected"], False)
    withdrawn = draft_factory()
    applying.withdraw_application(application_id=withdrawn.pk, by=learner)
    assert stage(learner, withdrawn) == ([], False)


def test_a_page_of_own_applications_comes_with_its_flags_without_a_query(
    learner, other_learner, draft, django_assert_num_queries
):
    # Someone else's application, on a page built wrongly, is left out rather than shown.
    others = applying.start_application(
        by=other_learner, micro_credential_id=draft.micro_credential_id
    )
    applications = list(Application.objects.filter(pk__in=[draft.pk, others.pk]))
    with django_assert_num_queries(0):
        accesses = get_own_applications_for(learner, applications)
    assert [access.application for access in accesses] == [draft]
    assert flags(accesses[0]) == only("is_applicant", "can_edit", "can_submit", "can_withdraw")


def test_the_open_applications_leave_out_decided_and_withdrawn_ones(
    learner, in_review, draft_factory, assessor, micro_credential
):
    kept = draft_factory()
    withdrawn = draft_factory()
    applying.withdraw_application(application_id=withdrawn.pk, by=learner)
    assert set(list_open_applications_for_learner(learner=learner)) == {in_review, kept}
    reviewing.approve_application(
        application_id=in_review.pk, by=assessor, scores=scores_at(micro_credential, 2)
    )
    assert list(list_open_applications_for_learner(learner=learner)) == [kept]
