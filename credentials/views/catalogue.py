"""Placeholder: being written."""

from django.http import HttpRequest, HttpResponse


def catalogue(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def micro_credential_detail(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def credential_detail(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def my_credentials(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError
