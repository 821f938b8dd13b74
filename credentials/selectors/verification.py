"""The verify box: which of our credentials a pasted link or identifier names."""

from __future__ import annotations

import re
from collections.abc import Collection
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from credentials.models import IssuedCredential
from credentials.permissions import visible_credentials
from portfolio.permissions import AnyUser

# The path of a credential's page, /c/<public id>/ (credentials.urls).
_CREDENTIAL_PATH = re.compile(r"^/c/(?P<public_id>[0-9a-fA-F-]{32,36})/?$")


def _public_id(text: str, *, our_hosts: Collection[str]) -> str:
    """The identifier a link or bare identifier names; ValidationError for anything else.

    Only the public id identifies a credential to the public: the award reference is an
    internal key (it names an application) and is never shown, so it is not accepted here.
    """
    if "/" not in text:
        return text
    try:
        parts = urlsplit(text if "://" in text or text.startswith("/") else f"https://{text}")
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise _not_a_credential_page() from None
    if host and host not in our_hosts:
        raise ValidationError(
            _(
                "This link is to %(host)s, not to %(site)s: check the credential there, or ask "
                "for its %(site)s link."
            )
            % {"host": host, "site": settings.SITE_NAME},
            code="not_ours",
        )
    match = _CREDENTIAL_PATH.match(parts.path)
    if match is None:
        raise _not_a_credential_page()
    return match["public_id"]


def _not_a_credential_page() -> ValidationError:
    return ValidationError(
        _(
            "This link is not to a credential's page: those look like %(example)s, ending in a "
            "long identifier."
        )
        % {"example": f"{settings.SITE_URL.rstrip('/')}/c/…/"},
        code="not_credential",
    )


def get_credential_by_reference(
    *, text: str, viewer: AnyUser, our_hosts: Collection[str]
) -> IssuedCredential:
    """The credential a pasted link or identifier names, if its page exists for the viewer.

    Raises ValidationError with a message for the form: another site's link, a link to a page
    that is not a credential's, something that is not an identifier, or no such credential
    (which also covers one whose page the viewer may not see). One query at most.
    """
    public_id = _public_id(text.strip(), our_hosts={host.lower() for host in our_hosts})
    try:
        uuid = UUID(public_id)
    except ValueError:
        raise ValidationError(
            _(
                "That is neither a link to a credential nor a credential's identifier (32 "
                "letters and digits, often written with hyphens)."
            ),
            code="malformed",
        ) from None
    credential = visible_credentials(viewer).filter(public_id=uuid).first()
    if credential is None:
        raise ValidationError(
            _(
                "No credential here has this identifier. Check that the whole link was copied; "
                "if it was, the credential was not issued through %(site)s."
            )
            % {"site": settings.SITE_NAME},
            code="not_found",
        )
    return credential
