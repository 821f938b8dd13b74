"""Placeholder: being written."""

from django.http import HttpRequest, HttpResponse


def public_portfolio(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError
