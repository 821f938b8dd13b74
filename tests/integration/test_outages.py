"""Services broken on purpose, with the real ones on loopback: Redis, a Celery worker (with
beat where the sweep matters) and an SMTP server that the test stops, starts and holds.

Retry delays are seconds here instead of minutes (worker_settings' overrides), so a whole
retry chain fits in a test.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from assessments.models import Application
from assessments.services import applying
from credentials import services as credential_services
from portfolio.models import Notification, User
from tests.assessments.test_review_page import decision_data
from tests.factories import IssuerFactory, UserFactory
from tests.integration.harness import broker_outage, kill_worker

pytestmark = pytest.mark.celery_worker

# Celery retries after about 0.4 s and 0.8 s; from the third failure on (1.6 s) the wait is
# longer than TASK_RETRY_MAX, so the beat sweep, every half second, carries on.
FAST_OUTBOX = {
    "NOTIFICATION_EMAIL_RETRY_BACKOFF": 0.4,
    "NOTIFICATION_EMAIL_RETRY_BACKOFF_MAX": 1.6,
    "NOTIFICATION_EMAIL_TASK_RETRY_MAX": 0.8,
    "NOTIFICATION_EMAIL_SWEEP_GRACE": 0.5,
    "NOTIFICATION_EMAIL_SEND_LEASE": 3,
    "SWEEP_EVERY": 0.5,
}
SWEEP_FOUND_NOTHING = "send_pending_notifications"


def sweeps(worker, *, found):
    """How many sweeps the worker has finished that queued `found` e-mails."""
    return sum(
        1
        for line in worker.log().splitlines()
        if "portfolio.tasks.send_pending_notifications[" in line
        and "succeeded" in line
        and line.endswith(f": {found}")
    )


def wait_for_idle_sweeps(worker, count=2):
    """Let the sweep run `count` more times finding nothing, so a stray copy would show."""
    seen = sweeps(worker, found=0)
    worker.wait_for(lambda: sweeps(worker, found=0) >= seen + count, f"{count} idle sweeps")


def state_of(note):
    note.refresh_from_db()
    return note.email_state


def test_smtp_refusing_longer_than_the_retry_chain_delivers_once_it_is_back(
    start_test_worker, smtp_server, draft, learner, assessor, micro_credential
):
    # The SMTP server is down (its port refuses connections) when the e-mail is due.
    worker = start_test_worker(smtp_port=smtp_server.port, overrides=FAST_OUTBOX, beat=True)
    applying.submit_application(application_id=draft.pk, by=learner)
    note = Notification.objects.get(recipient=assessor)

    # The Celery retries are spent and the sweep has taken over, more than once.
    worker.wait_for(lambda: sweeps(worker, found=1) >= 2, "the sweep retrying the e-mail")
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.PENDING
    assert note.email_attempts >= 4
    assert "ConnectionRefusedError" in note.last_email_error
    assert smtp_server.messages == []

    smtp_server.start()

    [mail] = smtp_server.wait_for_messages(1, worker=worker)
    assert mail["To"] == assessor.email
    assert mail["Subject"] == f"New application: {micro_credential.title}"
    worker.wait_for(lambda: state_of(note) == Notification.EmailState.SENT, "the row sent")
    wait_for_idle_sweeps(worker)
    assert len(smtp_server.messages) == 1
    note.refresh_from_db()
    assert note.last_email_error == ""
    assert note.sending_until is None


@pytest.mark.parametrize(
    ("server_accepted_it", "deliveries"),
    [
        # The server had not delivered the message when the worker died: sent again, once.
        (False, 1),
        # It had (only its reply was lost): at least once means one duplicate, and only one.
        (True, 2),
    ],
)
def test_worker_killed_mid_send_is_recovered_by_the_sweep_at_least_once(
    start_test_worker,
    smtp_server,
    draft,
    learner,
    assessor,
    server_accepted_it,
    deliveries,
):
    smtp_server.hold_reply(deliver=server_accepted_it)
    smtp_server.start()
    first = start_test_worker(smtp_port=smtp_server.port, overrides=FAST_OUTBOX)
    applying.submit_application(application_id=draft.pk, by=learner)
    note = Notification.objects.get(recipient=assessor)

    smtp_server.wait_for_held_data()
    # The row was claimed, and the claim committed, before the server was contacted.
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.PENDING
    assert note.email_attempts == 1
    assert note.sending_until is not None
    kill_worker(first)
    smtp_server.release()

    second = start_test_worker(smtp_port=smtp_server.port, overrides=FAST_OUTBOX, beat=True)

    second.wait_for(lambda: state_of(note) == Notification.EmailState.SENT, "the row sent")
    smtp_server.wait_for_messages(deliveries, worker=second)
    wait_for_idle_sweeps(second)
    assert len(smtp_server.messages) == deliveries
    assert {m["To"] for m in smtp_server.messages} == {assessor.email}
    note.refresh_from_db()
    assert note.email_attempts == 2
    # Nothing sent it before the claim had lapsed.
    assert note.emailed_at >= note.created_at + timedelta(
        seconds=FAST_OUTBOX["NOTIFICATION_EMAIL_SEND_LEASE"]
    )


def test_broker_down_while_a_learner_submits_and_an_assessor_approves(
    start_test_worker, smtp_server, client, draft, learner, assessor, micro_credential
):
    smtp_server.start()
    with broker_outage():
        client.force_login(learner)
        submitted = client.post(reverse("assessments:application-submit", args=[draft.pk]))
        client.force_login(assessor)
        claimed = client.post(reverse("assessments:claim", args=[draft.pk]))
        approved = client.post(
            reverse("assessments:review", args=[draft.pk]),
            decision_data(micro_credential, position=2, decision="approve", feedback="Good."),
        )

    # Every request succeeded although no e-mail could be queued.
    assert submitted.status_code == 302
    assert claimed.status_code == 302
    assert approved.status_code == 302
    assert approved["Location"] == reverse("assessments:queue")
    draft.refresh_from_db()
    assert draft.status == Application.Status.APPROVED
    pending = Notification.objects.filter(email_state=Notification.EmailState.PENDING)
    expected = sorted((note.recipient.email, note.subject) for note in pending)
    assert [subject for _, subject in expected] == sorted(
        [
            f"New application: {micro_credential.title}",
            f"Your application for {micro_credential.title} is in review",
            f"You have earned {micro_credential.title}",
        ]
    )
    assert smtp_server.messages == []

    # The broker is back and the worker (with beat) reconnects.
    Notification.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=5))
    worker = start_test_worker(smtp_port=smtp_server.port, overrides=FAST_OUTBOX, beat=True)

    mails = smtp_server.wait_for_messages(len(expected), worker=worker)
    wait_for_idle_sweeps(worker)
    assert sorted((m["To"], m["Subject"]) for m in smtp_server.messages) == expected
    assert len(mails) == 3
    assert not Notification.objects.exclude(email_state=Notification.EmailState.SENT).exists()


def test_an_invitation_to_an_address_without_an_account_survives_an_smtp_outage(
    start_test_worker, smtp_server, client
):
    # The SMTP server is down when issuer staff invite someone who has no account.
    issuer = IssuerFactory(name="Example Institute")
    staff = UserFactory(email="staff@example.org", issuer_staff=True)
    issuer.staff.add(staff)
    worker = start_test_worker(smtp_port=smtp_server.port, overrides=FAST_OUTBOX, beat=True)
    credential_services.invite_to_issuer(
        issuer_id=issuer.pk, email="newcomer@example.org", role="assessor", by=staff
    )
    note = Notification.objects.get(to_address="newcomer@example.org")
    worker.wait_for(lambda: sweeps(worker, found=1) >= 2, "the sweep retrying the e-mail")
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.PENDING
    assert "ConnectionRefusedError" in note.last_email_error

    smtp_server.start()

    [mail] = smtp_server.wait_for_messages(1, worker=worker)
    worker.wait_for(lambda: state_of(note) == Notification.EmailState.SENT, "the row sent")
    wait_for_idle_sweeps(worker)
    assert len(smtp_server.messages) == 1
    assert mail["To"] == "newcomer@example.org"
    assert mail["Subject"] == "Example Institute invites you to join them as assessor on Unbundled"
    note.refresh_from_db()
    assert note.link == ""
    # The link in the delivered e-mail signs the newcomer up and makes them an assessor.
    text = mail.get_body(("plain",)).get_content()
    link = re.search(rf"{re.escape(settings.SITE_URL)}(/invitations/[\w-]+/)", text)
    assert link is not None, text
    signed_up = client.post(
        link.group(1),
        {
            "display_name": "Noor Haddad",
            "password1": "a-long-and-unusual-passphrase-7",
            "password2": "a-long-and-unusual-passphrase-7",
        },
    )
    assert signed_up.status_code == 302
    newcomer = User.objects.get(email="newcomer@example.org")
    assert newcomer.role == User.Role.ASSESSOR
    assert list(issuer.assessors.all()) == [newcomer]
    # The link has done its work: it makes no second account.
    client.logout()
    assert client.get(link.group(1)).status_code == 410
