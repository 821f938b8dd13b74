import time_machine
from django.core import mail

from portfolio import tasks
from portfolio.models import Notification
from portfolio.services import notifications
from tests.celery_helpers import broker_unavailable
from tests.factories import UserFactory
from tests.portfolio.test_notifications import notify_learner, refusing_smtp


def test_the_attempt_that_gives_up_reports_nothing_sent(learner, settings):
    [note] = notify_learner(learner)
    refusing_smtp(settings)
    note.refresh_from_db()
    with time_machine.travel(note.give_up_at):
        attempt = notifications.send_notification_email(notification_id=note.pk)
    assert attempt.sent is False
    assert attempt.retry_at is None
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.FAILED


def test_an_attempt_failing_at_the_very_give_up_moment_gives_up(learner, settings):
    [note] = notify_learner(learner)
    refusing_smtp(settings)
    note.refresh_from_db()
    # The clock stands still on give_up_at: the last attempt is the one made at that moment,
    # not one more scheduled for the same instant.
    with time_machine.travel(note.give_up_at, tick=False):
        attempt = notifications.send_notification_email(notification_id=note.pk)
    assert (attempt.sent, attempt.retry_at) == (False, None)
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.FAILED
    assert note.next_attempt_at is None


def test_the_task_reports_a_failed_attempt_as_not_sent(learner, settings):
    [note] = notify_learner(learner)
    refusing_smtp(settings)
    note.refresh_from_db()
    with time_machine.travel(note.give_up_at):
        assert tasks.send_notification_email.apply(args=(note.pk,)).get() is False
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.FAILED


def test_resending_while_the_broker_is_down_still_queues_the_email(
    learner, django_capture_on_commit_callbacks
):
    staff = UserFactory(is_staff=True)
    [failed] = notify_learner(learner)
    Notification.objects.filter(pk=failed.pk).update(
        email_state=Notification.EmailState.FAILED, next_attempt_at=None, give_up_at=None
    )
    # The enqueue after commit fails; the staff member's action must not, and the row is
    # pending again, so the sweep delivers it once the broker is back.
    with broker_unavailable(), django_capture_on_commit_callbacks(execute=True):
        assert notifications.resend_failed_emails(notification_ids=[failed.pk], by=staff) == 1
    failed.refresh_from_db()
    assert failed.email_state == Notification.EmailState.PENDING
    assert mail.outbox == []


def test_a_long_smtp_reply_is_kept_up_to_the_fields_length(learner, settings):
    [note] = notify_learner(learner)
    settings.MAILERS = {"default": {"BACKEND": "tests.mail_backends.VerboseRefusingSMTPBackend"}}
    attempt = notifications.send_notification_email(notification_id=note.pk)
    assert attempt.sent is False
    note.refresh_from_db()
    limit = Notification._meta.get_field("last_email_error").max_length
    assert len(note.last_email_error) == limit
    assert note.last_email_error.startswith("SMTPDataError: (554, ")
    assert "Mailbox unavailable: policy detail" in note.last_email_error
