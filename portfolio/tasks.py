"""Celery tasks for notifications. Thin: each loads by id and calls a service."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from portfolio.selectors import list_due_notification_ids
from portfolio.services import notifications


@shared_task(
    bind=True,
    # Safe because sending is idempotent (the row's claim decides). A worker that dies
    # before acknowledging leaves the message to the broker, which delivers it again after
    # its visibility timeout; by then the sweep has usually sent the row and it is skipped.
    acks_late=True,
    # Not redelivered when the worker process is killed mid-task: the sweep alone recovers
    # a crashed send, once the row's claim has lapsed (see portfolio.services.notifications
    # for why that makes delivery at least once). A message that kills its worker would
    # otherwise come back, and kill it, for ever.
    reject_on_worker_lost=False,
    # A sender that hangs is stopped before its claim lapses and someone else sends the row.
    time_limit=max(1, int(settings.NOTIFICATION_EMAIL_SEND_LEASE.total_seconds())),
)
def send_notification_email(self: Task[[int], bool], notification_id: int) -> bool:
    attempt = notifications.send_notification_email(notification_id=notification_id)
    if attempt.retry_at is None or self.request.is_eager:
        # Without a broker nothing can wait for a retry; the row keeps its next_attempt_at.
        return attempt.sent
    wait = attempt.retry_at - timezone.now()
    if wait <= settings.NOTIFICATION_EMAIL_TASK_RETRY_MAX:
        # Short waits are a Celery retry (a message the worker holds until it is due).
        # Longer ones are left to the sweep: an ETA message held longer than Redis's
        # visibility timeout is delivered a second time.
        raise self.retry(eta=attempt.retry_at, max_retries=None)
    return False


@shared_task
def send_pending_notifications() -> int:
    """Beat sweep: enqueue e-mails whose own task or retry is overdue (e.g. the broker was down)."""
    due = list_due_notification_ids()
    for notification_id in due:
        send_notification_email.delay(notification_id)
    return len(due)
