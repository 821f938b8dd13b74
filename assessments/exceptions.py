"""The assessments app's refusals: DomainError subclasses (see portfolio.errors)."""

from http import HTTPStatus

from portfolio.errors import DomainError


class AssessmentError(DomainError):
    """An assessment operation refused, with a message meant for the user."""


class TransitionNotAllowed(AssessmentError):
    """The application's current status does not allow this step."""

    default_status = HTTPStatus.CONFLICT


class ApplicationNotAllowed(AssessmentError):
    """The learner may not start, change or submit this application."""


class ReviewNotAllowed(AssessmentError):
    """The user may not claim, release or decide this application."""
