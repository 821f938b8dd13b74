"""Jobs that run on a schedule (CELERY_BEAT_SCHEDULE), not at anyone's request."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import notification_kinds
from assessments.models import Application
from assessments.verbs import APPLICATION_WAITING_FLAGGED, WaitingFlagged
from credentials.verbs import issuer_scope
from portfolio.events import record_event
from portfolio.services.notifications import notify


def flag_waiting_applications(*, now: datetime | None = None) -> int:
    """Tell issuer staff about applications queued longer than APPLICATION_WAITING_DAYS.

    Once per application and round (dedupe key), so the daily run never repeats itself; each
    application whose staff were told records one event. Returns how many notifications were
    recorded.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.APPLICATION_WAITING_DAYS)
    waiting = (
        Application.objects.awaiting_review()
        .filter(submitted_at__lte=cutoff)
        .select_related("micro_credential__issuer", "learner__profile")
        .order_by("submitted_at")
    )
    recorded = 0
    for application in waiting:
        staff = application.micro_credential.issuer.staff.filter(is_active=True)
        with transaction.atomic():
            notified = len(
                notify(
                    recipients=staff,
                    kind=notification_kinds.APPLICATION_WAITING,
                    subject=_("Waiting for review: %(title)s")
                    % {"title": application.micro_credential.title},
                    link=reverse("assessments:queue"),
                    context={
                        "title": application.micro_credential.title,
                        "learner": application.learner.profile.display_name,
                        # submitted_at__lte above leaves out applications without one.
                        "days": (now - cast(datetime, application.submitted_at)).days,
                    },
                    dedupe_key=f"application-waiting:{application.pk}:{application.round}",
                )
            )
            if notified:
                record_event(
                    APPLICATION_WAITING_FLAGGED,
                    by=None,
                    target=application,
                    owner=application.learner,
                    scope=issuer_scope(application.micro_credential.issuer_id),
                    payload=WaitingFlagged(round=application.round, notified=notified),
                )
            recorded += notified
    return recorded
