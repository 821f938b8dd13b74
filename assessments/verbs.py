"""The events assessments' services record, and the payload each one carries.

Every event is about one application (the target), owned by its learner and scoped to the
micro-credential's issuer (credentials.verbs.issuer_scope), so that organisation's staff can
read it. The status transitions (TRANSITIONS) are the application's history that learners and
assessors see on its pages: their payload says from which status to which, and the comment.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from portfolio.events import EventType, declare_event


@dataclass(frozen=True)
class ApplicationStarted:
    micro_credential_id: int
    title: str


@dataclass(frozen=True)
class ResponseSaved:
    criterion_id: int
    evidence_item_ids: tuple[int, ...]


@dataclass(frozen=True)
class StatusChanged:
    """One step of the status machine: the application's history."""

    from_status: str
    to_status: str
    comment: str


@dataclass(frozen=True)
class WaitingFlagged:
    round: int
    notified: int


APPLICATION_STARTED = declare_event(
    "application.started", ApplicationStarted, label=_("started an application")
)
APPLICATION_RESPONSE_SAVED = declare_event(
    "application.response_saved", ResponseSaved, label=_("saved an answer in an application")
)
# A resubmission after changes is application.submitted too; its to_status says which.
APPLICATION_SUBMITTED = declare_event(
    "application.submitted", StatusChanged, label=_("submitted an application")
)
APPLICATION_WITHDRAWN = declare_event(
    "application.withdrawn", StatusChanged, label=_("withdrew an application")
)
APPLICATION_CLAIMED = declare_event(
    "application.claimed", StatusChanged, label=_("claimed an application for review")
)
APPLICATION_RELEASED = declare_event(
    "application.released", StatusChanged, label=_("released an application back to the queue")
)
APPLICATION_CHANGES_REQUESTED = declare_event(
    "application.changes_requested", StatusChanged, label=_("asked for changes to an application")
)
APPLICATION_REJECTED = declare_event(
    "application.rejected", StatusChanged, label=_("turned down an application")
)
APPLICATION_APPROVED = declare_event(
    "application.approved", StatusChanged, label=_("approved an application")
)
APPLICATION_WAITING_FLAGGED = declare_event(
    "application.waiting_flagged",
    WaitingFlagged,
    label=_("told the issuer's staff that an application is waiting"),
)

# The transitions by verb: an application's history is its events of these verbs.
TRANSITIONS: dict[str, EventType[StatusChanged]] = {
    event_type.verb: event_type
    for event_type in (
        APPLICATION_SUBMITTED,
        APPLICATION_WITHDRAWN,
        APPLICATION_CLAIMED,
        APPLICATION_RELEASED,
        APPLICATION_CHANGES_REQUESTED,
        APPLICATION_REJECTED,
        APPLICATION_APPROVED,
    )
}
