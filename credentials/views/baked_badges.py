"""A credential's baked badges: its badge image with the signed credential inside (PNG and SVG).

The same access as the signed credential (/c/<id>.json): wherever the page is a 404, so is
this, and a credential that is not signed yet has none.
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from credentials import baked_badges
from credentials.selectors import credential_pages


def _download(content: bytes, *, media_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def baked_png(request: HttpRequest, public_id: UUID) -> HttpResponse:
    badge = credential_pages.get_badge_to_bake(public_id=public_id, viewer=request.user)
    return _download(
        baked_badges.baked_png(badge),
        media_type="image/png",
        filename=f"credential-{public_id}.png",
    )


@require_safe
def baked_svg(request: HttpRequest, public_id: UUID) -> HttpResponse:
    badge = credential_pages.get_badge_to_bake(public_id=public_id, viewer=request.user)
    return _download(
        baked_badges.baked_svg(badge),
        media_type="image/svg+xml",
        filename=f"credential-{public_id}.svg",
    )
