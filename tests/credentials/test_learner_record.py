"""A learner's whole record as a signed CLR 2.0 ClrCredential (credentials.vc.clr), downloaded
from /me/clr.json: valid against 1EdTech's CLR 2.0 schema (copied into
tests/credentials/schemas/), signed by the site, holding each credential exactly as issued."""

import copy
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from jsonschema import Draft201909Validator

from credentials.models import CredentialDocument
from credentials.services import generate_signing_key, sign_credential
from credentials.vc.clr import CLR_SCHEMA_URL, EmptyRecordError, sign_learner_record
from credentials.vc.identity import resolve_verification_method, site_did_web
from credentials.vc.open_badges import hash_identity
from credentials.vc.proofs import FailedStep, verify
from tests.credentials.conftest import BADGES_SITE as SITE
from tests.credentials.conftest import NOW, issue, revoke
from tests.factories import MicroCredentialFactory, UserFactory

SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "clr_v2p0_clrcredential_schema.json").read_text()
)
URL = reverse("credentials:my-learner-record")

pytestmark = pytest.mark.usefixtures("badges_site")


@pytest.fixture
def site_key(db):
    return generate_signing_key(issuer_id=None, by=None)


@pytest.fixture
def learner(db):
    return UserFactory(email="Ada.Learner@Example.org")


def issue_signed(learner, micro_credential, **kwargs):
    generate_signing_key(issuer_id=micro_credential.issuer_id, by=None)
    credential = issue(learner, micro_credential, **kwargs)
    sign_credential(credential_id=credential.pk)
    return credential


def stored(credential):
    content = CredentialDocument.objects.get(credential=credential, format="ob3").content
    return json.loads(content)


@pytest.fixture
def stack(issuer):
    """Two micro-credentials that stack towards a third, of the same issuer."""
    larger = MicroCredentialFactory(issuer=issuer, title="Data Analyst", slug="data-analyst")
    parts = [
        MicroCredentialFactory(issuer=issuer, slug=slug, stacks_towards=larger)
        for slug in ("spreadsheets", "charts")
    ]
    return larger, parts


def download(client, user):
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200, response.content
    return response, json.loads(response.content)


# --- The record --------------------------------------------------------------------------


def test_the_record_holds_each_credential_exactly_as_issued(site_key, learner, stack):
    larger, parts = stack
    credentials = [issue_signed(learner, mc) for mc in (*parts, larger)]

    record = sign_learner_record(learner=learner)

    subject = record["credentialSubject"]
    assert subject["verifiableCredential"] == [stored(c) for c in credentials]
    for inner in subject["verifiableCredential"]:
        # Each keeps its issuer's proof, and still verifies on its own.
        assert inner["proof"]["verificationMethod"].startswith(inner["issuer"]["id"])
        assert verify(inner, resolve_key=resolve_verification_method).verified


def test_the_record_is_valid_against_the_clr_schema(site_key, learner, micro_credential):
    issue_signed(learner, micro_credential)

    record = sign_learner_record(learner=learner)

    assert Draft201909Validator(SCHEMA).is_valid(record)
    # The schema checks something: a record with no credential in it fails.
    empty = copy.deepcopy(record)
    empty["credentialSubject"]["verifiableCredential"] = []
    assert not Draft201909Validator(SCHEMA).is_valid(empty)


def test_the_record_is_signed_by_the_site_and_says_what_it_is(site_key, learner, micro_credential):
    issue_signed(learner, micro_credential)

    record = sign_learner_record(learner=learner)

    assert record["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
    assert record["type"] == ["VerifiableCredential", "ClrCredential"]
    assert record["id"].startswith("urn:uuid:")
    assert record["issuer"] == {
        "id": "did:web:badges.example.org",
        "type": ["Profile"],
        "name": "Unbundled",
        "url": SITE,
    }
    assert record["validFrom"] == record["awardedDate"] == "2026-03-01T12:00:00Z"
    assert record["partial"] is False
    assert record["credentialSchema"] == [
        {"id": CLR_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}
    ]
    assert record["proof"]["verificationMethod"] == f"{site_did_web()}#{site_key.key_id}"
    assert record["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    result = verify(record, resolve_key=resolve_verification_method)
    assert result.verified, result.reason


def test_the_holder_is_named_only_by_a_salted_hash_of_their_email(
    site_key, learner, micro_credential
):
    issue_signed(learner, micro_credential)

    record = sign_learner_record(learner=learner)

    [identity] = record["credentialSubject"]["identifier"]
    assert identity["identityHash"] == hash_identity("ada.learner@example.org", identity["salt"])
    assert "Ada.Learner@Example.org".lower() not in json.dumps(record).lower()


def test_changing_anything_inside_breaks_the_records_signature(site_key, learner, micro_credential):
    issue_signed(learner, micro_credential)
    record = sign_learner_record(learner=learner)
    changed = copy.deepcopy(record)

    changed["credentialSubject"]["verifiableCredential"][0]["name"] = "Something else"

    result = verify(changed, resolve_key=resolve_verification_method)
    assert (result.verified, result.failed_step) == (False, FailedStep.SIGNATURE_INVALID)
    assert verify(record, resolve_key=resolve_verification_method).verified


def test_stacked_achievements_are_associated_as_parts_of_the_larger_one(site_key, learner, stack):
    larger, parts = stack
    for micro_credential in (*parts, larger):
        issue_signed(learner, micro_credential)

    record = sign_learner_record(learner=learner)

    larger_id = f"{SITE}/credentials/data-analyst/"
    assert stored_achievement_ids(record) == {
        f"{SITE}/credentials/spreadsheets/",
        f"{SITE}/credentials/charts/",
        larger_id,
    }
    assert record["credentialSubject"]["association"] == [
        {
            "type": "Association",
            "associationType": "isPartOf",
            "sourceId": f"{SITE}/credentials/charts/",
            "targetId": larger_id,
        },
        {
            "type": "Association",
            "associationType": "isPartOf",
            "sourceId": f"{SITE}/credentials/spreadsheets/",
            "targetId": larger_id,
        },
    ]


def stored_achievement_ids(record):
    return {
        inner["credentialSubject"]["achievement"]["id"]
        for inner in record["credentialSubject"]["verifiableCredential"]
    }


def test_a_part_without_the_larger_credential_has_no_association(site_key, learner, stack):
    _larger, parts = stack
    issue_signed(learner, parts[0])
    issue_signed(learner, MicroCredentialFactory())

    record = sign_learner_record(learner=learner)

    assert len(record["credentialSubject"]["verifiableCredential"]) == 2
    assert "association" not in record["credentialSubject"]


def test_revoked_credentials_are_left_out_and_expired_ones_kept(
    site_key, learner, issuer, time_machine
):
    kept = issue_signed(learner, MicroCredentialFactory(issuer=issuer, slug="kept"))
    expired = issue_signed(
        learner,
        MicroCredentialFactory(issuer=issuer, slug="lapsed", validity_months=1),
        issued_at=NOW - timedelta(days=90),
    )
    revoked = issue_signed(learner, MicroCredentialFactory(issuer=issuer, slug="withdrawn"))
    revoke(revoked)

    record = sign_learner_record(learner=learner)

    assert expired.status == expired.Status.EXPIRED
    assert record["credentialSubject"]["verifiableCredential"] == [
        stored(expired),
        stored(kept),
    ]
    assert str(revoked.public_id) not in json.dumps(record)


def test_a_credential_not_signed_yet_makes_the_record_partial(site_key, learner, issuer):
    signed = issue_signed(learner, MicroCredentialFactory(issuer=issuer))
    # An issuer without a key: its credential is issued but not signed.
    unsigned = issue(learner, MicroCredentialFactory())

    record = sign_learner_record(learner=learner)

    assert record["partial"] is True
    assert record["credentialSubject"]["verifiableCredential"] == [stored(signed)]
    assert str(unsigned.public_id) not in json.dumps(record)


def test_other_learners_credentials_are_not_in_the_record(site_key, learner, micro_credential):
    mine = issue_signed(learner, micro_credential)
    issue_signed(UserFactory(), micro_credential)

    record = sign_learner_record(learner=learner)

    assert record["credentialSubject"]["verifiableCredential"] == [stored(mine)]


def test_a_learner_without_signed_credentials_has_no_record(site_key, learner, micro_credential):
    with pytest.raises(EmptyRecordError):
        sign_learner_record(learner=learner)
    revoke(issue_signed(learner, micro_credential))
    with pytest.raises(EmptyRecordError):
        sign_learner_record(learner=learner)


# --- The download ------------------------------------------------------------------------


def test_the_learner_downloads_their_record(client, site_key, learner, micro_credential):
    credential = issue_signed(learner, micro_credential)

    response, record = download(client, learner)

    assert response["Content-Type"] == "application/vc+ld+json"
    assert response["Content-Disposition"] == 'attachment; filename="learner-record.json"'
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert record["credentialSubject"]["verifiableCredential"] == [stored(credential)]
    assert verify(record, resolve_key=resolve_verification_method).verified


def test_the_download_takes_the_same_queries_for_one_credential_or_many(
    client, site_key, learner, issuer, django_assert_num_queries
):
    issue_signed(learner, MicroCredentialFactory(issuer=issuer))
    client.force_login(learner)
    # Session, user, the record, the site's key.
    with django_assert_num_queries(4):
        assert client.get(URL).status_code == 200
    for _ in range(3):
        issue_signed(learner, MicroCredentialFactory(issuer=issuer))
    with django_assert_num_queries(4):
        response = client.get(URL)
    assert len(json.loads(response.content)["credentialSubject"]["verifiableCredential"]) == 4


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={URL}"


@pytest.mark.parametrize("role", ["employer", "assessor", "issuer_staff"])
def test_other_roles_have_no_record(client, site_key, role):
    client.force_login(UserFactory(**{role: True}))

    response = client.get(URL)

    assert response.status_code == 404


def test_a_learner_gets_only_their_own_record(client, site_key, learner, micro_credential):
    theirs = issue_signed(learner, micro_credential)
    other = UserFactory()
    mine = issue_signed(other, MicroCredentialFactory())

    _response, record = download(client, other)

    assert record["credentialSubject"]["verifiableCredential"] == [stored(mine)]
    assert str(theirs.public_id) not in json.dumps(record)


def test_without_credentials_the_learner_is_told_so(client, site_key, learner):
    client.force_login(learner)

    response = client.get(URL, follow=True)

    assert response.redirect_chain == [(reverse("credentials:my-credentials"), 302)]
    assert "You have no signed credential to put in a learner record yet." in (
        response.content.decode()
    )


def test_without_a_site_key_the_download_says_why(client, learner, micro_credential):
    issue_signed(learner, micro_credential)
    client.force_login(learner)

    response = client.get(URL)

    assert response.status_code == 503
    assert "this site has no usable signing key" in response.content.decode()
    assert response["Retry-After"] == "300"


def test_the_dashboard_links_to_the_record(client, site_key, learner, micro_credential):
    issue_signed(learner, micro_credential)
    client.force_login(learner)

    response = client.get(reverse("dashboard"))

    assert f'href="{URL}"' in response.content.decode()
