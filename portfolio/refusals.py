"""How pages show a service's refusal (a DomainError): the one place that decides it.

A view that expects a refusal catches DomainError and calls `show_on_form` (the message
goes next to the field it is about, or above the form) or `show_as_message` (a flash
message after the redirect). Anything a view does not catch reaches RefusalMiddleware: a
refusal of the actor is the 403 page, any other one a message on the page the user came
from. The API maps the same errors in portfolio.api.exceptions.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from portfolio.errors import DomainError


def show_on_form(form: BaseForm, error: DomainError) -> None:
    """Put the refusal next to the field it is about, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def show_as_message(
    request: HttpRequest, error: DomainError, *, level: int = messages.ERROR
) -> None:
    """Show the refusal as a message on the next page."""
    messages.add_message(request, level, error.message)


def _page_came_from(request: HttpRequest) -> str:
    # Only a page of this site: the header is the browser's, and must not become an open
    # redirect. (SECURE_REFERRER_POLICY same-origin sends it for our own forms.)
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse("home")


class RefusalMiddleware:
    """Shows refusals that no view caught, e.g. from a service an admin form calls."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if exception.status == HTTPStatus.FORBIDDEN:
            raise PermissionDenied(exception.message) from exception
        show_as_message(request, exception)
        # Post, redirect, get: back to the page the form was on, with the reason shown.
        return HttpResponseRedirect(_page_came_from(request))
