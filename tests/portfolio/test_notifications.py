import smtplib
from datetime import timedelta

import time_machine
from django.core import mail
from django.utils import timezone

from portfolio import tasks
from portfolio.models import Notification
from portfolio.services import notifications
from tests.celery_helpers import broker_unavailable, eager_errors_contained
from tests.factories import UserFactory

KIND = Notification.Kind.CREDENTIAL_ISSUED


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
    notifications.set_email_preferences(user=learner, enabled_kinds=[])
    with django_capture_on_commit_callbacks(execute=True):
        [note] = notify_learner(learner)
    assert note.email_state == Notification.EmailState.SKIPPED
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=learner, read_at__isnull=True).count() == 1


def test_deduplicated_events_are_recorded_once(learner):
    notify_learner(learner, dedupe_key="credential-expiring:1")
    assert notify_learner(learner, dedupe_key="credential-expiring:1") == []
    assert Notification.objects.count() == 1


def test_sending_twice_sends_one_email(learner):
    [note] = notify_learner(learner)
    assert notifications.send_notification_email(notification_id=note.pk) is True
    assert notifications.send_notification_email(notification_id=note.pk) is False
    assert len(mail.outbox) == 1


def test_smtp_failure_keeps_the_notification_pending_and_retries(learner, settings):
    [note] = notify_learner(learner)
    settings.MAILERS = {"default": {"BACKEND": "tests.mail_backends.DisconnectingSMTPBackend"}}
    # Eager apply() replays the task's retries in-process until max_retries is spent.
    with eager_errors_contained():
        result = tasks.send_notification_email.apply(args=(note.pk,))
    assert result.failed()
    assert isinstance(result.result, smtplib.SMTPServerDisconnected)
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.PENDING
    # One initial try plus the task's six retries, each counted.
    assert note.email_attempts == 7


def test_sweep_sends_what_is_still_pending(learner, other_learner):
    first = notify_learner(learner)[0]
    notify_learner(other_learner)
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert tasks.send_pending_notifications() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([learner.email, other_learner.email])
    first.refresh_from_db()
    assert first.email_state == Notification.EmailState.SENT


def test_gives_up_after_the_attempt_limit(learner):
    [note] = notify_learner(learner)
    Notification.objects.filter(pk=note.pk).update(email_attempts=notifications.MAX_EMAIL_ATTEMPTS)
    assert notifications.send_notification_email(notification_id=note.pk) is False
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.FAILED
    assert mail.outbox == []


def test_mark_read_only_touches_the_users_own(learner, other_learner):
    mine = notify_learner(learner)[0]
    theirs = notify_learner(other_learner)[0]
    assert notifications.mark_read(user=learner, notification_ids=[mine.pk, theirs.pk]) == 1
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
    for kind in Notification.Kind.values:
        note = Notification(
            recipient=user, kind=kind, subject="s", link="/x/", context={"title": "T"}
        )
        message = notifications.build_email(note)
        assert message.subject
        assert "http://127.0.0.1:8000/x/" in message.body
        assert message.alternatives[0][0].startswith("<!doctype html>")


def test_every_email_links_to_the_email_settings(learner):
    [note] = notify_learner(learner)
    message = notifications.build_email(note)
    assert "http://127.0.0.1:8000/me/email-settings/" in message.body
    assert 'href="http://127.0.0.1:8000/me/email-settings/"' in message.alternatives[0][0]
