from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from credentials.notification_kinds import CREDENTIAL_ISSUED, ISSUER_INVITATION_SIGNUP
from portfolio import tasks
from portfolio.emails import build_email
from portfolio.models import Notification
from portfolio.notification_kinds import list_registered_kinds
from portfolio.services import notifications
from tests.celery_helpers import broker_unavailable
from tests.factories import UserFactory

KIND = CREDENTIAL_ISSUED


@pytest.fixture
def staff_user(db):
    return UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)


def notify_learner(user, **extra):
    return notifications.notify(
        recipients=[user],
        kind=KIND,
        subject="You have earned Data Storytelling",
        link="/c/abc/",
        context={"title": "Data Storytelling", "issuer": "Example Institute"},
        **extra,
    )


def test_notification_is_recorded_and_emailed_after_commit(
    learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [note] = notify_learner(learner)
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.SENT
    [message] = mail.outbox
    assert message.to == [learner.email]
    assert message.subject == "You have earned Data Storytelling"
    assert "http://127.0.0.1:8000/c/abc/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<strong>Example Institute</strong>" in html


def test_turned_off_email_still_lands_in_the_inbox(learner, django_capture_on_commit_callbacks):
    notifications.set_email_preferences(by=learner, enabled_kinds=[])
    with django_capture_on_commit_callbacks(execute=True):
        [note] = notify_learner(learner)
    assert note.email_state == Notification.EmailState.SKIPPED
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=learner, read_at__isnull=True).count() == 1


def test_withheld_emails_land_in_the_inbox_unsent_and_only_inside_the_block(
    learner, other_learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with notifications.emails_withheld():
            [withheld] = notify_learner(learner)
        [sent] = notify_learner(other_learner)

    assert withheld.email_state == Notification.EmailState.SKIPPED
    assert len(callbacks) == 1  # only the e-mail of the notification outside the block
    [message] = mail.outbox
    assert message.to == [other_learner.email]
    sent.refresh_from_db()
    assert sent.email_state == Notification.EmailState.SENT
    assert Notification.objects.filter(recipient=learner, read_at__isnull=True).count() == 1


def test_deduplicated_events_are_recorded_once(learner):
    notify_learner(learner, dedupe_key="credential-expiring:1")
    assert notify_learner(learner, dedupe_key="credential-expiring:1") == []
    assert Notification.objects.count() == 1


def test_sending_twice_sends_one_email(learner):
    [note] = notify_learner(learner)
    assert notifications.send_notification_email(notification_id=note.pk).sent is True
    assert notifications.send_notification_email(notification_id=note.pk).sent is False
    assert len(mail.outbox) == 1


def refusing_smtp(settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.mail_backends.DisconnectingSMTPBackend"}}


def working_smtp(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def test_smtp_failure_keeps_the_notification_pending_and_schedules_the_next_attempt(
    learner, settings
):
    [note] = notify_learner(learner)
    refusing_smtp(settings)
    before = timezone.now()
    # Eager: the task cannot wait for a retry; the row records when the next one is due.
    result = tasks.send_notification_email.apply(args=(note.pk,))
    assert result.successful()
    assert result.result is False
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.PENDING
    assert note.email_attempts == 1
    assert note.sending_until is None
    assert note.last_email_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    # The first retry waits 30 s, less up to half of it for jitter.
    assert before + timedelta(seconds=15) <= note.next_attempt_at
    assert note.next_attempt_at <= timezone.now() + timedelta(seconds=30)
    assert mail.outbox == []


def test_a_notification_waiting_for_its_retry_is_not_sent_early(learner, settings):
    [note] = notify_learner(learner)
    refusing_smtp(settings)
    retry_at = notifications.send_notification_email(notification_id=note.pk).retry_at
    assert retry_at is not None
    working_smtp(settings)
    # A second message for the row (the sweep's, a redelivery) before the retry is due.
    assert notifications.send_notification_email(notification_id=note.pk).sent is False
    assert mail.outbox == []
    with time_machine.travel(retry_at):
        assert notifications.send_notification_email(notification_id=note.pk).sent is True
    assert [m.to for m in mail.outbox] == [[learner.email]]


def test_a_notification_being_sent_is_not_sent_by_anyone_else(learner, settings):
    [note] = notify_learner(learner)
    # A sender claimed the row and is talking to the SMTP server (or died doing so).
    claimed = notifications._claim_for_sending(note.pk)
    assert claimed is not None
    note.refresh_from_db()
    assert note.sending_until is not None
    assert note.email_attempts == 1
    assert notifications.send_notification_email(notification_id=note.pk).sent is False
    assert mail.outbox == []
    # Once the claim has lapsed the row may be sent again (at least once, see the service).
    with time_machine.travel(note.sending_until + timedelta(seconds=1)):
        assert notifications.send_notification_email(notification_id=note.pk).sent is True
    assert len(mail.outbox) == 1


def test_a_sending_claim_lapses_at_the_moment_it_ends(learner, settings):
    [note] = notify_learner(learner)
    assert notifications._claim_for_sending(note.pk) is not None
    note.refresh_from_db()
    # Like a retry that is due at retry_at, a claim is over at sending_until itself.
    with time_machine.travel(note.sending_until, tick=False):
        assert notifications.send_notification_email(notification_id=note.pk).sent is True
    assert [m.to for m in mail.outbox] == [[learner.email]]


def test_sweep_never_competes_with_a_pending_retry(learner, settings):
    [note] = notify_learner(learner)
    refusing_smtp(settings)
    retry_at = notifications.send_notification_email(notification_id=note.pk).retry_at
    working_smtp(settings)
    # The row is minutes old, but its retry is scheduled: the sweep leaves it to that retry.
    with time_machine.travel(note.created_at + timedelta(minutes=5)):
        Notification.objects.filter(pk=note.pk).update(
            next_attempt_at=timezone.now() + timedelta(minutes=4)
        )
        assert tasks.send_pending_notifications() == 0
    assert mail.outbox == []
    note.refresh_from_db()
    retry_at = note.next_attempt_at
    # Within the grace period after the retry was due, the retry still owns it.
    with time_machine.travel(retry_at + timedelta(minutes=1)):
        assert tasks.send_pending_notifications() == 0
    # Well past it, the retry was evidently lost (broker down, worker gone): the sweep sends.
    with time_machine.travel(retry_at + timedelta(minutes=3)):
        assert tasks.send_pending_notifications() == 1
    assert [m.to for m in mail.outbox] == [[learner.email]]
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.SENT
    assert note.last_email_error == ""


def test_sweep_takes_over_a_crashed_send_once_its_claim_has_lapsed(learner, settings):
    [note] = notify_learner(learner)
    assert notifications._claim_for_sending(note.pk) is not None  # then the sender died
    note.refresh_from_db()
    with time_machine.travel(note.sending_until + timedelta(minutes=1)):
        assert tasks.send_pending_notifications() == 0
    with time_machine.travel(note.sending_until + timedelta(minutes=3)):
        assert tasks.send_pending_notifications() == 1
        # The sweep's own message, delivered again, finds the row sent.
        assert tasks.send_pending_notifications() == 0
    assert [m.to for m in mail.outbox] == [[learner.email]]
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.SENT
    assert note.email_attempts == 2


def test_retries_wait_longer_each_time_up_to_an_hour(settings):
    settings.NOTIFICATION_EMAIL_RETRY_BACKOFF = timedelta(seconds=30)
    settings.NOTIFICATION_EMAIL_RETRY_BACKOFF_MAX = timedelta(hours=1)
    for attempts, longest in [(1, 30), (2, 60), (3, 120), (8, 3600), (40, 3600)]:
        delay = notifications.compute_retry_delay(attempts)
        assert timedelta(seconds=longest / 2) <= delay <= timedelta(seconds=longest)


def test_gives_up_after_a_day_not_after_a_number_of_attempts(learner, settings):
    [note] = notify_learner(learner)
    refusing_smtp(settings)
    # Far more attempts than the old limit of eight, but less than a day: keep trying.
    Notification.objects.filter(pk=note.pk).update(email_attempts=30)
    retry_at = notifications.send_notification_email(notification_id=note.pk).retry_at
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.PENDING
    assert abs(note.give_up_at - (note.created_at + timedelta(days=1))) < timedelta(seconds=1)
    assert retry_at is not None
    # The backoff would overshoot the deadline; the last attempt falls on it instead.
    with time_machine.travel(note.give_up_at - timedelta(minutes=10)):
        Notification.objects.filter(pk=note.pk).update(next_attempt_at=timezone.now())
        last = notifications.send_notification_email(notification_id=note.pk).retry_at
    assert last == note.give_up_at
    with time_machine.travel(note.give_up_at):
        assert notifications.send_notification_email(notification_id=note.pk).retry_at is None
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.FAILED
    assert note.email_attempts == 33
    assert note.last_email_error.startswith("SMTPServerDisconnected")
    assert note.next_attempt_at is None
    assert mail.outbox == []
    # A failed e-mail is left to staff: the sweep no longer picks it up.
    with time_machine.travel(note.give_up_at + timedelta(hours=1)):
        assert tasks.send_pending_notifications() == 0


def test_resending_a_failed_email_queues_it_with_a_fresh_day(
    learner, other_learner, staff_user, django_capture_on_commit_callbacks
):
    [failed] = notify_learner(learner)
    [sent] = notify_learner(other_learner)
    Notification.objects.filter(pk=failed.pk).update(
        email_state=Notification.EmailState.FAILED, next_attempt_at=None, give_up_at=None
    )
    Notification.objects.filter(pk=sent.pk).update(email_state=Notification.EmailState.SENT)
    with django_capture_on_commit_callbacks(execute=True):
        queued = notifications.resend_failed_emails(
            notification_ids=[failed.pk, sent.pk], by=staff_user
        )
    assert queued == 1
    assert [m.to for m in mail.outbox] == [[learner.email]]
    failed.refresh_from_db()
    assert failed.email_state == Notification.EmailState.SENT
    assert failed.give_up_at is not None
    assert failed.give_up_at > timezone.now() + timedelta(hours=23)


def test_sweep_sends_what_is_still_pending(learner, other_learner):
    first = notify_learner(learner)[0]
    notify_learner(other_learner)
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert tasks.send_pending_notifications() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([learner.email, other_learner.email])
    first.refresh_from_db()
    assert first.email_state == Notification.EmailState.SENT


def test_mark_read_only_touches_the_users_own(learner, other_learner):
    mine = notify_learner(learner)[0]
    theirs = notify_learner(other_learner)[0]
    assert notifications.mark_read(by=learner, notification_ids=[mine.pk, theirs.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_event_survives_a_broker_outage_and_is_delivered_later(
    learner, django_capture_on_commit_callbacks
):
    with broker_unavailable(), django_capture_on_commit_callbacks(execute=True):
        [note] = notify_learner(learner)
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.PENDING
    assert mail.outbox == []
    # The broker is back (eager again here); the beat sweep delivers the pending e-mail.
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert tasks.send_pending_notifications() == 1
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.SENT
    assert [m.to for m in mail.outbox] == [[learner.email]]


def test_each_kind_has_all_three_templates(db):
    user = UserFactory.build(email="x@example.com")
    for kind in [registered.value for registered in list_registered_kinds()]:
        note = Notification(
            recipient=user, kind=kind, subject="s", link="/x/", context={"title": "T"}
        )
        message = build_email(note)
        assert message.subject
        assert "http://127.0.0.1:8000/x/" in message.body
        assert message.alternatives[0][0].startswith("<!doctype html>")


def test_every_email_links_to_the_email_settings(learner):
    [note] = notify_learner(learner)
    message = build_email(note)
    assert "http://127.0.0.1:8000/me/email-settings/" in message.body
    assert 'href="http://127.0.0.1:8000/me/email-settings/"' in message.alternatives[0][0]


def test_redelivery_settings_agree_with_the_outbox_claim(settings):
    task = tasks.send_notification_email
    # A worker that dies before acknowledging leaves the message for redelivery...
    assert task.acks_late is True
    # ...but a killed pool process does not bring it back: the sweep owns crashed sends.
    assert task.reject_on_worker_lost is False
    # A Celery retry is held by the worker until due; Redis must not hand it out again first.
    visibility = timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
    assert visibility > settings.NOTIFICATION_EMAIL_TASK_RETRY_MAX
    # A hung sender is stopped no later than its claim lapses.
    assert task.time_limit <= settings.NOTIFICATION_EMAIL_SEND_LEASE.total_seconds()
    # The claim outlasts a whole SMTP conversation at EMAIL_TIMEOUT per step.
    assert timedelta(seconds=4 * 20) < settings.NOTIFICATION_EMAIL_SEND_LEASE


# --- E-mail to an address that has no account


def email_invitee(**extra):
    return notifications.notify_address(
        address="newcomer@example.org",
        kind=ISSUER_INVITATION_SIGNUP,
        subject="Example Institute invites you to join them as assessor",
        link="/invitations/secret-token/",
        context={"issuer": "Example Institute", "role": "assessor", "inviter": "Ada"},
        **extra,
    )


def test_an_address_without_an_account_is_emailed_after_commit_and_not_kept_in_any_inbox(
    learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note = email_invitee()
        assert mail.outbox == []
    assert len(callbacks) == 1
    [message] = mail.outbox
    assert message.to == ["newcomer@example.org"]
    assert message.subject == "Example Institute invites you to join them as assessor on Unbundled"
    assert "http://127.0.0.1:8000/invitations/secret-token/" in message.body
    html = message.alternatives[0][0]
    assert 'href="http://127.0.0.1:8000/invitations/secret-token/"' in html
    # Nobody's account: no settings to turn it off, and no inbox holds it.
    assert "email-settings" not in message.body + html
    assert "someone invited this address" in html
    assert note.recipient is None
    assert Notification.objects.filter(recipient__isnull=False).count() == 0
    assert Notification.objects.get().to_address == "newcomer@example.org"


def test_an_addresss_one_time_link_is_dropped_once_the_email_is_sent(learner):
    note = email_invitee()
    [sent_to_learner] = notify_learner(learner)
    assert notifications.send_notification_email(notification_id=note.pk).sent is True
    assert notifications.send_notification_email(notification_id=sent_to_learner.pk).sent
    note.refresh_from_db()
    sent_to_learner.refresh_from_db()
    assert note.email_state == Notification.EmailState.SENT
    assert note.link == ""
    # An inbox row keeps its link: the learner still follows it from the inbox.
    assert sent_to_learner.link == "/c/abc/"
    # Sending again is a no-op, as for any row.
    assert notifications.send_notification_email(notification_id=note.pk).sent is False
    assert len(mail.outbox) == 2


def test_an_addresss_email_is_retried_through_an_outage_and_sent_once(learner, settings):
    note = email_invitee()
    refusing_smtp(settings)
    retry_at = notifications.send_notification_email(notification_id=note.pk).retry_at
    note.refresh_from_db()
    assert retry_at is not None
    assert note.email_state == Notification.EmailState.PENDING
    # The link is kept until it has been delivered.
    assert note.link == "/invitations/secret-token/"
    working_smtp(settings)
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert tasks.send_pending_notifications() == 1
        assert tasks.send_pending_notifications() == 0
    assert [m.to for m in mail.outbox] == [["newcomer@example.org"]]
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.SENT
    assert note.email_attempts == 2


def test_an_addresss_email_with_a_dedupe_key_is_recorded_once(db):
    assert email_invitee(dedupe_key="issuer-invitation:1:x") is not None
    assert email_invitee(dedupe_key="issuer-invitation:1:x") is None
    assert Notification.objects.count() == 1


@pytest.mark.parametrize("addressed_to", ["both", "neither"])
def test_a_row_has_exactly_one_addressee(learner, addressed_to):
    fields = (
        {"recipient": learner, "to_address": "someone@example.org"}
        if addressed_to == "both"
        else {"recipient": None, "to_address": ""}
    )
    with pytest.raises(IntegrityError):
        Notification.objects.create(kind=KIND, subject="s", **fields)


def test_an_addresss_email_is_withheld_like_any_other(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with notifications.emails_withheld():
            withheld = email_invitee()
        sent = email_invitee(dedupe_key="sent")

    assert withheld.email_state == Notification.EmailState.SKIPPED
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [["newcomer@example.org"]]
    sent.refresh_from_db()
    assert sent.email_state == Notification.EmailState.SENT
