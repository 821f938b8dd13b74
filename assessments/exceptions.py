class AssessmentError(Exception):
    """An assessment operation refused, with a message meant for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(AssessmentError):
    """The application's current status does not allow this step."""


class ApplicationNotAllowed(AssessmentError):
    """The learner may not start, change or submit this application."""


class ReviewNotAllowed(AssessmentError):
    """The user may not claim, release or decide this application."""
