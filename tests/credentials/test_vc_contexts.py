"""The bundled JSON-LD contexts and the document loader that serves only them."""

import hashlib
import json
import socket

import pytest
from pyld import jsonld

from credentials.vc import canonical, contexts
from credentials.vc.canonical import CanonicalizationError, canonicalize
from credentials.vc.contexts import (
    BUNDLED_CONTEXTS,
    CONTEXT_FILES,
    UnknownContextError,
    document_loader,
)

REQUIRED = [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/security/multikey/v1",
    "https://www.w3.org/ns/did/v1",
    "https://www.w3.org/ns/credentials/status/v1",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    "https://www.w3.org/ns/credentials/undefined-terms/v2",
]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the document loader tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_every_context_credentials_need_is_bundled_and_pinned():
    manifest = json.loads((CONTEXT_FILES / "manifest.json").read_text())

    assert set(REQUIRED) <= set(BUNDLED_CONTEXTS)
    assert set(BUNDLED_CONTEXTS) == set(manifest)
    for url, entry in manifest.items():
        raw = (CONTEXT_FILES / entry["file"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == entry["sha256"], url
        assert entry["source"], url


def test_the_loader_serves_a_bundled_context_as_static():
    remote = document_loader("https://www.w3.org/ns/credentials/v2", {})

    assert remote["documentUrl"] == "https://www.w3.org/ns/credentials/v2"
    assert remote["document"]["@context"]["@protected"] is True
    assert remote["tag"] == "static"
    # A copy: pyld may rewrite what it is given without touching the bundled original.
    remote["document"]["@context"]["@protected"] = False
    assert BUNDLED_CONTEXTS["https://www.w3.org/ns/credentials/v2"]["@context"]["@protected"]


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/contexts/v1",
        "http://www.w3.org/ns/credentials/v2",  # http, not the https URL that is bundled
        "https://www.w3.org/ns/credentials/v2/",
        "",
    ],
)
def test_any_other_url_is_an_error_naming_it_never_a_fetch(url):
    with pytest.raises(UnknownContextError) as raised:
        document_loader(url, {})

    assert raised.value.url == url
    assert "not one of the contexts bundled" in str(raised.value)


def test_a_document_with_an_unknown_context_cannot_be_canonicalized():
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://example.org/contexts/v1"],
        "type": ["VerifiableCredential"],
    }

    with pytest.raises(CanonicalizationError) as raised:
        canonicalize(document)

    assert raised.value.unknown_context == "https://example.org/contexts/v1"


def test_each_context_is_processed_once_per_process(monkeypatch):
    calls = []

    def counting_loader(url, options=None):
        calls.append(url)
        return document_loader(url, options)

    monkeypatch.setattr(canonical, "document_loader", counting_loader)
    jsonld._resolved_context_cache.clear()
    canonical._PROCESSED_CONTEXTS.clear()
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "https://example.org/c/1",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "One",
    }

    first = canonicalize(document)
    loaded_once = sorted(calls)
    for number in range(2, 5):
        canonicalize({**document, "name": f"Number {number}"})

    assert '<https://example.org/c/1> <https://schema.org/name> "One" .' in first
    assert loaded_once == [
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://www.w3.org/ns/credentials/v2",
    ]
    assert sorted(calls) == loaded_once
    assert contexts.document_loader is not counting_loader


def test_remembered_contexts_stay_bounded_and_never_answer_for_another_inline_context():
    outputs = []
    for number in range(canonical._MAX_PROCESSED_CONTEXTS + 100):
        document = {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                {"extra": f"https://example.org/vocab/{number}#extra"},
            ],
            "id": "https://example.org/c/1",
            "extra": "value",
        }
        outputs.append(canonicalize(document))

        assert len(canonical._PROCESSED_CONTEXTS) <= canonical._MAX_PROCESSED_CONTEXTS
    # Each document's own inline context decided its IRI, the last one's too.
    assert f"<https://example.org/vocab/{number}#extra>" in outputs[-1]
    assert "<https://example.org/vocab/0#extra>" in outputs[0]
