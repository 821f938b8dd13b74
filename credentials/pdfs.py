"""Rendering the site's printable documents (transcripts, certificates) to PDF with WeasyPrint.

A PDF is rendered from a template like a page, but nothing it refers to is fetched over the
network: OwnFilesFetcher serves the project's own static files (the stylesheet, the bundled
fonts) and public media (badge images) from storage, and data: URIs (the transcript's QR
codes, credentials.qr), and refuses every other URL, so a value that slipped into the markup
can never make the server call out, and a render never waits on another host.
"""

from __future__ import annotations

import base64
import mimetypes
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import default_storage
from django.http import HttpRequest
from django.utils.translation.trans_real import parse_accept_lang_header
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Regions whose paper is US Letter rather than A4 (ISO 216 is used nearly everywhere else).
LETTER_REGIONS = frozenset({"us", "ca", "mx", "ph", "cl", "co", "ve", "cr", "gt", "pa", "pr", "sv"})
PAGE_SIZES = ("a4", "letter")


class RefusedURL(ValueError):
    """A URL a PDF may not fetch: anything outside the project's own static and media files."""


def _site_prefix(path: str) -> str:
    # The static and media URLs as the renderer sees them: absolute, on the site's origin.
    origin = settings.SITE_URL.rstrip("/")
    return f"{origin}/{path.lstrip('/')}"


@lru_cache(maxsize=64)
def _read_static(name: str) -> bytes:
    # Static files change only with a deployment, so each process reads each one once (the
    # fonts are most of a transcript's input). The finders serve them where runserver would
    # (and in tests); in production they are collected, under their hashed names.
    path = finders.find(name)
    if isinstance(path, str):
        with open(path, "rb") as file:
            return file.read()
    with staticfiles_storage.open(name) as file:
        data: bytes = file.read()
        return data


def _read_media(name: str) -> bytes:
    with default_storage.open(name) as file:
        data: bytes = file.read()
        return data


def _safe_name(prefix: str, url: str) -> str:
    name = unquote(urlsplit(url[len(prefix) :]).path)
    # A path that climbs out of its folder names no file of ours.
    if not name or name.startswith("/") or ".." in name.split("/"):
        raise RefusedURL(f"Not one of the project's own files: {url}")
    return name


class OwnFilesFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no types
    """Serves the project's static files and public media; refuses every other URL."""

    def __init__(self, **kwargs: Any) -> None:
        # fail_on_errors stays off: a refused URL is logged and left out, not a failed render.
        super().__init__(**kwargs)

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if url.startswith("data:image/png;base64,"):
            # Carried in the markup itself: decoding it reads nothing from anywhere.
            body = base64.b64decode(url.removeprefix("data:image/png;base64,"), validate=True)
            return URLFetcherResponse(url, body, {"Content-Type": "image/png"})
        static_prefix = _site_prefix(settings.STATIC_URL)
        media_prefix = _site_prefix(settings.MEDIA_URL)
        if url.startswith(static_prefix):
            body = _read_static(_safe_name(static_prefix, url))
        elif url.startswith(media_prefix):
            body = _read_media(_safe_name(media_prefix, url))
        else:
            raise RefusedURL(f"PDFs fetch nothing outside the project's own files: {url}")
        mime_type = mimetypes.guess_type(urlsplit(url).path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": mime_type})


def static_url_for_pdf(name: str) -> str:
    """The absolute URL a PDF template gives a static file, which OwnFilesFetcher serves."""
    return _site_prefix(staticfiles_storage.url(name).removeprefix("/"))


def choose_page_size(request: HttpRequest) -> str:
    """ "letter" or "a4": the reader's choice (?size=), else by their browser's first language.

    A region that prints on US Letter (en-US, fr-CA, es-MX, …) gets Letter, any other A4; a
    language without a region (plain "en") says nothing about paper, so it gets A4, as the
    site's own language (en-GB) does.
    """
    asked = request.GET.get("size", "")
    if asked in PAGE_SIZES:
        return asked
    languages = parse_accept_lang_header(request.headers.get("Accept-Language", "")[:200])
    if not languages:
        return "a4"
    code = languages[0][0].lower()
    region = code.split("-")[1] if "-" in code else ""
    return "letter" if region in LETTER_REGIONS else "a4"


def render_pdf(html: str) -> bytes:
    """The PDF of a complete HTML document, its files served by OwnFilesFetcher."""
    pdf: bytes = HTML(
        string=html, base_url=settings.SITE_URL, url_fetcher=OwnFilesFetcher()
    ).write_pdf()
    return pdf
