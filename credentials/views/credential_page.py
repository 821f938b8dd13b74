"""The public page of an issued credential, /c/<id>/: what anyone checks it against."""

from __future__ import annotations

import functools
import json
from datetime import datetime
from uuid import UUID

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers

from credentials import page_cache
from credentials.permissions import get_credential_access
from credentials.qr import make_qr_svg
from credentials.selectors import credential_pages
from credentials.sharing import make_linkedin_add_to_profile_url
from credentials.vc import jwt
from credentials.vc.identity import signer_for
from credentials.vc.status_list import SIGNING_UNAVAILABLE
from credentials.vc.verification import CredentialVerification, verify_credential_text
from credentials.views.open_graph import build_absolute_badge_url

TEMPLATE = "credentials/credential_detail.html"
# Where a cached page says when its status was checked; escaped text cannot contain it, and
# nh3 drops comments from rendered Markdown.
CHECKED_MARKER = "<!-- credential-checked -->"
# What the page answers with the signed credential instead of HTML (OB 3.0 and VC 2.0 media
# types); HTML comes first, so a browser, and a client that accepts anything, gets the page.
HTML = "text/html"
CREDENTIAL_MEDIA_TYPES = ("application/vc+ld+json", "application/vc", "application/ld+json")


def _signed_document_response(
    request: HttpRequest, public_id: UUID, *, media_type: str
) -> HttpResponse:
    content = credential_pages.get_signed_document(public_id=public_id, viewer=request.user)
    return HttpResponse(content.encode("utf-8"), content_type=media_type)


def _jwt_response(request: HttpRequest, public_id: UUID) -> HttpResponse:
    # Signed for each request (one Ed25519 signature) rather than stored: the issuer's current
    # key signs, so a rotation needs no re-signing sweep.
    content, issuer = credential_pages.get_signed_document_and_issuer(
        public_id=public_id, viewer=request.user
    )
    try:
        token = jwt.encode_vc_jwt(json.loads(content), signer=signer_for(issuer))
    except SIGNING_UNAVAILABLE:
        response = HttpResponse(
            _(
                "This credential cannot be signed as a JWT right now (its issuer has no usable "
                "signing key). Its signed JSON-LD document is at the same address with .json.\n"
            ),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "300"
        return response
    return HttpResponse(token.encode("ascii"), content_type=jwt.MEDIA_TYPE)


@vary_on_headers("Accept")
def credential_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    preferred = request.get_preferred_type([HTML, *CREDENTIAL_MEDIA_TYPES, jwt.MEDIA_TYPE])
    if preferred in CREDENTIAL_MEDIA_TYPES:
        return _signed_document_response(request, public_id, media_type=str(preferred))
    if preferred == jwt.MEDIA_TYPE:
        return _jwt_response(request, public_id)
    if request.user.is_authenticated or len(get_messages(request)):
        # The holder's and the issuer's tools, or a message for this visitor: theirs alone.
        page = credential_pages.get_credential_page(public_id=public_id, viewer=request.user)
        return render(request, TEMPLATE, _context(request, page))
    origin = f"{request.scheme}://{request.get_host()}"
    now = timezone.now()
    lookup = page_cache.get_credential_page(public_id=public_id, origin=origin)
    if lookup.page is not None and lookup.page.still_shows_status_at(now):
        # Never a 304: the page says when it was checked, and that is now.
        return _with_checked_at(lookup.page.content, now)
    # A miss: who may see the page (a 404 otherwise) and its status now, from the database.
    page = credential_pages.get_credential_page(public_id=public_id, viewer=request.user)
    context = _context(request, page) | {"checked_marker": mark_safe(CHECKED_MARKER)}  # noqa: S308  # our own constant
    content = render_to_string(TEMPLATE, context, request).encode()
    # Kept under the versions read before the page was: a change made meanwhile leaves it
    # stale, never fresh.
    page_cache.store_credential_page(
        public_id=public_id,
        origin=origin,
        version=lookup.version,
        content=content,
        status=page.status,
        revoked_at=page.credential.revoked_at,
        expires_at=page.credential.expires_at,
    )
    return _with_checked_at(content, page.checked_at)


def _with_checked_at(content: bytes, checked_at: datetime) -> HttpResponse:
    # The page says the minute it was checked: a cached page's every visitor that minute
    # shares the same words, rendered once rather than per request (a quarter of the view).
    checked = _checked_words(
        checked_at.replace(second=0, microsecond=0),
        timezone.get_current_timezone_name(),
        translation.get_language(),
    )
    return HttpResponse(content.replace(CHECKED_MARKER.encode(), checked, 1))


@functools.lru_cache(maxsize=16)
def _checked_words(checked_at: datetime, zone: str, language: str | None) -> bytes:
    # zone and language are in the key because the rendering depends on them.
    context = {"checked_at": checked_at}
    return render_to_string("credentials/_credential_checked.html", context).encode()


def _verification(
    request: HttpRequest, page: credential_pages.CredentialPage
) -> CredentialVerification | None:
    """The Verify panel: the verifier's steps on the stored document, cached by status.

    Run when the page is rendered, never on a cached page's hit (the panel is part of the
    cached page, and says when it was checked), and kept for signed-in viewers' renders too
    (page_cache.get_credential_verification), so the panel costs nothing per request.
    """
    if not page.is_signed:
        return None
    credential = page.credential
    variant = f"{page.status}:{credential.revoked_at}:{credential.expires_at}"
    verification = page_cache.get_credential_verification(
        credential_id=credential.pk, variant=variant
    )
    if verification is None:
        document = credential_pages.get_signed_document(
            public_id=credential.public_id, viewer=request.user
        )
        verification = verify_credential_text(document)
        page_cache.store_credential_verification(
            credential_id=credential.pk, variant=variant, verification=verification
        )
    return verification


def _context(request: HttpRequest, page: credential_pages.CredentialPage) -> dict[str, object]:
    credential = page.credential
    access = get_credential_access(request.user, credential)
    page_url = request.build_absolute_uri(request.path)
    return {
        "page": page,
        "verification": _verification(request, page),
        "credential": credential,
        "micro_credential": credential.micro_credential,
        "access": access,
        "page_url": page_url,
        # Printed only (css/print.css), so a paper copy leads back to this live page.
        "qr_svg": make_qr_svg(page_url, title=_("QR code: the address of this credential")),
        "linkedin_url": make_linkedin_add_to_profile_url(
            credential=credential, credential_url=page_url
        )
        if access.can_add_to_profile
        else "",
        "badge_url": build_absolute_badge_url(request, credential.micro_credential),
        "share_title": f"{credential.micro_credential.title} — {page.holder_name}",
        "share_description": _("Issued by %(issuer)s on %(date)s. Status: %(status)s.")
        % {
            "issuer": credential.issuer.name,
            "date": date_format(credential.issued_at, "j F Y"),
            "status": page.status.label,
        },
    }


def credential_document(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """/c/<id>.json: the signed credential as a file to save, whatever the Accept header."""
    response = _signed_document_response(request, public_id, media_type=CREDENTIAL_MEDIA_TYPES[0])
    response["Content-Disposition"] = f'attachment; filename="credential-{public_id}.json"'
    return response


def credential_jwt(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """/c/<id>.jwt: the credential as a VC-JWT, whatever the Accept header."""
    return _jwt_response(request, public_id)
