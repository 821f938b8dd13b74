"""The JSON-LD contexts credentials use, bundled in the repository, and the only loader pyld gets.

Nothing is fetched from the network at issue or verify time: `document_loader` serves exactly
the URLs in `context_files/manifest.json` (each file pinned there by its SHA-256, checked when
this module is imported) and raises UnknownContextError for any other URL, which verification
reports as its own step ("unknown context") rather than a fetch.

Each file is parsed once, here. The loader answers with pyld's "static" tag, which lets pyld
keep the *processed* form of each context in its shared resolved-context cache, so a context is
processed once per process, not once per credential.

Updating a context is a maintenance step, never a runtime one: replace the file, update its
hash in the manifest (where each entry also says where the file came from).

One context is our own (MICRO_CREDENTIAL_V1_PATH: the micro-credential elements that no Open
Badges 3.0 property holds). The site serves it, so its URL is settings.SITE_URL plus its path;
the manifest keys it by that path, and the loader serves it at that URL of this site only.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TypedDict

from django.conf import settings
from pyld.jsonld import JsonLdError

CONTEXT_FILES = Path(__file__).resolve().parent / "context_files"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_V3P0_3_0_3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_V3P0_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CLR_V2P0_2_0_1 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
STATUS_LIST_V1 = "https://www.w3.org/ns/credentials/status/v1"
UNDEFINED_TERMS_V2 = "https://www.w3.org/ns/credentials/undefined-terms/v2"
# Our own context, served on the site (credentials.views.contexts): micro_credential_context_url().
MICRO_CREDENTIAL_V1_PATH = "/ns/micro-credential/v1.jsonld"


class UnknownContextError(JsonLdError):  # type: ignore[misc]  # pyld is untyped
    """A document named a context that is not bundled; it is never fetched."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"The JSON-LD context {url!r} is not one of the contexts bundled with Unbundled; "
            "it was not fetched.",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading document failed",
        )
        self.url = url


class ContextFileError(RuntimeError):
    """A bundled context file that is missing or differs from its pinned hash."""


class RemoteDocument(TypedDict):
    contextUrl: None
    documentUrl: str
    document: object
    contentType: str
    tag: str


def _load_bundled() -> Mapping[str, object]:
    manifest = json.loads((CONTEXT_FILES / "manifest.json").read_text(encoding="utf-8"))
    documents: dict[str, object] = {}
    for url, entry in manifest.items():
        raw = (CONTEXT_FILES / entry["file"]).read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != entry["sha256"]:
            raise ContextFileError(
                f"The bundled context for {url} ({entry['file']}) has SHA-256 {digest}, "
                f"not the pinned {entry['sha256']}."
            )
        documents[url] = json.loads(raw)
    return MappingProxyType(documents)


BUNDLED_CONTEXTS: Mapping[str, object] = _load_bundled()


def site_context_url(path: str) -> str:
    """The absolute URL on this site of one of our own contexts (keyed by path)."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def micro_credential_context_url() -> str:
    return site_context_url(MICRO_CREDENTIAL_V1_PATH)


def _bundled_key(url: object) -> str | None:
    if not isinstance(url, str) or url.startswith("/"):
        return None  # a bare path is no URL; our own contexts are found by their full URL
    site = settings.SITE_URL.rstrip("/")
    if url.startswith(f"{site}/"):
        return url.removeprefix(site)
    return url


def document_loader(url: str, options: object = None) -> RemoteDocument:
    """pyld's documentLoader: a bundled context by its URL, or UnknownContextError."""
    key = _bundled_key(url)
    try:
        document = BUNDLED_CONTEXTS[key] if key is not None else None
    except KeyError:
        document = None
    if document is None:
        raise UnknownContextError(str(url)) from None
    return {
        "contextUrl": None,
        "documentUrl": url,
        # A copy: pyld rewrites relative URLs inside a context it processes, in place.
        "document": copy.deepcopy(document),
        "contentType": "application/ld+json",
        # "static": the document never changes, so pyld may cache what it resolves it to.
        "tag": "static",
    }
