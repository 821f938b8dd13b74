"""Reads of portfolio data that have more than one caller or non-trivial joins."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from portfolio.models import (
    EmailPreference,
    EvidenceItem,
    LearnerProfile,
    Notification,
    Skill,
    User,
)
from portfolio.notification_kinds import list_kinds_for_role
from portfolio.prepared import PreparedLookup


def get_profile_for_owner(*, user: User) -> LearnerProfile:
    """The learner's own profile (created at sign-up by portfolio.services.profiles)."""
    return LearnerProfile.objects.get(user=user)


def has_display_name(*, learner: User) -> bool:
    """Whether the learner has given a name (what credentials are awarded to); one query."""
    # Every form and ensure_profile strip names, so a blank one is exactly "".
    return LearnerProfile.objects.filter(user=learner).exclude(display_name="").exists()


def list_evidence(
    *, owner: User, kind: str | None = None, skill: Skill | None = None
) -> QuerySet[EvidenceItem]:
    """A learner's evidence, newest first, with skills prefetched for the cards."""
    items = EvidenceItem.objects.filter(owner=owner)
    if kind:
        items = items.filter(kind=kind)
    if skill is not None:
        items = items.filter(skills=skill)
    return items.prefetch_related(
        Prefetch("skills", queryset=Skill.objects.only("id", "name", "slug"))
    ).order_by("-created_at", "-pk")


def count_evidence_by_kind(*, owner: User) -> dict[str, int]:
    counts = dict.fromkeys(EvidenceItem.Kind.values, 0)
    for row in EvidenceItem.objects.filter(owner=owner).values("kind").annotate(n=Count("pk")):
        counts[row["kind"]] = row["n"]
    return counts


def list_public_evidence(*, owner: User) -> QuerySet[EvidenceItem]:
    """The items a learner chose to show, in their chosen order."""
    return (
        EvidenceItem.objects.filter(owner=owner, is_public=True)
        .prefetch_related(Prefetch("skills", queryset=Skill.objects.only("id", "name", "slug")))
        .order_by("public_position", "pk")
    )


def list_evidence_for_curation(*, owner: User) -> QuerySet[EvidenceItem]:
    """All of a learner's items for the curation table: public ones first, in page order."""
    return EvidenceItem.objects.filter(owner=owner).order_by(
        "-is_public", "public_position", "-created_at", "-pk"
    )


def list_notifications(*, user: User) -> QuerySet[Notification]:
    """The user's inbox, newest first (the notification_inbox_idx index)."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


# Counted for the header on every page a signed-in user opens: its SQL is built once per
# process (portfolio.prepared says why).
_unread_count = PreparedLookup(
    lambda recipient_id: (
        Notification.objects.filter(recipient_id=recipient_id, read_at__isnull=True)
        .order_by()
        .values("recipient_id")
        .annotate(unread=Count("pk"))
        .values_list("unread")
    ),
    placeholder=-1,
    field=Notification._meta.get_field("recipient"),
)


def count_unread_notifications(*, user: User) -> int:
    """How many of the user's notifications are unread: one COUNT query."""
    row = _unread_count.first(user.pk)
    return int(row[0]) if row is not None else 0


def list_email_kinds(*, user: User) -> tuple[str, ...]:
    """The kinds of notification the user's role can receive, in the order the page lists them."""
    return list_kinds_for_role(user.role)


def list_enabled_email_kinds(*, user: User) -> set[str]:
    """The kinds of notification the user still wants e-mailed: all but those turned off."""
    turned_off = EmailPreference.objects.filter(user=user, is_enabled=False).values_list(
        "kind", flat=True
    )
    return set(list_email_kinds(user=user)) - set(turned_off)


def list_due_notification_ids(*, limit: int = 500) -> list[int]:
    """Pending e-mails whose own task or scheduled retry is overdue, or whose sender vanished.

    A row is left to its own task (or Celery retry) until next_attempt_at is
    NOTIFICATION_EMAIL_SWEEP_GRACE in the past, and to its sender until sending_until is.
    """
    cutoff = timezone.now() - settings.NOTIFICATION_EMAIL_SWEEP_GRACE
    return list(
        Notification.objects.filter(
            email_state=Notification.EmailState.PENDING, next_attempt_at__lte=cutoff
        )
        .filter(Q(sending_until__isnull=True) | Q(sending_until__lte=cutoff))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
