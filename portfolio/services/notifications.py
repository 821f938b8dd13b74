"""The notification inbox and e-mail outbox, in one table.

notify() writes one row per recipient inside the caller's transaction and, after commit,
asks Celery to e-mail it. If the broker is down the row simply stays pending and the
periodic sweep (send_pending_notifications) delivers it later: an event is never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portfolio.models import EmailPreference, Notification, User
from portfolio.selectors import list_email_kinds

logger = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 8


def is_email_enabled(*, user: User, kind: str) -> bool:
    return not EmailPreference.objects.filter(user=user, kind=kind, is_enabled=False).exists()


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    subject: str,
    link: str = "",
    context: Mapping[str, object] | None = None,
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Record a notification for each recipient and e-mail it after commit.

    With a dedupe_key (suffixed per recipient) a repeated call is a no-op for recipients who
    already have it. Recipients who turned this kind of e-mail off still get the in-app row.
    """
    from portfolio import tasks  # tasks imports this module's senders

    created: list[Notification] = []
    recipients = list(recipients)
    disabled = set(
        EmailPreference.objects.filter(
            user__in=recipients, kind=kind, is_enabled=False
        ).values_list("user_id", flat=True)
    )
    for user in recipients:
        key = f"{dedupe_key}:{user.pk}" if dedupe_key else None
        if key is not None and Notification.objects.filter(dedupe_key=key).exists():
            continue
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=user,
                    kind=kind,
                    subject=subject,
                    link=link,
                    context=dict(context or {}),
                    dedupe_key=key,
                    email_state=(
                        Notification.EmailState.SKIPPED
                        if user.pk in disabled
                        else Notification.EmailState.PENDING
                    ),
                )
        except IntegrityError:
            continue  # a concurrent call recorded the same deduplicated event
        created.append(notification)
        if notification.email_state == Notification.EmailState.PENDING:
            # robust: a broker outage after commit must not turn the caller's saved work
            # into an error; the sweep picks the pending row up.
            transaction.on_commit(
                partial(tasks.send_notification_email.delay, notification.pk), robust=True
            )
    return created


def send_notification_email(*, notification_id: int) -> bool:
    """E-mail one pending notification; idempotent (a sent or skipped one is left alone).

    Returns True if an e-mail went out. Exceptions from the mail backend propagate so the
    Celery task can retry; the attempt is counted first.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.email_state != Notification.EmailState.PENDING:
            return False
        notification.email_attempts += 1
        if notification.email_attempts > MAX_EMAIL_ATTEMPTS:
            notification.email_state = Notification.EmailState.FAILED
            notification.save(update_fields=["email_attempts", "email_state"])
            logger.error(
                "Giving up e-mailing notification %s after %s attempts",
                notification.pk,
                MAX_EMAIL_ATTEMPTS,
            )
            return False
        notification.save(update_fields=["email_attempts"])

    message = build_email(notification)
    message.send()

    Notification.objects.filter(
        pk=notification.pk, email_state=Notification.EmailState.PENDING
    ).update(email_state=Notification.EmailState.SENT, emailed_at=timezone.now())
    return True


def build_email(notification: Notification) -> EmailMultiAlternatives:
    context = {
        **notification.context,
        "notification": notification,
        "recipient": notification.recipient,
        "site_name": settings.SITE_NAME,
        "link": absolute_url(notification.link) if notification.link else "",
        "settings_link": absolute_url(reverse("portfolio:email-settings")),
    }
    template = f"emails/{notification.kind}"
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}_body.txt", context),
        to=[notification.recipient.email],
    )
    message.attach_alternative(render_to_string(f"{template}_body.html", context), "text/html")
    return message


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def list_pending_notification_ids(*, older_than: timedelta) -> list[int]:
    """Pending e-mails old enough that their own task should already have sent them."""
    cutoff = timezone.now() - older_than
    return list(
        Notification.objects.filter(
            email_state=Notification.EmailState.PENDING, created_at__lte=cutoff
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


@transaction.atomic(durable=True)
def mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when no ids are given)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


@transaction.atomic(durable=True)
def set_email_preferences(*, user: User, enabled_kinds: Iterable[str]) -> None:
    """Store which kinds of e-mail the user wants; every other kind their role receives is
    turned off (kinds their role never receives are left alone)."""
    enabled = set(enabled_kinds)
    for kind in list_email_kinds(user=user):
        EmailPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"is_enabled": kind in enabled}
        )
