"""An invitation to an address without an account: the sign-up link it is e-mailed, and
signing up through it, which makes the account with the invited role and joins the issuer."""

import hashlib
import re
import threading
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from credentials import services
from credentials.exceptions import InvitationNotAllowed
from credentials.models import IssuerInvitation
from credentials.permissions import hash_invitation_token
from portfolio.models import LearnerProfile, Notification, User
from tests.concurrency import requires_postgresql, wait_until_blocked
from tests.credentials.test_issuer_people import INVITATIONS, invite
from tests.factories import UserFactory

NEWCOMER = "newcomer@c.example.org"
PASSWORD = "a-long-and-unusual-passphrase-7"
LINK = re.compile(r"http://127\.0\.0\.1:8000(/invitations/([A-Za-z0-9_-]+)/)")


def link_in(message):
    match = LINK.search(message.body)
    assert match is not None, message.body
    return match.group(1)


@pytest.fixture
def invited(as_staff_b, issuer_b, django_capture_on_commit_callbacks):
    """Invite NEWCOMER (no account) as an assessor of issuer B; the sign-up link's path."""

    def send(role="assessor"):
        mail.outbox.clear()
        invite(as_staff_b, issuer_b, NEWCOMER, role, django_capture_on_commit_callbacks)
        [message] = mail.outbox
        return link_in(message)

    return send


@pytest.fixture
def visitor():
    """A browser of its own: the `client` fixture is signed in as the inviting staff."""
    return Client()


def sign_up(visitor, path, **extra):
    data = {
        "display_name": "Noor Haddad",
        "email": NEWCOMER,
        "password1": PASSWORD,
        "password2": PASSWORD,
        **extra,
    }
    return visitor.post(path, data)


# --- The e-mail


def test_an_address_without_an_account_is_emailed_a_sign_up_link(invited, issuer_b):
    path = invited()

    [message] = mail.outbox
    assert message.to == [NEWCOMER]
    assert message.subject.endswith("Issuer B invites you to join them as assessor on Unbundled")
    assert "invites you to join Issuer B as assessor" in message.body
    html = message.alternatives[0][0]
    assert f'href="http://127.0.0.1:8000{path}"' in html
    # The invitation keeps only the token's hash, and the outbox drops the link once sent.
    token = path.split("/")[2]
    invitation = IssuerInvitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    note = Notification.objects.get(to_address=NEWCOMER)
    assert note.email_state == Notification.EmailState.SENT
    assert note.link == ""
    assert token not in str(list(Notification.objects.values()))
    assert token not in str(list(IssuerInvitation.objects.values()))


def test_each_sending_has_a_new_link_and_only_the_latest_works(visitor, invited, time_machine):
    first = invited()
    time_machine.shift(timedelta(days=3))
    second = invited()

    assert first != second
    old = visitor.get(first)
    assert old.status_code == 404
    assert "This invitation link does not work" in old.text
    assert visitor.get(second).status_code == 200


# --- Signing up through the link


def test_the_link_shows_the_sign_up_form_with_the_invited_address_fixed(
    visitor, invited, django_assert_num_queries
):
    path = invited()

    # The invitation (with its issuer), and whether the address has an account by now.
    with django_assert_num_queries(2):
        response = visitor.get(path)

    assert response.status_code == 200
    page = response.text
    assert re.search(r"<h1[^>]*>\s*Join Issuer B\s*</h1>", page)
    assert "Issuer B invites you to join them as <strong>assessor</strong>" in page
    field = re.search(r'<input[^>]*name="email"[^>]*>', page).group(0)
    assert f'value="{NEWCOMER}"' in field
    assert "disabled" in field
    assert f'action="{path}"' in page


def test_signing_up_through_the_link_makes_an_assessor_of_the_issuer(visitor, invited, issuer_b):
    path = invited()

    # Whatever address is posted, the account gets the invited one.
    response = sign_up(visitor, path, email="someone.else@c.example.org")

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    user = User.objects.get(email=NEWCOMER)
    assert not User.objects.filter(email="someone.else@c.example.org").exists()
    assert user.role == User.Role.ASSESSOR
    assert user.get_full_name() == "Noor Haddad"
    assert not user.is_staff
    assert not LearnerProfile.objects.filter(user=user).exists()
    assert list(issuer_b.assessors.filter(pk=user.pk)) == [user]
    invitation = IssuerInvitation.objects.get()
    assert invitation.accepted_by == user
    assert invitation.accepted_at is not None
    # The token reached the address: verified, signed in, and no second e-mail to verify it.
    assert EmailAddress.objects.get(user=user).verified
    assert [m.to for m in mail.outbox] == [[NEWCOMER]]
    dashboard = visitor.get(reverse("dashboard"))
    assert dashboard.wsgi_request.user == user
    assert "You joined Issuer B as an assessor." in dashboard.text


def test_signing_up_through_a_staff_invitation_opens_the_admin(visitor, invited, issuer_b):
    path = invited(role="staff")

    response = sign_up(visitor, path)

    assert response.url == reverse("admin:index")
    user = User.objects.get(email=NEWCOMER)
    assert user.role == User.Role.ISSUER_STAFF
    assert user.is_staff
    assert list(issuer_b.staff.filter(pk=user.pk)) == [user]
    assert visitor.get("/admin/credentials/microcredential/").status_code == 200


def test_a_sign_up_form_with_errors_joins_nobody(visitor, invited):
    path = invited()

    response = sign_up(visitor, path, password2="something-else-entirely")

    assert response.status_code == 200
    assert "You must type the same password each time." in response.text
    assert not User.objects.filter(email=NEWCOMER).exists()
    assert IssuerInvitation.objects.get().accepted_at is None


# --- Links that cannot be used


def test_a_used_link_says_so_and_makes_no_second_account(visitor, invited, issuer_b):
    path = invited()
    sign_up(visitor, path)
    visitor.logout()

    page = visitor.get(path)
    posted = sign_up(visitor, path, display_name="Someone Else")

    assert page.status_code == 410
    assert "This invitation has been used" in page.text
    assert posted.status_code == 410
    assert User.objects.filter(email=NEWCOMER).count() == 1
    assert issuer_b.assessors.filter(email=NEWCOMER).count() == 1


def test_an_expired_link_says_so(visitor, invited, time_machine):
    path = invited()
    time_machine.shift(timedelta(days=15))

    page = visitor.get(path)
    posted = sign_up(visitor, path)

    assert page.status_code == 410
    assert "This invitation has expired" in page.text
    assert "Ask Issuer B to invite you again." in page.text
    assert posted.status_code == 410
    assert not User.objects.filter(email=NEWCOMER).exists()


@pytest.mark.parametrize("token", ["not-a-token", "x" * 43, "A" * 2000, "%00", "..", "' OR 1=1 --"])
def test_a_made_up_link_says_it_does_not_work(visitor, invited, token):
    invited()
    path = reverse("credentials:invitation-signup", args=[token])

    page = visitor.get(path)
    posted = sign_up(visitor, path)

    assert page.status_code == 404
    assert "This invitation link does not work" in page.text
    assert posted.status_code == 404
    assert not User.objects.filter(email=NEWCOMER).exists()


def test_a_withdrawn_invitations_link_says_it_does_not_work(visitor, invited, as_staff_b):
    path = invited()
    invitation = IssuerInvitation.objects.get()
    as_staff_b.post(
        reverse("admin:credentials_issuerinvitation_delete", args=[invitation.pk]),
        {"post": "yes"},
    )
    assert not IssuerInvitation.objects.exists()

    page = visitor.get(path)

    assert page.status_code == 404
    assert "This invitation link does not work" in page.text


def test_a_link_whose_address_has_an_account_by_now_sends_them_to_log_in(visitor, invited):
    path = invited()
    UserFactory(email=NEWCOMER, assessor=True)

    page = visitor.get(path)
    posted = sign_up(visitor, path)

    assert page.status_code == 200
    assert f"An account with {NEWCOMER} exists already." in page.text
    assert f'href="{reverse("account_login")}?next={INVITATIONS}"' in page.text
    assert posted.status_code == 200
    assert User.objects.filter(email=NEWCOMER).count() == 1
    assert IssuerInvitation.objects.get().accepted_at is None


@pytest.mark.parametrize("role", ["learner", "assessor", "issuer_staff", "employer"])
def test_someone_signed_in_with_another_address_cannot_use_the_link(
    visitor, invited, issuer_b, role
):
    path = invited()
    someone = UserFactory(email=f"{role}@d.example.org", role=role)
    visitor.force_login(someone)

    page = visitor.get(path)
    posted = sign_up(visitor, path)

    assert page.status_code == 403
    assert "This invitation is for someone else" in page.text
    assert f"You are logged in as {someone.email}" in page.text
    assert posted.status_code == 403
    assert not User.objects.filter(email=NEWCOMER).exists()
    assert not issuer_b.assessors.filter(pk=someone.pk).exists()
    assert IssuerInvitation.objects.get().accepted_at is None


def test_the_invitee_signed_in_already_is_sent_to_their_invitations(visitor, invited):
    path = invited()
    visitor.force_login(UserFactory(email=NEWCOMER, assessor=True))

    response = visitor.get(path)

    assert response.status_code == 302
    assert response.url == INVITATIONS


# --- The service


def test_the_service_refuses_a_used_token_before_making_any_account(invited, issuer_b):
    token = invited().split("/")[2]
    made = []

    def create_account():
        made.append(UserFactory(email=NEWCOMER, assessor=True))
        return made[-1]

    services.sign_up_by_invitation(token=token, create_account=create_account)
    with pytest.raises(InvitationNotAllowed):
        services.sign_up_by_invitation(token=token, create_account=create_account)

    assert len(made) == 1
    assert issuer_b.assessors.filter(email=NEWCOMER).count() == 1


@pytest.mark.parametrize(
    ("email", "role"),
    [("someone.else@c.example.org", "assessor"), (NEWCOMER, "learner")],
)
def test_the_service_keeps_no_account_that_is_not_the_invited_one(invited, issuer_b, email, role):
    token = invited().split("/")[2]

    with pytest.raises(InvitationNotAllowed):
        services.sign_up_by_invitation(
            token=token, create_account=lambda: UserFactory(email=email, role=role)
        )

    assert not User.objects.filter(email=email).exists()
    assert IssuerInvitation.objects.get().accepted_at is None
    assert not issuer_b.assessors.filter(email=email).exists()


def test_the_service_refuses_an_expired_token(invited, time_machine):
    token = invited().split("/")[2]
    time_machine.shift(timezone.timedelta(days=15))

    with pytest.raises(InvitationNotAllowed):
        services.sign_up_by_invitation(
            token=token, create_account=lambda: UserFactory(email=NEWCOMER, assessor=True)
        )

    assert not User.objects.filter(email=NEWCOMER).exists()


@requires_postgresql
def test_two_sign_ups_racing_for_one_token_make_one_account(racer, issuer_b):
    token = "a-token-two-people-race-for"
    IssuerInvitation.objects.create(
        issuer=issuer_b,
        email=NEWCOMER,
        role=IssuerInvitation.Role.ASSESSOR,
        expires_at=timezone.now() + timedelta(days=14),
        token_hash=hash_invitation_token(token),
    )
    holding, release = threading.Event(), threading.Event()
    second_tried = []

    def first_account():
        holding.set()  # the invitation is locked by now
        release.wait(10)
        return UserFactory(email=NEWCOMER, assessor=True)

    def second_account():
        second_tried.append(True)
        return UserFactory(email="second@c.example.org", assessor=True)

    first = racer.start(
        lambda: services.sign_up_by_invitation(token=token, create_account=first_account)
    )
    assert holding.wait(10)
    second = racer.start(
        lambda: services.sign_up_by_invitation(token=token, create_account=second_account)
    )
    # The second waits for the first's lock on the invitation, then finds it used.
    wait_until_blocked(1)
    release.set()

    newcomer = first.result(timeout=30)
    with pytest.raises(InvitationNotAllowed):
        second.result(timeout=30)
    assert second_tried == []
    assert list(issuer_b.assessors.filter(email__endswith="c.example.org")) == [newcomer]
    assert IssuerInvitation.objects.get().accepted_by == newcomer
