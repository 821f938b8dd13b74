"""Refusals: the one family of errors every app's services raise when they say no.

A refusal carries a message for people (translated, free to change wording) and a stable
code for programs (`<subject>.<reason>`, e.g. "application.not_submittable", never
reworded once published). Each app subclasses DomainError; pages show refusals through
portfolio.refusals and the API answers them through portfolio.api.exceptions, each in one
place, so a service never needs to know who called it.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import ClassVar


class DomainError(Exception):
    """A service refused: nothing was changed, and `message` says why.

    `field` names the input the refusal is about (as the service's keyword argument and
    the form field are named), so a form can show it next to that field. `status` is the
    answer an API gives: 400 for input that can never succeed, 403 for an actor who may not
    do this to an object they can see, 409 for a state that does not allow it now.
    """

    default_status: ClassVar[HTTPStatus] = HTTPStatus.BAD_REQUEST

    def __init__(
        self,
        message: str,
        *,
        code: str,
        field: str | None = None,
        status: HTTPStatus | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.status = status if status is not None else self.default_status

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class PortfolioError(DomainError):
    """A refusal about evidence, profiles or the portfolio page."""


class CurationError(PortfolioError):
    """A curation request refused as a whole."""
