"""DID documents: did:web resolution for the site and each issuer (credentials.vc.identity);
and our own JSON-LD context, which verifiers elsewhere fetch the same way."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from credentials.models import Issuer
from credentials.vc.contexts import CONTEXT_FILES, MICRO_CREDENTIAL_V1_PATH
from credentials.vc.identity import did_document

# did:web resolvers accept application/did+json (did:web method, §3.2.1) or application/json.
DID_CONTENT_TYPE = "application/did+json"


def _did_response(document: object) -> HttpResponse:
    response = HttpResponse(json.dumps(document, indent=2), content_type=DID_CONTENT_TYPE)
    # Browser-based verifiers (VerifierPlus, wallets on the web) resolve it from their own origin.
    response["Access-Control-Allow-Origin"] = "*"
    # A rotation must reach verifiers soon; a few minutes of caching spares the database.
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_http_methods(["GET", "HEAD"])
def site_did_document(request: HttpRequest) -> HttpResponse:
    return _did_response(did_document(None))


@require_http_methods(["GET", "HEAD"])
def issuer_did_document(request: HttpRequest, slug: str) -> HttpResponse:
    issuer = get_object_or_404(Issuer, slug=slug)
    return _did_response(did_document(issuer))


@require_http_methods(["GET", "HEAD"])
def micro_credential_context(request: HttpRequest) -> HttpResponse:
    # Exactly the bundled file the loader serves, so what is signed and what verifiers
    # elsewhere fetch define the same terms.
    manifest = json.loads((CONTEXT_FILES / "manifest.json").read_text(encoding="utf-8"))
    raw = (CONTEXT_FILES / manifest[MICRO_CREDENTIAL_V1_PATH]["file"]).read_bytes()
    response = HttpResponse(raw, content_type="application/ld+json")
    response["Access-Control-Allow-Origin"] = "*"
    # A published context never changes (a new version gets a new path).
    response["Cache-Control"] = "public, max-age=86400"
    return response
