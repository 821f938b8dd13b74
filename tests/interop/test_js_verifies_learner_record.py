"""Digital Bazaar's JavaScript verifier accepts a learner's record as /me/clr.json hands it out:
the CLR 2.0 ClrCredential's proof by the site's key, and each credential inside it with its
own issuer's proof and status list, resolving our DID documents and our own JSON-LD context
from the running site on loopback (nothing from anywhere else)."""

import copy

import pytest
from django.urls import reverse

from credentials.services import generate_signing_key, sign_credential
from tests.credentials.conftest import issue, revoke
from tests.factories import MicroCredentialFactory, UserFactory

SITE = "https://badges.example.org"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = SITE
    # The verifier reads our site's addresses from the server on loopback.
    return {"url": SITE, "origin": live_server.url}


def test_js_verifies_a_learners_record_and_each_credential_in_it(js, site, client):
    learner = UserFactory()
    larger = MicroCredentialFactory()
    part = MicroCredentialFactory(issuer=larger.issuer, stacks_towards=larger)
    generate_signing_key(issuer_id=None, by=None)
    generate_signing_key(issuer_id=larger.issuer_id, by=None)
    credentials = [issue(learner, mc) for mc in (part, larger)]
    for credential in credentials:
        sign_credential(credential_id=credential.pk)
    client.force_login(learner)
    record = client.get(reverse("credentials:my-learner-record")).json()

    verified = js.call("verifyClr", credential=record, site=site)
    tampered_record = copy.deepcopy(record)
    tampered_record["credentialSubject"]["association"][0]["associationType"] = "isPeerOf"
    tampered = js.call("verifyClr", credential=tampered_record, site=site)
    revoke(credentials[0])
    after_revocation = js.call("verifyClr", credential=record, site=site)

    assert record["credentialSubject"]["association"][0]["associationType"] == "isPartOf"
    assert verified == {
        "verified": True,
        "errors": [],
        "credentials": [{"verified": True, "errors": [], "revoked": False}] * 2,
    }
    # The record's own proof covers what it says about the credentials.
    assert tampered["verified"] is False
    assert tampered["errors"]
    assert tampered["credentials"] == verified["credentials"]
    # Revoked after the download: the record's proof holds, the credential's list says so.
    assert after_revocation["verified"] is False
    assert after_revocation["credentials"] == [
        {"verified": True, "errors": [], "revoked": True},
        {"verified": True, "errors": [], "revoked": False},
    ]
