import pytest
from django.core import mail
from django.urls import reverse

from credentials.notification_kinds import CREDENTIAL_ISSUED, ISSUER_INVITATION_SIGNUP
from portfolio.models import Notification
from portfolio.services import notifications
from tests.factories import UserFactory

CHANGELIST = reverse("admin:portfolio_notification_changelist")


@pytest.fixture
def site_admin_client(client, db):
    client.force_login(UserFactory(email="admin@example.com", is_staff=True, is_superuser=True))
    return client


def failed_notification(user, subject):
    [note] = notifications.notify(recipients=[user], kind=CREDENTIAL_ISSUED, subject=subject)
    Notification.objects.filter(pk=note.pk).update(
        email_state=Notification.EmailState.FAILED,
        email_attempts=31,
        last_email_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    return note


def test_staff_see_failed_emails_with_the_reason(site_admin_client, learner, other_learner):
    failed_notification(learner, "You have earned Data Storytelling")
    [sent] = notifications.notify(
        recipients=[other_learner],
        kind=CREDENTIAL_ISSUED,
        subject="You have earned Spreadsheet Modelling",
    )
    Notification.objects.filter(pk=sent.pk).update(email_state=Notification.EmailState.SENT)

    response = site_admin_client.get(CHANGELIST, {"email_state__exact": "failed"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "You have earned Data Storytelling" in page
    assert "learner@example.com" in page
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in page
    assert "You have earned Spreadsheet Modelling" not in page


def test_staff_resend_a_failed_email_from_the_admin(
    site_admin_client, learner, other_learner, django_capture_on_commit_callbacks
):
    failed = failed_notification(learner, "You have earned Data Storytelling")
    [sent] = notifications.notify(
        recipients=[other_learner],
        kind=CREDENTIAL_ISSUED,
        subject="You have earned Spreadsheet Modelling",
    )
    Notification.objects.filter(pk=sent.pk).update(email_state=Notification.EmailState.SENT)

    with django_capture_on_commit_callbacks(execute=True):
        response = site_admin_client.post(
            CHANGELIST,
            {"action": "resend_email", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )

    assert response.status_code == 200
    page = response.content.decode()
    assert "1 e-mail queued again." in page
    assert "1 selected e-mail was not failed and was left alone." in page
    assert [m.to for m in mail.outbox] == [[learner.email]]
    failed.refresh_from_db()
    assert failed.email_state == Notification.EmailState.SENT


def test_notifications_cannot_be_added_or_edited_in_the_admin(site_admin_client, learner):
    note = failed_notification(learner, "You have earned Data Storytelling")
    assert site_admin_client.get(reverse("admin:portfolio_notification_add")).status_code == 403
    change = site_admin_client.get(reverse("admin:portfolio_notification_change", args=[note.pk]))
    assert change.status_code == 200
    page = change.content.decode()
    assert "You have earned Data Storytelling" in page
    assert 'name="subject"' not in page  # shown, not editable


def test_issuer_staff_do_not_see_the_outbox(client, db):
    # Notifications hold every user's e-mail address and private events: site admins only.
    client.force_login(UserFactory(email="issuer@example.com", issuer_staff=True, is_staff=True))
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert "Site administration" in index.content.decode()
    assert CHANGELIST not in index.content.decode()
    assert client.get(CHANGELIST).status_code == 403


def test_staff_see_and_resend_a_failed_email_to_an_address_without_an_account(
    site_admin_client, learner, django_capture_on_commit_callbacks, django_assert_num_queries
):
    failed_notification(learner, "You have earned Data Storytelling")
    note = notifications.notify_address(
        address="newcomer@example.org",
        kind=ISSUER_INVITATION_SIGNUP,
        subject="Example Institute invites you to join them as assessor",
        link="/invitations/secret-token/",
        context={"issuer": "Example Institute", "role": "assessor", "inviter": "Ada"},
    )
    Notification.objects.filter(pk=note.pk).update(email_state=Notification.EmailState.FAILED)

    # One query for the rows (the recipient joined), whoever they are addressed to.
    with django_assert_num_queries(8):
        page = site_admin_client.get(CHANGELIST, {"email_state__exact": "failed"}).text
    assert "newcomer@example.org" in page
    assert "learner@example.com" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = site_admin_client.post(
            CHANGELIST, {"action": "resend_email", "_selected_action": [note.pk]}, follow=True
        )

    assert "1 e-mail queued again." in response.text
    assert [m.to for m in mail.outbox] == [["newcomer@example.org"]]
    assert "/invitations/secret-token/" in mail.outbox[0].body
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.SENT
