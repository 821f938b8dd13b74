"""What a user may do with a micro-credential or an invitation they can see: the capability
objects views and templates ask, instead of testing roles and statuses themselves."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from credentials.models import IssuerInvitation
from credentials.permissions import (
    get_invitation_access,
    get_micro_credential_access,
    visible_invitations,
)
from tests.factories import IssuerFactory, MicroCredentialFactory

ROLES = ["learner", "assessor", "employer", "issuer_staff", "anonymous"]


def _user(request, who):
    return AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("status", ["published", "retired"])
def test_only_a_learner_may_apply_and_only_while_it_is_published(request, db, who, status):
    user = _user(request, who)
    micro_credential = MicroCredentialFactory(status=status)

    access = get_micro_credential_access(user, micro_credential)

    assert access.micro_credential == micro_credential
    assert access.is_retired is (status == "retired")
    assert access.is_open_for_applications is (status == "published")
    assert access.applicant == (user if who == "learner" else None)
    assert access.can_apply is (who == "learner" and status == "published")


@pytest.fixture
def invitation(db):
    return IssuerInvitation.objects.create(
        issuer=IssuerFactory(),
        email="assessor@example.com",
        role=IssuerInvitation.Role.ASSESSOR,
        expires_at=timezone.now() + timedelta(days=14),
    )


@pytest.mark.parametrize("who", ["assessor", "learner", "issuer_staff", "anonymous"])
def test_only_the_invited_account_may_accept_an_open_invitation(request, invitation, who):
    user = _user(request, who)

    access = get_invitation_access(user, invitation)

    # The same answer as the filter the invitations page lists by.
    assert access.can_accept is (who == "assessor")
    assert access.can_accept is visible_invitations(user).filter(pk=invitation.pk).exists()
    assert access.makes_staff is False


@pytest.mark.parametrize("change", ["accepted", "expired"])
def test_a_closed_invitation_may_not_be_accepted(assessor, invitation, change):
    if change == "accepted":
        invitation.accepted_at = timezone.now()
    else:
        invitation.expires_at = timezone.now() - timedelta(seconds=1)
    invitation.save()

    assert get_invitation_access(assessor, invitation).can_accept is False
    assert not visible_invitations(assessor).exists()


def test_a_staff_invitation_makes_staff(issuer_staff):
    invitation = IssuerInvitation.objects.create(
        issuer=IssuerFactory(),
        email=issuer_staff.email,
        role=IssuerInvitation.Role.STAFF,
        expires_at=timezone.now() + timedelta(days=14),
    )

    access = get_invitation_access(issuer_staff, invitation)

    assert (access.can_accept, access.makes_staff) == (True, True)
