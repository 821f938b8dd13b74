"""Digital Bazaar's JavaScript verifier accepts what proofs.sign signs, and rejects tampering."""

import http.server
import json
import threading

import pytest

from credentials import services
from credentials.vc.identity import did_document, signer_for
from credentials.vc.proofs import sign
from tests.factories import IssuerFactory
from tests.interop import corpus

TEXTS = {**corpus.AWKWARD_TEXTS, **corpus.CONTROL_TEXTS}


def signed(text):
    return sign(
        corpus.credential(text),
        private_key=corpus.private_key(),
        verification_method=corpus.DID_KEY_METHOD,
        created=corpus.CREATED,
    )


@pytest.mark.parametrize("name", list(TEXTS))
def test_js_verifies_a_did_key_credential_we_signed(js, name):
    result = js.call("verify", credential=signed(TEXTS[name]))

    assert result == {"verified": True, "errors": []}


def test_js_rejects_a_credential_changed_after_we_signed_it(js):
    credential = signed("Data analysis")
    credential["credentialSubject"]["achievement"]["name"] = "Data analysis, advanced"

    result = js.call("verify", credential=credential)

    assert result["verified"] is False
    assert any("Invalid signature" in error for error in result["errors"]), result


def test_js_rejects_a_proof_by_a_key_the_issuer_does_not_control(js):
    credential = corpus.credential(
        issuer="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    )
    signed_by_other = sign(
        credential,
        private_key=corpus.private_key(),
        verification_method=corpus.DID_KEY_METHOD,
        created=corpus.CREATED,
    )

    result = js.call("verify", credential=signed_by_other)

    assert result["verified"] is False
    assert result["errors"], result


@pytest.mark.django_db
def test_js_verifies_an_issuers_did_web_credential_with_its_did_document(js):
    issuer = IssuerFactory()
    services.generate_signing_key(issuer_id=issuer.pk, by=None)
    signer = signer_for(issuer)
    credential = corpus.credential('Issued "here" — ünïcödé', issuer=signer.issuer_did)

    result = js.call(
        "verify", credential=signer.sign(credential), didDocuments=[did_document(issuer)]
    )
    without_document = js.call("verify", credential=signer.sign(credential))

    assert result == {"verified": True, "errors": []}
    assert without_document["verified"] is False


def test_js_fetches_our_did_web_document_from_loopback_only(js):
    # How a credential served by the running site is checked: our site's URL is mapped onto a
    # server on 127.0.0.1, and did:web documents are fetched from there, nowhere else.
    did = "did:web:badges.example.org:issuers:demo"
    method = f"{did}#key-1"
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": method,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": corpus.MULTIKEY,
            }
        ],
        "assertionMethod": [method],
    }
    served = []

    class DidDocuments(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # the name http.server calls
            served.append(self.path)
            body = json.dumps(document).encode()
            self.send_response(200 if self.path == "/issuers/demo/did.json" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), DidDocuments)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        credential = sign(
            corpus.credential("Served", issuer=did),
            private_key=corpus.private_key(),
            verification_method=method,
            created=corpus.CREATED,
        )
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        site = {"url": "https://badges.example.org", "origin": origin}
        elsewhere = {"url": "https://badges.example.org", "origin": "http://192.0.2.1:80"}

        result = js.call("verify", credential=credential, site=site)
        refused = js.call("verify", credential=credential, site=elsewhere)
    finally:
        server.shutdown()
        server.server_close()

    assert result == {"verified": True, "errors": []}
    assert "/issuers/demo/did.json" in served
    assert refused["verified"] is False
    assert any("Only loopback origins" in error for error in refused["errors"]), refused
