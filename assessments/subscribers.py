"""What assessments does when its events are recorded: tell the people concerned.

Each reaction runs inside the transaction that recorded the event (Phase.IN_TRANSACTION), so
its notification row, the e-mail outbox, commits with the change and is e-mailed only after
commit. A reaction that fails is logged and undone alone (portfolio.events); the change stands.
Subscribed from AssessmentsConfig.ready().
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from assessments import notification_kinds
from assessments.models import Application
from assessments.permissions import list_assessor_users
from assessments.verbs import (
    APPLICATION_CHANGES_REQUESTED,
    APPLICATION_CLAIMED,
    APPLICATION_REJECTED,
    APPLICATION_SUBMITTED,
    StatusChanged,
)
from portfolio.events import Phase, subscribe
from portfolio.models import Event
from portfolio.services.notifications import notify


def _get_application(event: Event) -> Application:
    if event.target_id is None:
        raise ValueError(f"{event.verb} event {event.pk} names no application.")
    # The row the service just changed, in the same transaction: one query, with what the
    # notifications name (the micro-credential's title, the learner's display name).
    return Application.objects.select_related("micro_credential", "learner__profile").get(
        pk=event.target_id
    )


def _link_to_application(application: Application) -> str:
    return reverse("assessments:application-detail", args=[application.pk])


def tell_assessors_of_submission(event: Event, payload: StatusChanged) -> None:
    application = _get_application(event)
    resubmitted = payload.to_status == Application.Status.RESUBMITTED
    title = application.micro_credential.title
    notify(
        recipients=list_assessor_users(application),
        kind=notification_kinds.APPLICATION_SUBMITTED,
        subject=(
            _("Resubmitted for review: %(title)s")
            if resubmitted
            else _("New application: %(title)s")
        )
        % {"title": title},
        link=reverse("assessments:queue"),
        context={
            "title": title,
            "learner": application.learner.profile.display_name,
            "resubmitted": resubmitted,
        },
    )


def tell_learner_of_claim(event: Event, payload: StatusChanged) -> None:
    application = _get_application(event)
    title = application.micro_credential.title
    notify(
        recipients=[application.learner],
        kind=notification_kinds.APPLICATION_CLAIMED,
        subject=_("Your application for %(title)s is in review") % {"title": title},
        link=_link_to_application(application),
        context={"title": title},
    )


def tell_learner_of_requested_changes(event: Event, payload: StatusChanged) -> None:
    application = _get_application(event)
    title = application.micro_credential.title
    notify(
        recipients=[application.learner],
        kind=notification_kinds.CHANGES_REQUESTED,
        subject=_("Changes requested: %(title)s") % {"title": title},
        link=_link_to_application(application),
        # The feedback, as the service stripped it, is the transition's comment.
        context={"title": title, "feedback": payload.comment},
    )


def tell_learner_of_rejection(event: Event, payload: StatusChanged) -> None:
    application = _get_application(event)
    title = application.micro_credential.title
    notify(
        recipients=[application.learner],
        kind=notification_kinds.APPLICATION_REJECTED,
        subject=_("Decision on your application for %(title)s") % {"title": title},
        link=_link_to_application(application),
        context={"title": title, "feedback": payload.comment},
    )


def subscribe_notifications() -> None:
    subscribe(APPLICATION_SUBMITTED, tell_assessors_of_submission, phase=Phase.IN_TRANSACTION)
    subscribe(APPLICATION_CLAIMED, tell_learner_of_claim, phase=Phase.IN_TRANSACTION)
    subscribe(
        APPLICATION_CHANGES_REQUESTED,
        tell_learner_of_requested_changes,
        phase=Phase.IN_TRANSACTION,
    )
    subscribe(APPLICATION_REJECTED, tell_learner_of_rejection, phase=Phase.IN_TRANSACTION)
