"""Placeholder: being written."""

from django.http import HttpRequest, HttpResponse


def queue(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def review(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def claim(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def release(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def submitted_evidence_file(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


def submitted_evidence_thumbnail(
    request: HttpRequest, *args: object, **kwargs: object
) -> HttpResponse:
    raise NotImplementedError
