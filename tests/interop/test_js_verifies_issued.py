"""Digital Bazaar's JavaScript verifier accepts a credential as this site issues it, and the
revocation list that credential points at, resolving our DID document and our own JSON-LD
context from the running site on loopback (nothing from anywhere else)."""

import hashlib
import json

import pytest

from credentials.models import CredentialDocument
from credentials.records import EvidenceRecord
from credentials.services import (
    generate_signing_key,
    issue_credential,
    revoke_credential,
    sign_credential,
)
from tests.credentials.conftest import issue, staff_member
from tests.factories import EvidenceItemFactory, MicroCredentialFactory, UserFactory, pdf_bytes

SITE = "https://badges.example.org"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = SITE
    # The verifier reads our site's addresses from the server on loopback.
    return {"url": SITE, "origin": live_server.url}


def test_js_verifies_a_freshly_issued_credential_and_its_status_list(js, site, client):
    learner = UserFactory(email="learner@example.org")
    micro_credential = MicroCredentialFactory()
    generate_signing_key(issuer_id=micro_credential.issuer_id, by=None)
    credential = issue(learner, micro_credential)
    sign_credential(credential_id=credential.pk)
    document = json.loads(CredentialDocument.objects.get(credential=credential).content)
    status_list_url = document["credentialStatus"]["statusListCredential"]
    status_list = client.get(status_list_url.removeprefix(SITE)).json()

    verified = js.call("verify", credential=document, site=site)
    list_verified = js.call("verify", credential=status_list, site=site)
    revoke_credential(
        credential_id=credential.pk, by=staff_member(micro_credential.issuer), reason="Copied."
    )
    revoked = js.call("verify", credential=document, site=site)
    document["name"] = "Something else"
    tampered = js.call("verify", credential=document, site=site, ignoreStatus=True)

    assert verified == {"verified": True, "errors": [], "revoked": False}
    assert list_verified == {"verified": True, "errors": []}
    # The proof still holds; the list it points at now says revoked.
    assert revoked == {"verified": True, "errors": [], "revoked": True}
    assert tampered["verified"] is False


def test_js_verifies_a_credential_listing_its_evidence_files_digests(js, site):
    learner = UserFactory(email="shows@example.org")
    learner.profile.is_public = True
    learner.profile.save()
    shown = EvidenceItemFactory(owner=learner, title="Report", pdf=True, public=True)
    micro_credential = MicroCredentialFactory()
    generate_signing_key(issuer_id=micro_credential.issuer_id, by=None)
    credential = issue_credential(
        by=staff_member(micro_credential.issuer),
        learner_id=learner.pk,
        micro_credential_id=micro_credential.pk,
        award_reference="interop:digests",
        assessor_id=None,
        evidence=[
            EvidenceRecord(
                submitted_evidence_id=1,
                title="Report",
                kind="file",
                description="",
                url="",
                library_item_id=shown.pk,
                sha256=hashlib.sha256(pdf_bytes()).hexdigest(),
            )
        ],
        rubric_results=[],
    )
    sign_credential(credential_id=credential.pk)
    document = json.loads(CredentialDocument.objects.get(credential=credential).content)

    verified = js.call("verify", credential=document, site=site)
    document["relatedResource"][0]["digestMultibase"] = (
        "uEiDjsMRCmPwcFJr79MiZb7kkJ65B5GSbk0yklZkbeFK4VQ"
    )
    tampered = js.call("verify", credential=document, site=site)

    assert document["relatedResource"][0]["id"] == f"{SITE}/evidence/{shown.pk}/file/"
    assert verified == {"verified": True, "errors": [], "revoked": False}
    # The digest is signed: another one breaks the proof.
    assert tampered["verified"] is False
