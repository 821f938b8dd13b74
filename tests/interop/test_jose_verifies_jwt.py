"""The `jose` npm library verifies a credential's VC-JWT as /c/<id>.jwt hands it out, with the
key its `kid` names, resolved from our issuer's DID document on loopback."""

import json

import pytest

from credentials.models import CredentialDocument
from credentials.services import generate_signing_key, sign_credential
from credentials.vc.identity import issuer_did_web
from tests.credentials.conftest import issue
from tests.factories import MicroCredentialFactory, UserFactory

SITE = "https://badges.example.org"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = SITE
    return {"url": SITE, "origin": live_server.url}


def test_jose_verifies_a_credentials_vc_jwt(js, site, client):
    micro_credential = MicroCredentialFactory()
    generate_signing_key(issuer_id=micro_credential.issuer_id, by=None)
    credential = issue(UserFactory(), micro_credential)
    sign_credential(credential_id=credential.pk)
    token = client.get(f"/c/{credential.public_id}.jwt").content.decode()
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"

    verified = js.call("verifyJwt", jwt=token, site=site)
    refused = js.call("verifyJwt", jwt=forged, site=site)

    document = json.loads(CredentialDocument.objects.get(credential=credential).content)
    del document["proof"]
    did = issuer_did_web(micro_credential.issuer)
    assert verified == {
        "verified": True,
        "errors": [],
        "header": {"alg": "EdDSA", "kid": f"{did}#key-1", "typ": "vc+jwt"},
        "controller": did,
        "payload": document,
    }
    assert refused["verified"] is False
    assert refused["errors"]
