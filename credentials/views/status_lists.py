"""Status lists: each issuer's signed Bitstring Status List credentials (credentials.vc.status_list)."""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from credentials.models import StatusList
from credentials.vc.status_list import SIGNING_UNAVAILABLE, published_status_list

# The media type of a credential with an embedded proof as the reference libraries read it.
VC_CONTENT_TYPE = "application/vc+ld+json"


@require_http_methods(["GET", "HEAD"])
def status_list(request: HttpRequest, slug: str, purpose: str, number: int) -> HttpResponse:
    status_list = get_object_or_404(
        StatusList.objects.select_related("issuer"),
        issuer__slug=slug,
        purpose=purpose,
        number=number,
    )
    try:
        document = published_status_list(status_list)
    except SIGNING_UNAVAILABLE:
        response = HttpResponse(
            "This issuer's status list cannot be signed right now (the issuer has no usable "
            "signing key), so revocation cannot be checked. Try again later.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "300"
        response["Cache-Control"] = "no-store"
        return response
    response = HttpResponse(document, content_type=VC_CONTENT_TYPE)
    # Browser-based verifiers (VerifierPlus, wallets on the web) read it from their own origin.
    response["Access-Control-Allow-Origin"] = "*"
    # A revocation must reach verifiers soon: a minute of caching, then a conditional request.
    response["Cache-Control"] = "public, max-age=60"
    response["ETag"] = f'"{hashlib.sha256(document.encode("utf-8")).hexdigest()[:32]}"'
    return response
