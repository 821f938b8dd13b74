"""Issuer staff see and pick only their own organisation's people in the admin; anyone from
outside joins by an invitation they accept on the site."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from credentials import services
from credentials.exceptions import InvitationNotAllowed
from credentials.models import IssuerInvitation, MicroCredential
from credentials.notification_kinds import ISSUER_INVITATION
from credentials.permissions import (
    can_accept_invitation,
    people_choosable_for,
    visible_invitations,
)
from portfolio.models import Notification, User
from tests.credentials.test_admin import form_data, options
from tests.factories import UserFactory

INVITATION_ADD = "/admin/credentials/issuerinvitation/add/"
INVITATIONS = reverse("credentials:invitation-list")


def invite(client, issuer, email, role, capture):
    with capture(execute=True):
        return client.post(INVITATION_ADD, {"issuer": issuer.pk, "email": email, "role": role})


def accept(client, invitation):
    return client.post(reverse("credentials:invitation-accept", args=[invitation.pk]))


# --- Choosers


def test_the_staff_chooser_lists_only_the_issuers_own_staff(as_staff_b, issuer_a, issuer_b):
    text = as_staff_b.get(f"/admin/credentials/issuer/{issuer_b.pk}/change/").text

    assert options(text, "staff") == ["staff@b.example.org"]
    assert options(text, "assessors") == ["assessor@b.example.org"]
    assert "@a.example.org" not in text


def test_the_assessor_chooser_lists_only_the_issuers_own_assessors(as_staff_b, issuer_a):
    text = as_staff_b.get("/admin/credentials/microcredential/add/").text

    assert options(text, "assessors") == ["assessor@b.example.org"]
    assert "assessor@a.example.org" not in text


def test_another_issuers_staff_cannot_be_added_by_posting_their_id(
    as_staff_b, issuer_a, issuer_b, staff_b
):
    outsider = issuer_a.staff.get()
    data = {
        "name": issuer_b.name,
        "slug": issuer_b.slug,
        "url": issuer_b.url,
        "email": issuer_b.email,
        "description": "",
        "staff": [staff_b.pk, outsider.pk],
        "assessors": [],
    }

    response = as_staff_b.post(f"/admin/credentials/issuer/{issuer_b.pk}/change/", data)

    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert list(issuer_b.staff.all()) == [staff_b]


def test_staff_can_still_remove_their_own_people(as_staff_b, issuer_b, staff_b):
    data = {
        "name": issuer_b.name,
        "slug": issuer_b.slug,
        "url": issuer_b.url,
        "email": issuer_b.email,
        "description": "",
        "staff": [staff_b.pk],
        "assessors": [],
    }

    response = as_staff_b.post(f"/admin/credentials/issuer/{issuer_b.pk}/change/", data)

    assert response.status_code == 302
    assert list(issuer_b.assessors.all()) == []
    assert list(issuer_b.staff.all()) == [staff_b]


def test_another_issuers_assessor_cannot_be_assigned(as_staff_b, issuer_a, issuer_b):
    outsider = issuer_a.assessors.get()
    own = issuer_b.assessors.get()

    response = as_staff_b.post(
        "/admin/credentials/microcredential/add/",
        form_data(issuer_b, assessors=[own.pk, outsider.pk]),
    )

    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert not MicroCredential.objects.filter(slug="survey-design").exists()
    ok = as_staff_b.post(
        "/admin/credentials/microcredential/add/", form_data(issuer_b, assessors=[own.pk])
    )
    assert ok.status_code == 302
    assert list(MicroCredential.objects.get(slug="survey-design").assessors.all()) == [own]


def test_a_site_admin_cannot_assign_an_assessor_of_another_issuer_either(
    client, issuer_a, issuer_b
):
    client.force_login(UserFactory(issuer_staff=True, is_superuser=True))

    response = client.post(
        "/admin/credentials/microcredential/add/",
        form_data(issuer_b, assessors=[issuer_a.assessors.get().pk]),
    )

    assert response.status_code == 200
    assert (
        "Not assessors of Issuer B: assessor@a.example.org. Invite them to the issuer first"
        in response.text
    )
    assert not MicroCredential.objects.filter(slug="survey-design").exists()


# --- Inviting


def test_staff_invite_an_outside_assessor_who_is_told_in_the_inbox_and_by_email(
    as_staff_b, issuer_a, issuer_b, django_capture_on_commit_callbacks
):
    invitee = issuer_a.assessors.get()

    response = invite(
        as_staff_b,
        issuer_b,
        "Assessor@A.example.org",
        "assessor",
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 302
    invitation = IssuerInvitation.objects.get()
    assert (invitation.issuer, invitation.email, invitation.role) == (
        issuer_b,
        "assessor@a.example.org",
        "assessor",
    )
    note = Notification.objects.get(recipient=invitee)
    assert note.kind == ISSUER_INVITATION
    assert note.subject == "Issuer B invites you to join them as assessor"
    assert note.link == INVITATIONS
    [message] = mail.outbox
    assert message.to == ["assessor@a.example.org"]
    assert message.subject.endswith("Issuer B invites you to join them as assessor")
    assert INVITATIONS in message.body
    assert "invites you to join Issuer B as assessor." in message.body
    # An account accepts on the site: no sign-up link, and no token to take one.
    assert "/invitations/" not in message.body.replace(INVITATIONS, "")
    assert invitation.token_hash is None
    # Not a member until they accept.
    assert invitee not in issuer_b.assessors.all()


def test_the_inviter_is_told_the_same_whether_or_not_the_address_has_an_account(
    as_staff_b, issuer_a, issuer_b, django_capture_on_commit_callbacks
):
    def told(email):
        with django_capture_on_commit_callbacks(execute=True):
            response = as_staff_b.post(
                INVITATION_ADD,
                {"issuer": issuer_b.pk, "email": email, "role": "assessor"},
                follow=True,
            )
        said = [str(message) for message in response.context["messages"]]
        return [text.replace(email, "ADDRESS") for text in said]

    known = told("assessor@a.example.org")
    unknown = told("nobody@c.example.org")

    assert known == unknown
    assert len(known) == 1
    assert "ADDRESS" in known[0]
    assert IssuerInvitation.objects.count() == 2
    # Both are e-mailed: the account to accept, the address without one to sign up.
    assert [m.to for m in mail.outbox] == [["assessor@a.example.org"], ["nobody@c.example.org"]]
    assert reverse("credentials:invitation-list") in mail.outbox[0].body
    assert "/invitations/" in mail.outbox[1].body
    assert reverse("credentials:invitation-list") not in mail.outbox[1].body


def test_staff_can_only_invite_to_their_own_issuer(
    as_staff_b, issuer_a, issuer_b, django_capture_on_commit_callbacks
):
    page = as_staff_b.get(INVITATION_ADD).text
    assert options(page, "issuer") == ["Issuer B"]

    response = invite(
        as_staff_b, issuer_a, "someone@c.example.org", "staff", django_capture_on_commit_callbacks
    )

    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert not IssuerInvitation.objects.exists()


def test_inviting_a_member_again_is_refused_with_a_reason(
    as_staff_b, issuer_b, django_capture_on_commit_callbacks
):
    response = invite(
        as_staff_b,
        issuer_b,
        "assessor@b.example.org",
        "assessor",
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 200
    assert "assessor@b.example.org is already a member of Issuer B in this role." in response.text
    assert not IssuerInvitation.objects.exists()


def test_inviting_again_renews_the_open_invitation(
    as_staff_b, issuer_a, issuer_b, time_machine, django_capture_on_commit_callbacks
):
    invite(
        as_staff_b,
        issuer_b,
        "assessor@a.example.org",
        "assessor",
        django_capture_on_commit_callbacks,
    )
    first_expiry = IssuerInvitation.objects.get().expires_at
    time_machine.shift(timezone.timedelta(days=3))

    invite(
        as_staff_b,
        issuer_b,
        "assessor@a.example.org",
        "assessor",
        django_capture_on_commit_callbacks,
    )

    invitation = IssuerInvitation.objects.get()
    assert invitation.expires_at > first_expiry
    assert len(mail.outbox) == 2


def test_staff_see_only_their_own_issuers_invitations(
    client, as_staff_b, issuer_a, issuer_b, django_capture_on_commit_callbacks
):
    invite(as_staff_b, issuer_b, "mine@c.example.org", "staff", django_capture_on_commit_callbacks)
    client.force_login(issuer_a.staff.get())
    invite(client, issuer_a, "theirs@c.example.org", "staff", django_capture_on_commit_callbacks)

    client.force_login(IssuerInvitation.objects.get(email="mine@c.example.org").invited_by)
    text = client.get("/admin/credentials/issuerinvitation/").text
    rows = text[text.index('id="result_list"') :]
    rows = rows[: rows.index("</table>")]

    assert "mine@c.example.org" in rows
    assert "theirs@c.example.org" not in rows


# --- Accepting


@pytest.fixture
def assessor_invitation(as_staff_b, issuer_a, issuer_b, django_capture_on_commit_callbacks):
    invite(
        as_staff_b,
        issuer_b,
        "assessor@a.example.org",
        "assessor",
        django_capture_on_commit_callbacks,
    )
    return IssuerInvitation.objects.get()


def test_the_invitee_accepts_and_becomes_one_of_the_issuers_assessors(
    client, issuer_a, issuer_b, assessor_invitation, as_staff_b
):
    invitee = issuer_a.assessors.get()
    client.force_login(invitee)
    page = client.get(INVITATIONS).text
    assert "Issuer B" in page
    assert "Invites you to join them as <strong>assessor</strong>" in page

    response = accept(client, assessor_invitation)

    assert response.status_code == 302
    assert invitee in issuer_b.assessors.all()
    assessor_invitation.refresh_from_db()
    assert assessor_invitation.accepted_by == invitee
    assert "No open invitations." in client.get(INVITATIONS).text
    # Now B's staff can pick them.
    client.force_login(assessor_invitation.invited_by)
    text = client.get("/admin/credentials/microcredential/add/").text
    assert options(text, "assessors") == ["assessor@a.example.org", "assessor@b.example.org"]


def test_staff_invitation_opens_the_admin_when_accepted(
    client, as_staff_b, issuer_b, django_capture_on_commit_callbacks
):
    # Issuer staff of another organisation, not yet let into this site's admin.
    newcomer = UserFactory(email="newcomer@c.example.org", issuer_staff=True, is_staff=False)
    invite(
        as_staff_b, issuer_b, "newcomer@c.example.org", "staff", django_capture_on_commit_callbacks
    )
    client.force_login(newcomer)
    assert client.get("/admin/credentials/microcredential/").status_code == 302

    response = accept(client, IssuerInvitation.objects.get())

    assert response.url == reverse("admin:index")
    newcomer.refresh_from_db()
    assert newcomer.is_staff
    assert newcomer in issuer_b.staff.all()
    assert client.get("/admin/credentials/microcredential/").status_code == 200


def as_learner(user):
    user.role = User.Role.LEARNER
    user.save(update_fields=["role"])
    return user


@pytest.mark.parametrize("who", ["other_assessor", "learner_with_the_address", "staff_b"])
def test_nobody_else_can_see_or_accept_the_invitation(
    client, who, issuer_a, issuer_b, staff_b, assessor_invitation
):
    user = {
        "other_assessor": lambda: UserFactory(assessor=True),
        # The right address on an account of the wrong role is not the invitee either.
        "learner_with_the_address": lambda: as_learner(issuer_a.assessors.get()),
        "staff_b": lambda: staff_b,
    }[who]()
    client.force_login(user)

    page = client.get(INVITATIONS)
    assert page.status_code == 200
    assert "No open invitations." in page.text
    assert accept(client, assessor_invitation).status_code == 404
    assessor_invitation.refresh_from_db()
    assert assessor_invitation.accepted_at is None
    assert list(issuer_b.assessors.values_list("email", flat=True)) == ["assessor@b.example.org"]


def test_an_expired_invitation_can_no_longer_be_accepted(
    client, issuer_a, issuer_b, assessor_invitation, time_machine
):
    time_machine.shift(timezone.timedelta(days=15))
    client.force_login(issuer_a.assessors.get())

    assert "No open invitations." in client.get(INVITATIONS).text
    assert accept(client, assessor_invitation).status_code == 404
    assert issuer_a.assessors.get() not in issuer_b.assessors.all()


def test_accepting_needs_a_post(client, issuer_a, assessor_invitation):
    client.force_login(issuer_a.assessors.get())
    url = reverse("credentials:invitation-accept", args=[assessor_invitation.pk])
    assert client.get(url).status_code == 405
    assessor_invitation.refresh_from_db()
    assert assessor_invitation.accepted_at is None


# --- The rules themselves


def test_choosable_people_by_role(issuer_a, issuer_b, staff_b):
    site_admin = UserFactory(issuer_staff=True, is_superuser=True)
    emails = lambda users: sorted(u.email for u in users)  # noqa: E731

    assert emails(people_choosable_for(staff_b, role=User.Role.ASSESSOR)) == [
        "assessor@b.example.org"
    ]
    assert emails(people_choosable_for(staff_b, role=User.Role.ISSUER_STAFF)) == [
        "staff@b.example.org"
    ]
    assert "assessor@a.example.org" in emails(
        people_choosable_for(site_admin, role=User.Role.ASSESSOR)
    )
    assert list(people_choosable_for(UserFactory(assessor=True), role=User.Role.ASSESSOR)) == []


def test_visible_invitations_match_address_role_and_openness(issuer_b, staff_b):
    invitation = IssuerInvitation.objects.create(
        issuer=issuer_b,
        email="person@c.example.org",
        role="assessor",
        expires_at=timezone.now() + timezone.timedelta(days=1),
    )
    invitee = UserFactory(email="Person@C.example.org", assessor=True)
    inactive = UserFactory(email="other@c.example.org", assessor=True, is_active=False)

    assert list(visible_invitations(invitee)) == [invitation]
    assert list(visible_invitations(inactive)) == []
    invitee.role = User.Role.ISSUER_STAFF
    assert list(visible_invitations(invitee)) == []


# --- The services, without HTTP


def test_the_service_refuses_an_inviter_who_does_not_manage_the_issuer(issuer_a, issuer_b):
    with pytest.raises(InvitationNotAllowed) as refused:
        services.invite_to_issuer(
            issuer_id=issuer_b.pk,
            email="someone@c.example.org",
            role="assessor",
            by=issuer_a.staff.get(),
        )

    assert refused.value.message == "You can only invite people to your own organisation."
    assert not IssuerInvitation.objects.exists()


def test_the_service_refuses_to_invite_an_existing_member(issuer_b, staff_b):
    with pytest.raises(InvitationNotAllowed) as refused:
        services.invite_to_issuer(
            issuer_id=issuer_b.pk, email="Assessor@B.example.org", role="assessor", by=staff_b
        )

    assert refused.value.message == "assessor@b.example.org is already one of Issuer B's assessors."
    assert not IssuerInvitation.objects.exists()


def test_an_invitation_is_accepted_once(issuer_a, issuer_b, staff_b):
    invitee = issuer_a.assessors.get()
    invitation = services.invite_to_issuer(
        issuer_id=issuer_b.pk, email=invitee.email, role="assessor", by=staff_b
    )
    services.accept_invitation(invitation_id=invitation.pk, by=invitee)

    with pytest.raises(InvitationNotAllowed) as refused:
        services.accept_invitation(invitation_id=invitation.pk, by=invitee)

    assert refused.value.message == "This invitation is no longer open."
    assert list(issuer_b.assessors.filter(pk=invitee.pk)) == [invitee]
    invitation.refresh_from_db()
    assert invitation.accepted_by == invitee


def test_the_dashboard_points_to_open_invitations(client, issuer_a, issuer_b, staff_b):
    invitee = issuer_a.assessors.get()
    client.force_login(invitee)
    assert "See your invitations" not in client.get(reverse("dashboard")).text

    services.invite_to_issuer(
        issuer_id=issuer_b.pk, email=invitee.email, role="assessor", by=staff_b
    )
    text = client.get(reverse("dashboard")).text

    assert "1 organisation invites you to join it." in text
    assert f'<a href="{INVITATIONS}">See your invitations</a>' in text


def test_an_invitation_is_for_its_address_and_its_role_both(issuer_b):
    invitation = IssuerInvitation.objects.create(
        issuer=issuer_b,
        email="person@c.example.org",
        role="assessor",
        expires_at=timezone.now() + timezone.timedelta(days=1),
    )
    invitee = UserFactory(email="person@c.example.org", assessor=True)
    wrong_role = UserFactory(email="other@c.example.org", issuer_staff=True)
    wrong_role.email = "person@c.example.org"  # the same address, as a staff account
    wrong_address = UserFactory(email="someone@c.example.org", assessor=True)

    assert can_accept_invitation(invitee, invitation)
    assert not can_accept_invitation(wrong_role, invitation)
    assert not can_accept_invitation(wrong_address, invitation)
