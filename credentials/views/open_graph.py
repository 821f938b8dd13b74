"""Absolute URLs for what pages share (Open Graph and Twitter cards want absolute URLs)."""

from __future__ import annotations

from django.http import HttpRequest

from credentials.models import MicroCredential


def build_absolute_badge_url(request: HttpRequest, micro_credential: MicroCredential) -> str:
    # S3 URLs already are absolute and pass through unchanged.
    badge = micro_credential.badge_image
    return request.build_absolute_uri(badge.url) if badge else ""
