"""The application status machine: one table, and the one function that moves along it."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.exceptions import TransitionNotAllowed
from assessments.models import Application
from assessments.verbs import StatusChanged
from credentials.verbs import issuer_scope
from portfolio.events import EventType, record_event
from portfolio.models import Event, User

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Application.Status.DRAFT: frozenset(
        {Application.Status.SUBMITTED, Application.Status.WITHDRAWN}
    ),
    Application.Status.SUBMITTED: frozenset(
        {Application.Status.IN_REVIEW, Application.Status.WITHDRAWN}
    ),
    Application.Status.RESUBMITTED: frozenset(
        {Application.Status.IN_REVIEW, Application.Status.WITHDRAWN}
    ),
    # Releasing a claim sends an application back to the queue it came from.
    Application.Status.IN_REVIEW: frozenset(
        {
            Application.Status.CHANGES_REQUESTED,
            Application.Status.APPROVED,
            Application.Status.REJECTED,
            Application.Status.SUBMITTED,
            Application.Status.RESUBMITTED,
            Application.Status.WITHDRAWN,
        }
    ),
    Application.Status.CHANGES_REQUESTED: frozenset(
        {Application.Status.RESUBMITTED, Application.Status.WITHDRAWN}
    ),
    Application.Status.APPROVED: frozenset(),
    Application.Status.REJECTED: frozenset(),
    Application.Status.WITHDRAWN: frozenset(),
}


# Only a learner's (re)submission leaves these states for the queue; the table alone would
# also let in-review become submitted, which is how an assessor releases a claim.
SUBMITTABLE = frozenset({Application.Status.DRAFT, Application.Status.CHANGES_REQUESTED})


def refuse_transition(
    application: Application, to: str, *, code: str | None = None
) -> TransitionNotAllowed:
    return TransitionNotAllowed(
        _("An application that is %(current)s cannot become %(target)s.")
        % {
            "current": Application.Status(application.status).label.lower(),
            "target": Application.Status(to).label.lower(),
        },
        code=code or f"application.cannot_become_{to}",
    )


def ensure_transition(application: Application, to: str) -> None:
    """Raise TransitionNotAllowed unless the table allows moving to `to`."""
    if to not in ALLOWED_TRANSITIONS[application.status]:
        raise refuse_transition(application, to)


def record_transition(
    application: Application,
    *,
    to: str,
    by: User | None,
    event_type: EventType[StatusChanged],
    comment: str = "",
    update_fields: Iterable[str] = (),
) -> Event:
    """Move the (locked) application to `to`, save, and record the step as event_type.

    The event is the application's history (assessments.selectors.list_history): who moved
    it from which status to which, with the comment given.
    """
    ensure_transition(application, to)
    from_status = application.status
    application.status = to
    application.updated_at = timezone.now()
    application.save(update_fields=["status", "updated_at", *update_fields])
    return record_event(
        event_type,
        by=by,
        target=application,
        owner=application.learner,
        scope=issuer_scope(application.micro_credential.issuer_id),
        payload=StatusChanged(from_status=from_status, to_status=to, comment=comment),
    )
