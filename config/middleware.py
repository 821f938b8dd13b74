"""Project-wide request and response guards that no single app owns."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.upload_handlers import UploadTooLarge
from portfolio.uploads import format_size_limit

# Powerful browser features no page of ours uses, off for the page and anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header to every response, stored files included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def get_largest_request_body() -> int:
    """One maximal upload plus the rest of its form."""
    return int(settings.MAX_UPLOAD_BYTES) + int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class RequestBodyLimitMiddleware:
    """Refuses an oversized request body with the site's 413 page, reading as little as it can.

    A declared Content-Length over the limit is refused before a byte of the body is read.
    A body without one (chunked) or that lies about it is cut off by UploadSizeLimitHandler
    while it streams in. The form is parsed here, before the CSRF check would parse it, so
    the refusal is a page rather than an error deep inside another middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _declared_length(request) > get_largest_request_body():
            return too_large(request)
        if request.method == "POST":
            try:
                request.POST  # noqa: B018  # parsing is the point: the handler counts as it reads
            except UploadTooLarge:
                return too_large(request)
        return self.get_response(request)


def too_large(request: HttpRequest) -> HttpResponse:
    """The site's page for a body over the limit (the WSGI server discards the unread rest)."""
    return render(
        request,
        "413.html",
        {"limit": format_size_limit(int(settings.MAX_UPLOAD_BYTES))},
        status=413,
    )
