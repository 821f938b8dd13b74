"""The notification inbox and e-mail outbox, in one table.

notify() writes one row per recipient inside the caller's transaction and, after commit,
asks Celery to e-mail it. If the broker is down the row simply stays pending and the
periodic sweep (send_pending_notifications) delivers it later: an event is never lost.

Each pending row carries its own claim, so however many task messages name it (its first
task, a Celery retry, the sweep's, a broker redelivery) only one of them works on it at a time:

- next_attempt_at: not tried before then. After a failure it is the moment of the retry
  that is already scheduled, and the sweep leaves the row alone until that moment is
  NOTIFICATION_EMAIL_SWEEP_GRACE overdue, so the sweep never competes with a pending retry;
  it only stands in for a retry that was lost (broker down, worker gone).
- sending_until: set, and committed, before the SMTP server is contacted; nobody else
  sends the row until it has passed.
- give_up_at: a day (NOTIFICATION_EMAIL_GIVE_UP_AFTER) after the e-mail was queued, not a
  number of attempts. The row is then marked failed; staff see failed e-mails in the admin
  and can resend them.

Delivery is at least once, on purpose. A sender killed after claiming the row (kill -9, the
machine lost, a hard time limit) leaves no record of whether the SMTP server took the message;
once its claim has lapsed, the sweep sends it again. Losing an e-mail (a decision, a changed
status) is worse than the rare duplicate, which happens only if the server had accepted the
message in the moment before the sender died. Broker redelivery does not add a second re-send:
a redelivered message finds the row sent, or claimed, or not yet due, and does nothing; the
sweep alone recovers a crashed send.

notify_address() puts a row in the same outbox for an address that has no account (an
invitation to sign up): no inbox, no e-mail preferences, the same claim, retries and sweep.
Its link is a one-time secret (a sign-up token), so it is blanked once the e-mail is sent:
the database then keeps nothing that would let someone take up what was delivered.
"""

from __future__ import annotations

import logging
import random
import smtplib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from portfolio.emails import build_email
from portfolio.events import record_event
from portfolio.models import EmailPreference, Notification, User
from portfolio.notification_kinds import is_registered
from portfolio.selectors import list_email_kinds
from portfolio.verbs import (
    EMAIL_PREFERENCES_SET,
    FAILED_EMAILS_RESENT,
    NOTIFICATIONS_READ,
    EmailPreferencesSet,
    FailedEmailsResent,
    NotificationsRead,
)

logger = logging.getLogger(__name__)

# What a down, refusing or unreachable mail server raises: worth trying again later.
TRANSIENT_EMAIL_ERRORS = (smtplib.SMTPException, OSError)

# Set only inside emails_withheld(); a context variable, so other threads and requests of the
# same process notify as usual.
_emails_withheld: ContextVar[bool] = ContextVar("emails_withheld", default=False)


@contextmanager
def emails_withheld() -> Iterator[None]:
    """Within the block, notify() records in-app notifications with their e-mail skipped
    (and notify_address() records its outbox row skipped).

    For the demo loader, which plays made-up events through the real services: their
    notifications belong in the demo's inboxes, but no e-mail about them may be queued or sent,
    whatever the mail and broker settings. Nothing is enqueued for a skipped e-mail, so nothing
    reaches the broker either.
    """
    token = _emails_withheld.set(True)
    try:
        yield
    finally:
        _emails_withheld.reset(token)


@dataclass(frozen=True)
class EmailAttempt:
    """What one call of send_notification_email did."""

    sent: bool
    # After a failed attempt: when the next one is due (the row's next_attempt_at).
    retry_at: datetime | None = None


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
    already have it. Recipients who turned this kind of e-mail off still get the in-app row, as
    does everyone while emails_withheld() is in force. Raises ValueError for a kind no app
    registered (portfolio.notification_kinds), which would have no label and no e-mail.
    """
    if not is_registered(kind):
        raise ValueError(f"No app registered the notification kind {kind!r}.")
    created: list[Notification] = []
    now = timezone.now()
    recipients = list(recipients)
    disabled = set(
        EmailPreference.objects.filter(
            user__in=recipients, kind=kind, is_enabled=False
        ).values_list("user_id", flat=True)
    )
    for user in recipients:
        notification = _record(
            recipient=user,
            kind=kind,
            subject=subject,
            link=link,
            context=dict(context or {}),
            dedupe_key=f"{dedupe_key}:{user.pk}" if dedupe_key else None,
            **(
                {"email_state": Notification.EmailState.SKIPPED}
                if user.pk in disabled or _emails_withheld.get()
                else _queued_email_fields(now)
            ),
        )
        if notification is not None:
            created.append(notification)
    return created


@dataclass(frozen=True)
class Note:
    """One recipient's notification, for notify_each()."""

    recipient: User
    subject: str
    link: str = ""
    context: Mapping[str, object] | None = None


def notify_each(*, kind: str, notes: Sequence[Note]) -> list[Notification]:
    """notify() for many recipients, each with a message of their own, in a fixed number of
    queries (for reactions to many events at once, e.g. a bulk issuance).

    No dedupe key: each note is recorded. E-mail preferences and emails_withheld() apply as
    in notify(); the e-mails are queued after commit, and any the broker refuses are left
    pending for the sweep. Raises ValueError for a kind no app registered.
    """
    from portfolio import tasks  # tasks imports this module's senders

    if not is_registered(kind):
        raise ValueError(f"No app registered the notification kind {kind!r}.")
    now = timezone.now()
    disabled = set(
        EmailPreference.objects.filter(
            user__in=[note.recipient for note in notes], kind=kind, is_enabled=False
        ).values_list("user_id", flat=True)
    )
    rows = Notification.objects.bulk_create(
        Notification(
            recipient=note.recipient,
            kind=kind,
            subject=note.subject,
            link=note.link,
            context=dict(note.context or {}),
            **(
                {"email_state": Notification.EmailState.SKIPPED}
                if note.recipient.pk in disabled or _emails_withheld.get()
                else _queued_email_fields(now)
            ),
        )
        for note in notes
    )
    for row in rows:
        if row.email_state == Notification.EmailState.PENDING:
            # As in _record: robust, and the sweep stands in for a refused task.
            transaction.on_commit(partial(tasks.send_notification_email.delay, row.pk), robust=True)
    return rows


def notify_address(
    *,
    address: str,
    kind: str,
    subject: str,
    link: str,
    context: Mapping[str, object] | None = None,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Queue an e-mail to an address with no account, in the caller's transaction.

    The row is outbox only (no recipient, so in nobody's inbox) and is sent like any
    notification's e-mail, except within emails_withheld(). Its link is blanked once sent
    (see the module docstring). With a dedupe_key a repeated call is a no-op and returns None.
    Raises ValueError for a kind no app registered, as notify() does.
    """
    if not is_registered(kind):
        raise ValueError(f"No app registered the notification kind {kind!r}.")
    return _record(
        to_address=address,
        kind=kind,
        subject=subject,
        link=link,
        context=dict(context or {}),
        dedupe_key=dedupe_key,
        **(
            {"email_state": Notification.EmailState.SKIPPED}
            if _emails_withheld.get()
            else _queued_email_fields(timezone.now())
        ),
    )


def _record(*, dedupe_key: str | None, **fields: object) -> Notification | None:
    """Write one outbox row and queue its e-mail after commit; None if it was a repeat."""
    from portfolio import tasks  # tasks imports this module's senders

    if dedupe_key is not None and Notification.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(dedupe_key=dedupe_key, **fields)
    except IntegrityError:
        return None  # a concurrent call recorded the same deduplicated event
    if notification.email_state == Notification.EmailState.PENDING:
        # robust: a broker outage after commit must not turn the caller's saved work
        # into an error; the sweep picks the pending row up.
        transaction.on_commit(
            partial(tasks.send_notification_email.delay, notification.pk), robust=True
        )
    return notification


def _queued_email_fields(now: datetime) -> dict[str, object]:
    """A pending e-mail, due now, given up a day (NOTIFICATION_EMAIL_GIVE_UP_AFTER) from now."""
    return {
        "email_state": Notification.EmailState.PENDING,
        "next_attempt_at": now,
        "sending_until": None,
        "give_up_at": now + settings.NOTIFICATION_EMAIL_GIVE_UP_AFTER,
    }


def send_notification_email(*, notification_id: int) -> EmailAttempt:
    """E-mail one pending notification if it is due and nobody else is sending it.

    Idempotent: a sent, skipped, failed, claimed or not yet due row is left alone. A failure
    of the mail server is recorded on the row, with the time of the next attempt (returned
    as retry_at), or marks the row failed once give_up_at has passed; other errors propagate
    and leave the claim to lapse, after which the sweep tries again.
    """
    notification = _claim_for_sending(notification_id)
    if notification is None:
        return EmailAttempt(sent=False)
    try:
        build_email(notification).send()
    except TRANSIENT_EMAIL_ERRORS as error:
        return _record_failed_attempt(notification, error)
    Notification.objects.filter(
        pk=notification.pk, email_state=Notification.EmailState.PENDING
    ).update(
        email_state=Notification.EmailState.SENT,
        emailed_at=timezone.now(),
        next_attempt_at=None,
        sending_until=None,
        last_email_error="",
        # An address's one-time link is not kept once delivered (module docstring).
        **({"link": ""} if notification.recipient_id is None else {}),
    )
    return EmailAttempt(sent=True)


def _claim_for_sending(notification_id: int) -> Notification | None:
    # The claim is committed before the mail server is contacted: a sender that dies in the
    # middle leaves a row that says it may have been sent, and nobody sends it again until
    # sending_until has passed.
    now = timezone.now()
    with transaction.atomic():
        notification = (
            # of=self: PostgreSQL cannot lock the nullable side of the outer join to recipient.
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.email_state != Notification.EmailState.PENDING:
            return None
        # Another sender holds it.
        if notification.sending_until is not None and notification.sending_until > now:
            return None
        # A retry is scheduled for later; this is a stale message (a sweep's or a redelivery).
        if notification.next_attempt_at is not None and notification.next_attempt_at > now:
            return None
        notification.email_attempts += 1
        notification.sending_until = now + settings.NOTIFICATION_EMAIL_SEND_LEASE
        notification.save(update_fields=["email_attempts", "sending_until"])
    return notification


def _record_failed_attempt(notification: Notification, error: Exception) -> EmailAttempt:
    now = timezone.now()
    description = f"{type(error).__name__}: {error}"[:500]
    pending = Notification.objects.filter(
        pk=notification.pk, email_state=Notification.EmailState.PENDING
    )
    give_up_at = notification.give_up_at or now
    if now >= give_up_at:
        pending.update(
            email_state=Notification.EmailState.FAILED,
            next_attempt_at=None,
            sending_until=None,
            last_email_error=description,
        )
        logger.error(
            "Gave up e-mailing notification %s after %s attempts: %s",
            notification.pk,
            notification.email_attempts,
            description,
        )
        return EmailAttempt(sent=False)
    # The last attempt falls on give_up_at itself, so the mail server gets the whole day.
    retry_at = min(now + compute_retry_delay(notification.email_attempts), give_up_at)
    pending.update(next_attempt_at=retry_at, sending_until=None, last_email_error=description)
    logger.warning(
        "E-mailing notification %s failed (attempt %s, %s); next attempt at %s",
        notification.pk,
        notification.email_attempts,
        description,
        retry_at.isoformat(),
    )
    return EmailAttempt(sent=False, retry_at=retry_at)


def compute_retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter: the wait after the attempts-th failed attempt."""
    base: timedelta = settings.NOTIFICATION_EMAIL_RETRY_BACKOFF
    ceiling: timedelta = settings.NOTIFICATION_EMAIL_RETRY_BACKOFF_MAX
    delay: timedelta = min(base * 2 ** max(attempts - 1, 0), ceiling)
    # Jitter spreads the retries of many e-mails that failed together (one outage); it
    # decides timing only, so the standard generator is enough.
    return delay * random.uniform(0.5, 1.0)  # noqa: S311


@transaction.atomic(durable=True)
def resend_failed_emails(*, notification_ids: Iterable[int], by: User) -> int:
    """Queue failed e-mails again, with a fresh day before they are given up.

    Only failed rows are touched (a sent e-mail is never sent twice this way). Enqueues the
    e-mail task for each after commit; returns how many were queued. Records one event
    listing them, or none if none was failed.
    """
    from portfolio import tasks  # tasks imports this module's senders

    now = timezone.now()
    failed = list(
        Notification.objects.select_for_update()
        .filter(pk__in=list(notification_ids), email_state=Notification.EmailState.FAILED)
        .values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=failed).update(**_queued_email_fields(now))
    for notification_id in failed:
        transaction.on_commit(
            partial(tasks.send_notification_email.delay, notification_id), robust=True
        )
    if failed:
        record_event(
            FAILED_EMAILS_RESENT,
            by=by,
            target=None,
            payload=FailedEmailsResent(notification_ids=tuple(failed)),
        )
        logger.info("%s queued %s failed e-mail(s) again: %s", by, len(failed), failed)
    return len(failed)


@transaction.atomic(durable=True)
def mark_read(*, by: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when no ids are given).

    Returns how many were unread; records an event only if there were any.
    """
    unread = Notification.objects.filter(recipient=by, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    count = unread.update(read_at=timezone.now())
    if count:
        # The inbox is the object, and the user stands for it.
        record_event(
            NOTIFICATIONS_READ,
            by=by,
            target=by,
            owner=by,
            payload=NotificationsRead(count=count),
        )
    return count


@transaction.atomic(durable=True)
def set_email_preferences(*, by: User, enabled_kinds: Iterable[str]) -> None:
    """Store which kinds of e-mail the user wants; every other kind their role receives is
    turned off (kinds their role never receives are left alone)."""
    enabled = set(enabled_kinds)
    kinds = list(list_email_kinds(user=by))
    for kind in kinds:
        EmailPreference.objects.update_or_create(
            user=by, kind=kind, defaults={"is_enabled": kind in enabled}
        )
    record_event(
        EMAIL_PREFERENCES_SET,
        by=by,
        target=by,
        owner=by,
        payload=EmailPreferencesSet(
            enabled_kinds=tuple(str(kind) for kind in kinds if kind in enabled),
            disabled_kinds=tuple(str(kind) for kind in kinds if kind not in enabled),
        ),
    )
