"""Who may award a micro-credential (can_issue), and issue_credential checking it."""

import pytest
from django.contrib.auth.models import AnonymousUser

from credentials.exceptions import IssuanceNotAllowed
from credentials.models import IssuedCredential
from credentials.notification_kinds import CREDENTIAL_ISSUED
from credentials.permissions import can_issue
from credentials.services import issue_credential
from portfolio.models import Notification
from tests.credentials.conftest import EVIDENCE_SNAPSHOT, RUBRIC_RESULTS
from tests.factories import IssuerFactory, MicroCredentialFactory, UserFactory


@pytest.fixture
def assigned_assessor(micro_credential):
    user = UserFactory(email="assigned@example.com", assessor=True)
    micro_credential.issuer.assessors.add(user)
    micro_credential.assessors.add(user)
    return user


def issuers_assessor_not_assigned(micro_credential):
    user = UserFactory(assessor=True)
    micro_credential.issuer.assessors.add(user)
    return user


def assigned_but_left_the_issuer(micro_credential):
    # An assignment left behind after the issuer removed them from its assessors.
    user = UserFactory(assessor=True)
    micro_credential.assessors.add(user)
    return user


def inactive_assigned_assessor(micro_credential):
    user = UserFactory(assessor=True, is_active=False)
    micro_credential.issuer.assessors.add(user)
    micro_credential.assessors.add(user)
    return user


def own_staff(micro_credential):
    user = UserFactory(issuer_staff=True)
    micro_credential.issuer.staff.add(user)
    return user


def inactive_own_staff(micro_credential):
    user = UserFactory(issuer_staff=True, is_active=False)
    micro_credential.issuer.staff.add(user)
    return user


def other_issuers_staff(micro_credential):
    user = UserFactory(issuer_staff=True)
    IssuerFactory().staff.add(user)
    return user


def superuser_not_on_staff(micro_credential):
    return UserFactory(issuer_staff=True, is_superuser=True)


def learner(micro_credential):
    return UserFactory()


def employer(micro_credential):
    return UserFactory(employer=True)


def anonymous(micro_credential):
    return AnonymousUser()


@pytest.mark.parametrize(
    ("make_user", "may_issue"),
    [
        (own_staff, True),
        (inactive_own_staff, False),
        (other_issuers_staff, False),
        (superuser_not_on_staff, False),
        (issuers_assessor_not_assigned, False),
        (assigned_but_left_the_issuer, False),
        (inactive_assigned_assessor, False),
        (learner, False),
        (employer, False),
        (anonymous, False),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_who_may_issue(micro_credential, make_user, may_issue):
    assert can_issue(make_user(micro_credential), micro_credential) is may_issue


def test_the_assigned_assessor_may_issue(micro_credential, assigned_assessor):
    assert can_issue(assigned_assessor, micro_credential) is True
    # The same person, for a micro-credential they are not assigned to.
    other = MicroCredentialFactory(issuer=micro_credential.issuer)
    assert can_issue(assigned_assessor, other) is False


def issue(by, micro_credential, learner, reference="award:1"):
    return issue_credential(
        by=by,
        learner_id=learner.pk,
        micro_credential_id=micro_credential.pk,
        award_reference=reference,
        assessor_id=None,
        evidence=EVIDENCE_SNAPSHOT,
        rubric_results=RUBRIC_RESULTS,
    )


def test_issuing_is_refused_to_someone_who_may_not(
    micro_credential, django_capture_on_commit_callbacks
):
    holder = UserFactory()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(IssuanceNotAllowed) as refused,
    ):
        issue(other_issuers_staff(micro_credential), micro_credential, holder)
    assert refused.value.message == (
        "Only Northfield Institute's staff or an assessor assigned to Data Storytelling "
        "can award it."
    )
    assert not IssuedCredential.objects.exists()
    assert not Notification.objects.filter(recipient=holder).exists()


def test_the_refusal_comes_before_an_award_already_made_is_returned(micro_credential):
    holder = UserFactory()
    issued = issue(own_staff(micro_credential), micro_credential, holder)
    with pytest.raises(IssuanceNotAllowed):
        issue(learner(micro_credential), micro_credential, holder)
    assert list(IssuedCredential.objects.all()) == [issued]


def test_the_assigned_assessor_issues_and_the_holder_is_told(
    micro_credential, assigned_assessor, django_capture_on_commit_callbacks
):
    holder = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        credential = issue(assigned_assessor, micro_credential, holder)
    assert credential.learner == holder
    assert credential.issuer == micro_credential.issuer
    assert Notification.objects.get(recipient=holder).kind == CREDENTIAL_ISSUED
