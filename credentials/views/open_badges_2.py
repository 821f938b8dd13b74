"""Open Badges 2.0 hosted objects (credentials.vc.open_badges_2) and the baked PNG that points at them.

Verifiers fetch these from anywhere, browsers included, so they answer cross-origin; an
Assertion is revalidated on every use, so a revocation shows at once.
"""

from __future__ import annotations

import json
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from credentials import baked_badges
from credentials.selectors import open_badges_2 as selectors
from credentials.vc import open_badges_2
from credentials.vc.canonical import JsonValue


def _json(document: dict[str, JsonValue], *, status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2),
        content_type=open_badges_2.OB2_MEDIA_TYPE,
        status=status,
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def assertion(request: HttpRequest, public_id: UUID) -> HttpResponse:
    credential = selectors.get_assertion_credential(public_id=public_id, viewer=request.user)
    hosted = open_badges_2.build_assertion(credential)
    response = _json(hosted.document, status=hosted.status)
    # Private: the issuer's staff may see an assertion nobody else can (a deactivated holder).
    patch_cache_control(response, no_cache=True, private=True)
    return response


@require_safe
def badge_class(request: HttpRequest, pk: int) -> HttpResponse:
    micro_credential = selectors.get_badge_class_micro_credential(pk=pk)
    generated = (
        b"" if micro_credential.badge_image else baked_badges.generated_png(micro_credential)
    )
    response = _json(open_badges_2.build_badge_class(micro_credential, generated_image=generated))
    patch_cache_control(response, public=True, max_age=300)
    return response


@require_safe
def issuer(request: HttpRequest, slug: str) -> HttpResponse:
    response = _json(open_badges_2.build_issuer(selectors.get_issuer(slug=slug)))
    patch_cache_control(response, public=True, max_age=300)
    return response


@require_safe
def baked_png(request: HttpRequest, public_id: UUID) -> HttpResponse:
    credential = selectors.get_assertion_credential(public_id=public_id, viewer=request.user)
    content = baked_badges.baked_open_badges_2_png(
        credential.micro_credential, assertion_url=open_badges_2.assertion_url(credential)
    )
    response = HttpResponse(content, content_type="image/png")
    response["Content-Disposition"] = (
        f'attachment; filename="credential-{public_id}-open-badges-2.png"'
    )
    return response
