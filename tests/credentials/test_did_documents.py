"""did:web documents for the site and each issuer, did:key mode, and resolving our own keys."""

import json

import pytest

from credentials import services
from credentials.vc.identity import (
    resolve_verification_method,
    signer_for,
    site_did_web,
)
from credentials.vc.proofs import FailedStep, verify
from tests.factories import IssuerFactory


def credential_by(signer, name="Data analysis"):
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "http://127.0.0.1:8000/c/5c1f0e52-3f3a-4d7e-9d8e-2f8f0c9d1a77/",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": signer.issuer_did, "type": ["Profile"], "name": "Institute"},
        "validFrom": "2026-01-15T10:00:00Z",
        "name": name,
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "http://127.0.0.1:8000/credentials/data-analysis/",
                "type": ["Achievement"],
                "name": name,
                "description": "Cleans and charts data.",
                "criteria": {"narrative": "A rubric."},
            },
        },
    }


def test_the_site_did_follows_site_url_with_the_port_percent_encoded(settings):
    assert site_did_web() == "did:web:127.0.0.1%3A8000"
    settings.SITE_URL = "https://Badges.Example.org"
    assert site_did_web() == "did:web:badges.example.org"


def test_an_issuers_did_document_lists_every_key_it_ever_had(client, db):
    issuer = IssuerFactory(slug="institute")
    first = services.generate_signing_key(issuer_id=issuer.pk, by=None)
    second = services.rotate_signing_key(issuer_id=issuer.pk, by=None)
    did = "did:web:127.0.0.1%3A8000:issuers:institute"

    response = client.get("/issuers/institute/did.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert json.loads(response.content) == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#key-1",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": first.public_key_multibase,
            },
            {
                "id": f"{did}#key-2",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": second.public_key_multibase,
            },
        ],
        "assertionMethod": [f"{did}#key-1", f"{did}#key-2"],
    }
    assert b"private" not in response.content


def test_the_sites_did_document_is_at_the_well_known_address(client, db):
    key = services.generate_signing_key(issuer_id=None, by=None)
    services.generate_signing_key(issuer_id=IssuerFactory().pk, by=None)

    document = json.loads(client.get("/.well-known/did.json").content)

    assert document["id"] == "did:web:127.0.0.1%3A8000"
    assert [m["publicKeyMultibase"] for m in document["verificationMethod"]] == [
        key.public_key_multibase
    ]
    assert document["assertionMethod"] == ["did:web:127.0.0.1%3A8000#key-1"]


def test_an_issuer_with_no_key_yet_has_an_empty_document_and_an_unknown_one_none(client, db):
    IssuerFactory(slug="institute")

    empty = json.loads(client.get("/issuers/institute/did.json").content)

    assert empty["id"] == "did:web:127.0.0.1%3A8000:issuers:institute"
    assert empty["verificationMethod"] == empty["assertionMethod"] == []
    assert client.get("/issuers/nobody/did.json").status_code == 404
    assert client.post("/issuers/institute/did.json").status_code == 405


def test_a_credential_signed_before_a_rotation_still_verifies(db):
    issuer = IssuerFactory(slug="institute")
    services.generate_signing_key(issuer_id=issuer.pk, by=None)
    before = signer_for(issuer).sign(credential_by(signer_for(issuer)))
    services.rotate_signing_key(issuer_id=issuer.pk, by=None)
    after = signer_for(issuer).sign(credential_by(signer_for(issuer), name="Later"))

    old = verify(before, resolve_key=resolve_verification_method)
    new = verify(after, resolve_key=resolve_verification_method)

    assert before["proof"]["verificationMethod"].endswith("#key-1")
    assert after["proof"]["verificationMethod"].endswith("#key-2")
    assert (old.verified, new.verified) == (True, True)


def test_a_key_we_never_published_is_not_found(db):
    issuer = IssuerFactory(slug="institute")
    services.generate_signing_key(issuer_id=issuer.pk, by=None)
    signed = signer_for(issuer).sign(credential_by(signer_for(issuer)))
    signed["proof"]["verificationMethod"] = signed["proof"]["verificationMethod"].replace(
        "#key-1", "#key-9"
    )

    result = verify(signed, resolve_key=resolve_verification_method)

    assert result.failed_step == FailedStep.KEY_NOT_FOUND
    assert "#key-9 could not be resolved" in result.reason


@pytest.mark.parametrize(
    "method",
    [
        "did:web:elsewhere.example.org:issuers:institute#key-1",  # another host: never fetched
        "did:web:127.0.0.1%3A8000:issuers:nobody#key-1",
        "did:key:z6Mkbogus#z6Mkbogus",
        "https://127.0.0.1:8000/issuers/institute#key-1",
        "did:web:127.0.0.1%3A8000:issuers:institute",
    ],
)
def test_what_is_not_ours_or_not_a_key_does_not_resolve(db, method):
    services.generate_signing_key(issuer_id=IssuerFactory(slug="institute").pk, by=None)

    assert resolve_verification_method(method) is None


def test_with_did_key_the_issuer_is_its_current_key(db, settings):
    settings.DID_METHOD = "key"
    issuer = IssuerFactory(slug="institute")
    key = services.generate_signing_key(issuer_id=issuer.pk, by=None)

    signer = signer_for(issuer)
    signed = signer.sign(credential_by(signer))

    assert signer.issuer_did == f"did:key:{key.public_key_multibase}"
    assert signer.verification_method == (
        f"did:key:{key.public_key_multibase}#{key.public_key_multibase}"
    )
    assert verify(signed, resolve_key=resolve_verification_method).verified is True
    # A did:key resolves from itself: a rotation does not stop the old one verifying.
    services.rotate_signing_key(issuer_id=issuer.pk, by=None)
    assert verify(signed, resolve_key=resolve_verification_method).verified is True
    assert signer_for(issuer).issuer_did != signer.issuer_did
