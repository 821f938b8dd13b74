"""The events assessments' services record, and the payload each one carries.

Every event is about one application (the target), owned by its learner and scoped to the
micro-credential's issuer (credentials.verbs.issuer_scope), so that organisation's staff can
read it. The status transitions (TRANSITIONS) are the application's history that learners and
assessors see on its pages: their payload says from which status to which, and the comment.
"""

from __future__ import annotations

from dataclasses import dataclass

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


APPLICATION_STARTED = declare_event("application.started", ApplicationStarted)
APPLICATION_RESPONSE_SAVED = declare_event("application.response_saved", ResponseSaved)
# A resubmission after changes is application.submitted too; its to_status says which.
APPLICATION_SUBMITTED = declare_event("application.submitted", StatusChanged)
APPLICATION_WITHDRAWN = declare_event("application.withdrawn", StatusChanged)
APPLICATION_CLAIMED = declare_event("application.claimed", StatusChanged)
APPLICATION_RELEASED = declare_event("application.released", StatusChanged)
APPLICATION_CHANGES_REQUESTED = declare_event("application.changes_requested", StatusChanged)
APPLICATION_REJECTED = declare_event("application.rejected", StatusChanged)
APPLICATION_APPROVED = declare_event("application.approved", StatusChanged)
APPLICATION_WAITING_FLAGGED = declare_event("application.waiting_flagged", WaitingFlagged)

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
