"""The notifications assessments sends, registered with portfolio from AssessmentsConfig.ready()."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolio.models import User
from portfolio.notification_kinds import register_notification_kind

APPLICATION_SUBMITTED = "application_submitted"
APPLICATION_CLAIMED = "application_claimed"
CHANGES_REQUESTED = "changes_requested"
APPLICATION_REJECTED = "application_rejected"
APPLICATION_WAITING = "application_waiting"


def register_notification_kinds() -> None:
    register_notification_kind(
        APPLICATION_SUBMITTED,
        label=gettext_lazy("Application submitted for review"),
        roles=(User.Role.ASSESSOR,),
        explanation=lambda: _(
            "A learner submits or resubmits an application for a micro-credential you assess."
        ),
        position=5,
    )
    register_notification_kind(
        APPLICATION_CLAIMED,
        label=gettext_lazy("Application taken into review"),
        roles=(User.Role.LEARNER,),
        explanation=lambda: _("An assessor takes your application into review."),
        position=10,
    )
    register_notification_kind(
        CHANGES_REQUESTED,
        label=gettext_lazy("Changes requested"),
        roles=(User.Role.LEARNER,),
        explanation=lambda: _("An assessor asks you to change your application."),
        position=20,
    )
    register_notification_kind(
        APPLICATION_REJECTED,
        label=gettext_lazy("Application not approved"),
        roles=(User.Role.LEARNER,),
        explanation=lambda: _("An assessor decides not to approve your application."),
        position=30,
    )
    register_notification_kind(
        APPLICATION_WAITING,
        label=gettext_lazy("Application waiting for review"),
        roles=(User.Role.ISSUER_STAFF,),
        explanation=lambda: (
            _("An application to your organisation has waited more than %(days)s days for review.")
            % {"days": settings.APPLICATION_WAITING_DAYS}
        ),
        position=35,
    )
