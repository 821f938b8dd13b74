"""A credential as a VC-JWT (VC-JOSE-COSE, EdDSA): /c/<id>.jwt, or `Accept: application/vc+jwt`
on its page, signed with its issuer's current key; checked here with `cryptography` alone."""

import base64
import json

import pytest
from cryptography.exceptions import InvalidSignature

from credentials.models import CredentialDocument
from credentials.services import generate_signing_key, rotate_signing_key, sign_credential
from credentials.vc.identity import issuer_did_web, resolve_verification_method
from tests.credentials.conftest import BADGES_SITE as SITE
from tests.credentials.conftest import issue, revoke
from tests.factories import UserFactory

JWT = "application/vc+jwt"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

pytestmark = pytest.mark.usefixtures("badges_site")


@pytest.fixture
def credential(micro_credential):
    generate_signing_key(issuer_id=micro_credential.issuer_id, by=None)
    credential = issue(UserFactory(), micro_credential)
    sign_credential(credential_id=credential.pk)
    return credential


def stored(credential):
    return json.loads(CredentialDocument.objects.get(credential=credential, format="ob3").content)


def decode_part(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def verify_jwt(token):
    """Header and payload of a compact JWS whose EdDSA signature holds under its kid's key."""
    header_part, payload_part, signature_part = token.split(".")
    header = decode_part(header_part)
    key = resolve_verification_method(header["kid"])
    signature = base64.urlsafe_b64decode(signature_part + "=" * (-len(signature_part) % 4))
    # Raises InvalidSignature if the token was changed or another key signed it.
    key.public_key.verify(signature, f"{header_part}.{payload_part}".encode("ascii"))
    return header, decode_part(payload_part)


def test_the_jwt_is_the_credential_without_its_proof_signed_by_the_issuer(client, credential):
    response = client.get(f"/c/{credential.public_id}.jwt", HTTP_ACCEPT=BROWSER_ACCEPT)

    assert response.status_code == 200
    assert response["Content-Type"] == JWT
    header, payload = verify_jwt(response.content.decode())
    assert header == {
        "alg": "EdDSA",
        "kid": f"{issuer_did_web(credential.issuer)}#key-1",
        "typ": "vc+jwt",
    }
    document = stored(credential)
    assert "proof" in document
    del document["proof"]
    assert payload == document
    assert payload["issuer"]["id"] == header["kid"].split("#")[0]


def test_the_page_answers_with_the_jwt_when_asked(client, credential):
    url = f"/c/{credential.public_id}/"

    response = client.get(url, HTTP_ACCEPT=JWT)

    assert response.status_code == 200
    assert response["Content-Type"] == JWT
    assert "Accept" in response["Vary"]
    _header, payload = verify_jwt(response.content.decode())
    assert payload["id"] == f"{SITE}{url}"
    # A browser still gets the page.
    assert client.get(url, HTTP_ACCEPT=BROWSER_ACCEPT)["Content-Type"].startswith("text/html")


def test_a_changed_payload_fails_the_signature(client, credential):
    token = client.get(f"/c/{credential.public_id}.jwt").content.decode()
    header_part, payload_part, signature_part = token.split(".")
    payload = decode_part(payload_part)
    payload["name"] = "Something else"
    changed = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()

    verify_jwt(token)
    with pytest.raises(InvalidSignature):
        verify_jwt(f"{header_part}.{changed}.{signature_part}")


def test_after_a_rotation_the_current_key_signs(client, credential):
    rotate_signing_key(issuer_id=credential.issuer_id, by=None)

    token = client.get(f"/c/{credential.public_id}.jwt").content.decode()

    header, _payload = verify_jwt(token)
    assert header["kid"] == f"{issuer_did_web(credential.issuer)}#key-2"


def test_the_jwt_is_a_404_where_the_page_is(client, credential, micro_credential):
    unsigned = issue(UserFactory(), micro_credential)
    credential.learner.is_active = False
    credential.learner.save()

    assert client.get(f"/c/{credential.public_id}.jwt").status_code == 404
    assert client.get(f"/c/{credential.public_id}/", HTTP_ACCEPT=JWT).status_code == 404
    assert client.get(f"/c/{unsigned.public_id}.jwt").status_code == 404
    assert client.get("/c/00000000-0000-4000-8000-000000000000.jwt").status_code == 404
    # The issuer's staff still find it, as they find the page.
    staff = UserFactory(issuer_staff=True)
    credential.issuer.staff.add(staff)
    client.force_login(staff)
    assert client.get(f"/c/{credential.public_id}.jwt").status_code == 200


def test_a_revoked_credential_is_still_served_its_status_says_so(client, credential):
    revoke(credential)

    _header, payload = verify_jwt(client.get(f"/c/{credential.public_id}.jwt").content.decode())

    assert payload["credentialStatus"] == stored(credential)["credentialStatus"]


def test_the_jwt_takes_two_queries(client, credential, django_assert_num_queries):
    # The stored document with its issuer, and the issuer's current key.
    with django_assert_num_queries(2):
        response = client.get(f"/c/{credential.public_id}.jwt")
    assert response.status_code == 200
