"""Celery tasks for notifications. Thin: each loads by id and calls a service."""

from __future__ import annotations

import smtplib
from datetime import timedelta

from celery import shared_task

from portfolio.services import notifications


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=6,
    acks_late=True,
)
def send_notification_email(notification_id: int) -> bool:
    # Idempotent (a sent notification is skipped), so acks_late re-delivery is safe.
    return notifications.send_notification_email(notification_id=notification_id)


@shared_task
def send_pending_notifications() -> int:
    """Beat sweep: enqueue e-mails whose first enqueue was lost (e.g. the broker was down)."""
    pending = notifications.list_pending_notification_ids(older_than=timedelta(minutes=2))
    for notification_id in pending:
        send_notification_email.delay(notification_id)
    return len(pending)
