"""Placeholder: being written."""

from django.http import HttpRequest, HttpResponse


def profile_edit(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def portfolio_curate(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError
