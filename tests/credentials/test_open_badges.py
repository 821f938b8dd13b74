"""Every issued credential becomes a signed Open Badges 3.0 OpenBadgeCredential.

Built (credentials.vc.open_badges), checked against 1EdTech's JSON Schema (a copy in
tests/credentials/schemas/), signed on issue with the issuer's key and kept as text
(credentials.services.sign_credential), and served from the credential's own page.
"""

import base64
import copy
import hashlib
import json
import logging
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from jsonschema import Draft201909Validator

from credentials import services
from credentials.models import CredentialDocument
from credentials.records import EvidenceRecord
from credentials.services import generate_signing_key, sign_credential
from credentials.vc.canonical import canonicalize
from credentials.vc.contexts import (
    BUNDLED_CONTEXTS,
    MICRO_CREDENTIAL_V1_PATH,
    UnknownContextError,
    document_loader,
)
from credentials.vc.identity import NoSigningKey, issuer_did_web, resolve_verification_method
from credentials.vc.open_badges import build_open_badge_credential, hash_identity
from credentials.vc.proofs import FailedStep, verify
from credentials.vc.status_list import StatusOutcome, check_status
from portfolio.models import Event
from tests.credentials.conftest import BADGES_SITE as SITE
from tests.credentials.conftest import NOW, RUBRIC_RESULTS, issue, staff_member
from tests.factories import EvidenceItemFactory, SkillFactory, SkillFrameworkFactory, UserFactory

SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "ob_v3p0_achievementcredential_schema.json").read_text()
)
CREDENTIAL_MEDIA_TYPES = ["application/vc+ld+json", "application/vc", "application/ld+json"]
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

pytestmark = pytest.mark.usefixtures("badges_site")


@pytest.fixture
def learner(db):
    learner = UserFactory(email="Ada.Learner@Example.org")
    learner.profile.is_public = True
    learner.profile.save()
    return learner


@pytest.fixture
def rich_micro_credential(micro_credential):
    """Skills with and without an external URI, ECTS and the framework levels stated."""
    framework = SkillFrameworkFactory(name="ESCO", url="")
    micro_credential.skills.add(
        SkillFactory(
            framework=framework,
            name="communicate with stakeholders",
            uri="http://data.europa.eu/esco/skill/15d76317-c71a-4fa2-aadc-2ecc34e627b7",
            code="S1.2",
        ),
        SkillFactory(framework=framework, name="tell stories with data"),
    )
    micro_credential.ects_credits = Decimal("1.5")
    micro_credential.eqf_level = 6
    micro_credential.national_framework_level = "NFQ level 7"
    micro_credential.supervision = "supervised_online_id"
    micro_credential.save()
    return micro_credential


def file_sha256(title):
    """The digest the records below give the file of the item with this title."""
    return hashlib.sha256(f"the file of {title}".encode()).hexdigest()


def issue_with_public_evidence(learner, micro_credential):
    shown = EvidenceItemFactory(owner=learner, title="Sales dashboard", public=True)
    private = EvidenceItemFactory(owner=learner, title="Private notes", is_public=False)
    evidence = [
        EvidenceRecord(
            submitted_evidence_id=10 + item.pk,
            title=item.title,
            kind="reflection",
            description="Only for the assessor.",
            url="",
            library_item_id=item.pk,
            sha256=file_sha256(item.title),
        )
        for item in (shown, private)
    ]
    return (
        services.issue_credential(
            by=staff_member(micro_credential.issuer),
            learner_id=learner.pk,
            micro_credential_id=micro_credential.pk,
            award_reference="test:ob3",
            assessor_id=None,
            evidence=evidence,
            rubric_results=RUBRIC_RESULTS,
            issued_at=NOW,
        ),
        shown,
    )


@pytest.fixture
def credential(learner, rich_micro_credential):
    credential, _shown = issue_with_public_evidence(learner, rich_micro_credential)
    return credential


@pytest.fixture
def signed(credential):
    generate_signing_key(issuer_id=credential.issuer_id, by=None)
    return sign_credential(credential_id=credential.pk)


def document_of(credential):
    return json.loads(CredentialDocument.objects.get(credential=credential, format="ob3").content)


# --- The document ------------------------------------------------------------------------


def test_the_built_document_is_valid_against_the_open_badges_schema(credential):
    document = build_open_badge_credential(credential, issuer_id=issuer_did_web(credential.issuer))

    errors = sorted(Draft201909Validator(SCHEMA).iter_errors(document), key=str)
    assert errors == []
    # The schema itself checks something: a document without its subject fails it.
    del document["credentialSubject"]
    assert not Draft201909Validator(SCHEMA).is_valid(document)


def test_the_document_says_what_the_issue_lists(credential):
    did = issuer_did_web(credential.issuer)
    document = build_open_badge_credential(credential, issuer_id=did, salt="a1b2")

    assert document["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        f"{SITE}{MICRO_CREDENTIAL_V1_PATH}",
    ]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["id"] == f"{SITE}/c/{credential.public_id}/"
    assert document["issuer"] == {
        "id": did,
        "type": ["Profile"],
        "name": "Northfield Institute",
        "url": "https://northfield.example.org",
        "email": credential.issuer.email,
    }
    assert document["validFrom"] == "2026-03-01T12:00:00Z"
    assert document["validUntil"] == "2028-03-01T12:00:00Z"
    assert document["name"] == "Data Storytelling"
    assert document["credentialSchema"] == [
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
            "ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ]
    subject = document["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    # The address is hashed, lower-cased, with the salt that is given with it.
    expected_hash = "sha256$" + hashlib.sha256(b"ada.learner@example.orga1b2").hexdigest()
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": True,
            "identityHash": expected_hash,
            "salt": "a1b2",
        }
    ]
    assert "ada.learner" not in json.dumps(document).lower()
    assert subject["creditsEarned"] == 1.5


def test_the_achievement_carries_skills_rubric_and_standard_elements(credential):
    document = build_open_badge_credential(credential, issuer_id="did:web:x", salt="s")
    achievement = document["credentialSubject"]["achievement"]
    achievement_id = f"{SITE}/credentials/data-storytelling/"

    assert achievement["id"] == achievement_id
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "MicroCredential"
    assert achievement["criteria"]["narrative"] == credential.micro_credential.criteria
    # Skills in name order; the external URI where there is one, a search on the site else.
    assert [a["targetName"] for a in achievement["alignment"]] == [
        "communicate with stakeholders",
        "tell stories with data",
    ]
    assert achievement["alignment"][0]["targetUrl"].startswith("http://data.europa.eu/esco/")
    assert achievement["alignment"][0]["targetCode"] == "S1.2"
    assert achievement["alignment"][1]["targetUrl"].startswith(f"{SITE}/directory/?skill=")
    clarity = achievement["resultDescription"][0]
    assert clarity["id"] == f"{achievement_id}#criterion-1"
    assert clarity["resultType"] == "RubricCriterionLevel"
    assert clarity["allowedValue"] == ["Not yet", "Meets", "Exceeds"]
    assert clarity["requiredLevel"] == f"{achievement_id}#criterion-1-level-2"
    assert achievement["creditsAvailable"] == 1.5
    assert achievement["eqfLevel"] == 6
    assert achievement["nationalFrameworkLevel"] == "NFQ level 7"
    assert achievement["timeRequired"] == "PT12H"
    assert achievement["courseMode"] == "Online"
    assert achievement["assessmentType"].startswith("Portfolio of evidence")
    assert achievement["qualityAssurance"].startswith("Reviewed yearly")
    assert achievement["supervision"] == "Supervised online, with identity verification"
    # The levels reached, pointing at the rubric's levels.
    assert document["credentialSubject"]["result"] == [
        {
            "type": ["Result"],
            "value": "Exceeds",
            "resultDescription": f"{achievement_id}#criterion-1",
            "achievedLevel": f"{achievement_id}#criterion-1-level-3",
        },
        {
            "type": ["Result"],
            "value": "Meets",
            "resultDescription": f"{achievement_id}#criterion-2",
            "achievedLevel": f"{achievement_id}#criterion-2-level-2",
        },
    ]


def test_evidence_lists_only_what_the_holder_shows_publicly(learner, rich_micro_credential):
    credential, shown = issue_with_public_evidence(learner, rich_micro_credential)

    document = build_open_badge_credential(credential, issuer_id="did:web:x")

    assert document["evidence"] == [
        {
            "id": f"{SITE}/p/{learner.profile.slug}/#evidence-{shown.pk}",
            "type": ["Evidence"],
            "name": "Sales dashboard",
            "genre": "Written reflection",
        }
    ]
    assert "Only for the assessor" not in json.dumps(document)


def test_the_files_of_public_evidence_are_listed_with_their_digests(learner, rich_micro_credential):
    credential, shown = issue_with_public_evidence(learner, rich_micro_credential)

    document = build_open_badge_credential(credential, issuer_id="did:web:x")

    digest = bytes.fromhex(file_sha256("Sales dashboard"))
    assert document["relatedResource"] == [
        {
            "id": f"{SITE}/evidence/{shown.pk}/file/",
            # A sha2-256 multihash (0x12, 32 bytes), base64url without padding.
            "digestMultibase": "u"
            + base64.urlsafe_b64encode(b"\x12\x20" + digest).decode().rstrip("="),
        }
    ]
    # The private item's digest is not published, in any encoding.
    assert file_sha256("Private notes") not in json.dumps(document)
    assert len(document["relatedResource"]) == len(document["evidence"]) == 1


def test_evidence_without_a_digest_lists_no_related_resource(learner, rich_micro_credential):
    shown = EvidenceItemFactory(owner=learner, title="Talk", public=True)
    credential = services.issue_credential(
        by=staff_member(rich_micro_credential.issuer),
        learner_id=learner.pk,
        micro_credential_id=rich_micro_credential.pk,
        award_reference="test:no-digest",
        assessor_id=None,
        evidence=[
            EvidenceRecord(
                submitted_evidence_id=1,
                title="Talk",
                kind="link",
                description="",
                url="https://example.org/talk",
                library_item_id=shown.pk,
            )
        ],
        rubric_results=RUBRIC_RESULTS,
        issued_at=NOW,
    )

    document = build_open_badge_credential(credential, issuer_id="did:web:x")

    assert [entry["name"] for entry in document["evidence"]] == ["Talk"]
    assert "relatedResource" not in document


def test_every_property_is_defined_by_a_context_so_all_of_it_is_signed(credential):
    document = build_open_badge_credential(credential, issuer_id="did:web:x")

    nquads = canonicalize(document)  # strict: raises for a property no context defines

    assert "<https://schema.org/courseMode>" in nquads
    assert "<urn:unbundled:micro-credential:eqfLevel>" in nquads
    assert "1EdTechJsonSchemaValidator2019" in nquads
    assert "<https://www.w3.org/2018/credentials#relatedResource>" in nquads
    assert "<https://w3id.org/security#digestMultibase>" in nquads


def test_our_context_is_served_at_its_url_on_this_site_only(client):
    remote = document_loader(f"{SITE}{MICRO_CREDENTIAL_V1_PATH}", {})
    assert remote["document"] == BUNDLED_CONTEXTS[MICRO_CREDENTIAL_V1_PATH]
    for url in (MICRO_CREDENTIAL_V1_PATH, f"https://elsewhere.example{MICRO_CREDENTIAL_V1_PATH}"):
        with pytest.raises(UnknownContextError):
            document_loader(url, {})

    response = client.get(MICRO_CREDENTIAL_V1_PATH)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert json.loads(response.content) == BUNDLED_CONTEXTS[MICRO_CREDENTIAL_V1_PATH]


# --- Signing -----------------------------------------------------------------------------


def test_a_signed_credential_verifies_with_the_issuers_key(credential, signed):
    document = json.loads(signed.content)

    result = verify(document, resolve_key=resolve_verification_method)

    assert result.verified, result.reason
    assert document["proof"]["verificationMethod"] == (f"{issuer_did_web(credential.issuer)}#key-1")
    assert document["issuer"]["id"] == issuer_did_web(credential.issuer)
    # The schema holds for the signed document too (the proof is part of it).
    assert Draft201909Validator(SCHEMA).is_valid(document)


CHANGES = {
    "name": lambda d: d.__setitem__("name", "Data Science"),
    "validFrom": lambda d: d.__setitem__("validFrom", "2020-01-01T00:00:00Z"),
    "validUntil": lambda d: d.__setitem__("validUntil", "2099-01-01T00:00:00Z"),
    "issuer name": lambda d: d["issuer"].__setitem__("name", "Another Institute"),
    "identity hash": lambda d: d["credentialSubject"]["identifier"][0].__setitem__(
        "identityHash", "sha256$" + "0" * 64
    ),
    "achievement name": lambda d: d["credentialSubject"]["achievement"].__setitem__(
        "name", "Advanced Data Storytelling"
    ),
    "EQF level": lambda d: d["credentialSubject"]["achievement"].__setitem__("eqfLevel", 7),
    "workload": lambda d: d["credentialSubject"]["achievement"].__setitem__(
        "timeRequired", "PT120H"
    ),
    "credits": lambda d: d["credentialSubject"]["achievement"].__setitem__(
        "creditsAvailable", 15.0
    ),
    "result": lambda d: d["credentialSubject"]["result"][1].__setitem__("value", "Exceeds"),
    "evidence": lambda d: d["evidence"][0].__setitem__("name", "Someone else's dashboard"),
    "file digest": lambda d: d["relatedResource"][0].__setitem__(
        "digestMultibase", "uEiDjsMRCmPwcFJr79MiZb7kkJ65B5GSbk0yklZkbeFK4VQ"
    ),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_changing_any_field_invalidates_the_signature(signed, change):
    document = json.loads(signed.content)
    changed = copy.deepcopy(document)

    change(changed)

    assert changed != document
    result = verify(changed, resolve_key=resolve_verification_method)
    assert (result.verified, result.failed_step) == (False, FailedStep.SIGNATURE_INVALID)
    assert verify(document, resolve_key=resolve_verification_method).verified


def test_signing_is_idempotent(credential, signed):
    again = sign_credential(credential_id=credential.pk)

    assert again.pk == signed.pk
    assert again.content == signed.content
    assert CredentialDocument.objects.filter(credential=credential).count() == 1
    event = Event.objects.get(verb="credential.signed")
    assert (event.target_id, event.actor_id, event.owner_id) == (
        credential.pk,
        None,
        credential.learner_id,
    )
    assert event.payload["verification_method"].endswith("#key-1")


def test_without_a_key_nothing_is_stored_and_the_reason_is_given(credential):
    with pytest.raises(NoSigningKey, match="signing_keys generate northfield"):
        sign_credential(credential_id=credential.pk)

    assert not CredentialDocument.objects.filter(credential=credential).exists()
    assert not Event.objects.filter(verb="credential.signed").exists()


def test_issuing_signs_after_commit(learner, micro_credential, django_capture_on_commit_callbacks):
    generate_signing_key(issuer_id=micro_credential.issuer_id, by=None)

    with django_capture_on_commit_callbacks(execute=True):
        credential = issue(learner, micro_credential)

    document = document_of(credential)
    assert document["id"].endswith(f"/c/{credential.public_id}/")
    assert verify(document, resolve_key=resolve_verification_method).verified


def test_issuing_without_a_key_still_issues_and_logs_why(
    learner, micro_credential, django_capture_on_commit_callbacks, caplog
):
    with (
        caplog.at_level(logging.WARNING, logger="credentials.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        credential = issue(learner, micro_credential)

    assert credential.pk is not None
    assert not credential.documents.exists()
    assert f"Credential {credential.pk} not signed" in caplog.text


def test_the_command_signs_what_is_missing_and_says_what_it_could_not(
    learner, micro_credential, capsys
):
    first = issue(learner, micro_credential)
    second = issue(UserFactory(), micro_credential)

    with pytest.raises(CommandError, match="2 credential"):
        call_command("sign_credentials")
    assert "Not signed (northfield)" in capsys.readouterr().err

    generate_signing_key(issuer_id=micro_credential.issuer_id, by=None)
    sign_credential(credential_id=first.pk)
    before = document_of(first)
    call_command("sign_credentials")

    assert "Signed 1 credential(s)." in capsys.readouterr().out
    assert document_of(first) == before
    assert verify(document_of(second), resolve_key=resolve_verification_method).verified
    call_command("sign_credentials")
    assert "Signed 0 credential(s)." in capsys.readouterr().out


def test_the_command_refuses_an_unknown_issuer(db):
    with pytest.raises(CommandError, match="No issuer"):
        call_command("sign_credentials", "--issuer", "nobody")


# --- The credential page -----------------------------------------------------------------


@pytest.mark.parametrize("media_type", CREDENTIAL_MEDIA_TYPES)
def test_the_page_answers_with_the_signed_credential_when_asked(client, signed, media_type):
    url = f"/c/{signed.credential.public_id}/"

    response = client.get(url, HTTP_ACCEPT=media_type)

    assert response.status_code == 200
    assert response["Content-Type"] == media_type
    assert "Accept" in response["Vary"]
    assert response.content.decode() == signed.content


def test_a_browser_gets_the_page_with_a_download_link(client, signed):
    url = f"/c/{signed.credential.public_id}/"

    response = client.get(url, HTTP_ACCEPT=BROWSER_ACCEPT)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]
    assert f'href="/c/{signed.credential.public_id}.json"' in response.content.decode()
    # No Accept header at all is a browser too.
    assert client.get(url)["Content-Type"].startswith("text/html")


def test_the_json_address_downloads_it_whatever_the_accept_header(client, signed):
    public_id = signed.credential.public_id

    response = client.get(f"/c/{public_id}.json", HTTP_ACCEPT=BROWSER_ACCEPT)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+ld+json"
    assert response["Content-Disposition"] == f'attachment; filename="credential-{public_id}.json"'
    assert response.content.decode() == signed.content


def test_an_unsigned_credential_has_no_document_and_no_link(client, credential):
    url = f"/c/{credential.public_id}/"

    assert client.get(url, HTTP_ACCEPT="application/vc+ld+json").status_code == 404
    assert client.get(f"/c/{credential.public_id}.json").status_code == 404
    page = client.get(url)
    assert page.status_code == 200
    assert ".json" not in page.content.decode()


def test_the_document_is_a_404_where_the_page_is(client, signed):
    credential = signed.credential
    credential.learner.is_active = False
    credential.learner.save()
    url = f"/c/{credential.public_id}/"

    assert client.get(url).status_code == 404
    assert client.get(url, HTTP_ACCEPT="application/ld+json").status_code == 404
    assert client.get(f"/c/{credential.public_id}.json").status_code == 404
    # The issuer's staff still find it, as they find the page.
    client.force_login(staff_member(credential.issuer))
    assert client.get(f"/c/{credential.public_id}.json").status_code == 200


def test_an_unknown_credential_is_a_404_in_every_form(client, db):
    url = "/c/00000000-0000-4000-8000-000000000000"
    assert client.get(f"{url}/", HTTP_ACCEPT="application/vc").status_code == 404
    assert client.get(f"{url}.json").status_code == 404


def test_a_revoked_credential_is_still_served_as_signed(client, signed):
    services.revoke_credential(
        credential_id=signed.credential.pk,
        by=staff_member(signed.credential.issuer),
        reason="Plagiarised.",
    )

    response = client.get(f"/c/{signed.credential.public_id}.json")

    # The signed document is what was issued; revocation is the status list's to say.
    assert response.content.decode() == signed.content


def test_the_signed_credential_points_at_its_revocation_bit(
    signed, django_capture_on_commit_callbacks
):
    credential = signed.credential
    document = json.loads(signed.content)
    list_url = f"{SITE}/status/{credential.issuer.slug}/revocation/{credential.status_list.number}"
    assert document["credentialStatus"] == {
        "id": f"{list_url}#{credential.status_list_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(credential.status_list_index),
        "statusListCredential": list_url,
    }
    assert Draft201909Validator(SCHEMA).is_valid(document)
    assert check_status(document).outcome == StatusOutcome.NOT_REVOKED

    with django_capture_on_commit_callbacks(execute=True):
        services.revoke_credential(
            credential_id=credential.pk, by=staff_member(credential.issuer), reason="Plagiarised."
        )

    assert check_status(document).outcome == StatusOutcome.REVOKED


def test_the_learners_list_links_each_signed_credential(client, learner, signed):
    client.force_login(learner)

    body = client.get("/me/credentials/").content.decode()

    assert f'href="/c/{signed.credential.public_id}.json"' in body
    assert "Signed credential (JSON)" in body


@override_settings(SITE_URL="http://127.0.0.1:8000")
def test_hash_identity_matches_the_open_badges_definition():
    assert hash_identity("a@example.org", "salt") == (
        "sha256$" + hashlib.sha256(b"a@example.orgsalt").hexdigest()
    )


def test_issuer_staff_see_in_the_admin_why_a_credential_is_not_signed(client, credential):
    staff = staff_member(credential.issuer)
    client.force_login(staff)
    url = f"/admin/credentials/issuedcredential/{credential.pk}/change/"

    unsigned = client.get(url).content.decode()
    generate_signing_key(issuer_id=credential.issuer_id, by=None)
    queued = client.get(url).content.decode()
    sign_credential(credential_id=credential.pk)
    signed = client.get(url).content.decode()

    assert "Not signed, so not verifiable" in unsigned
    assert "signing_keys generate northfield" in unsigned
    assert "Not signed yet, so not verifiable" in queued
    assert "signing_keys generate" not in queued
    assert f'Signed (Open Badges 3.0). <a href="/c/{credential.public_id}.json">' in signed


def test_a_cached_page_shows_the_download_link_once_signed(
    client, credential, django_capture_on_commit_callbacks
):
    url = f"/c/{credential.public_id}/"
    link = f'href="/c/{credential.public_id}.json"'
    assert link not in client.get(url).content.decode()
    generate_signing_key(issuer_id=credential.issuer_id, by=None)

    with django_capture_on_commit_callbacks(execute=True):
        sign_credential(credential_id=credential.pk)

    assert link in client.get(url).content.decode()
