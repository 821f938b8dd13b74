"""System checks of the credentials app's configuration."""

from __future__ import annotations

from collections.abc import Sequence

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error

from credentials.vc.keys import MINIMUM_SECRET_LENGTH


def check_signing_secret(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: object
) -> list[CheckMessage]:
    """A deployment (no file fallback) must set UNBUNDLED_SIGNING_SECRET, long enough."""
    if settings.SIGNING_SECRET_FILE is not None and not settings.SIGNING_SECRET:
        return []
    if len(settings.SIGNING_SECRET) >= MINIMUM_SECRET_LENGTH:
        return []
    return [
        Error(
            "UNBUNDLED_SIGNING_SECRET is not set, or shorter than 32 characters: issuers' "
            "signing keys cannot be made or used, so no credential can be signed.",
            hint="Set it to a long random value, e.g. `python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'`, kept apart from database backups.",
            id="credentials.E001",
        )
    ]
