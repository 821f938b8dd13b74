"""/verify/ with a credential document (pasted or uploaded), and POST /api/v1/verify/."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from credentials.models import CredentialDocument
from credentials.services import generate_signing_key, sign_credential
from tests.credentials.conftest import issue, revoke
from tests.factories import UserFactory
from tests.interop import js_fixture

API = "/api/v1/verify/"


@pytest.fixture
def text(micro_credential):
    credential = issue(UserFactory(), micro_credential)
    generate_signing_key(issuer_id=credential.issuer_id, by=None)
    sign_credential(credential_id=credential.pk)
    return CredentialDocument.objects.get(credential=credential, format="ob3").content


def tampered(text):
    document = json.loads(text)
    document["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    return json.dumps(document)


# --- The page -------------------------------------------------------------------------------


def test_the_page_offers_both_ways_to_check(client, db):
    page = client.get("/verify/").text

    assert 'name="credential"' in page
    assert 'method="post"' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'name="document"' in page
    assert 'name="file"' in page
    assert "csrfmiddlewaretoken" in page
    assert "Result:" not in page


def test_a_pasted_credential_is_verified_step_by_step(client, text):
    page = client.post("/verify/", {"document": text}).text

    assert '<h2 id="verification-heading">Result: Valid</h2>' in page
    assert page.count('class="verification-step verification-step-passed"') == 7
    assert "Signature" in page
    assert "The signature matches: signed with did:web:" in page
    assert 'Checked <time datetime="2026-03-01T12:00:00+00:00">' in page


def test_an_uploaded_credential_file_is_verified(client, text):
    upload = SimpleUploadedFile("credential.json", text.encode(), "application/json")

    page = client.post("/verify/", {"file": upload}).text

    assert "Result: Valid" in page


def test_a_changed_credential_says_signature_invalid(client, text):
    page = client.post("/verify/", {"document": tampered(text)}).text

    assert "Result: Signature invalid" in page
    assert 'class="verification-step verification-step-failed"' in page
    assert "Signature invalid. The signature does not match" in page


def test_a_revoked_credential_says_revoked(client, text, django_capture_on_commit_callbacks):
    credential = CredentialDocument.objects.get(content=text).credential
    with django_capture_on_commit_callbacks(execute=True):
        revoke(credential)

    page = client.post("/verify/", {"document": text}).text

    assert "Result: Revoked" in page


def test_a_javascript_signed_credential_verifies_on_the_page(client, db):
    upload = SimpleUploadedFile("credential.json", js_fixture.FIXTURE.read_bytes())

    page = client.post("/verify/", {"file": upload}).text

    assert "Result: Valid" in page
    assert "Not checked" in page  # its issuer is not one of ours, and says so


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"document": "not json"}, "Result: Malformed"),
        ({"document": "[]"}, "The JSON is a list, not an object"),
        ({"document": "{" * 50_000}, "Result: Malformed"),
        ({"document": "\x00"}, "Null characters are not allowed."),
        ({}, "Paste a credential or choose its file (one of the two)."),
        ({"document": "   "}, "Paste a credential or choose its file (one of the two)."),
    ],
)
def test_bad_input_gets_a_clear_answer(client, db, data, message):
    response = client.post("/verify/", data)

    assert response.status_code == 200
    assert message in response.text


def test_text_that_is_no_unicode_is_shown_not_a_500(client, db):
    # JSON can escape a lone surrogate, which no UTF-8 page can hold; the answer replaces it.
    pasted = '{"@context": ["https://contexts.example.net/\\ud800"], "issuer": "did:x:\\udfff"}'

    page = client.post("/verify/", {"document": pasted})
    answer = client.post(API, pasted, content_type="application/json")

    assert page.status_code == 200
    assert "https://contexts.example.net/\ufffd, which is not one this verifier has" in page.text
    assert answer.status_code == 200
    assert answer.json()["verdict"] == "malformed"
    assert "did:x:\ufffd" in answer.json()["steps"][-1]["explanation"]


def test_pasting_and_uploading_at_once_is_refused(client, text):
    upload = SimpleUploadedFile("credential.json", text.encode())

    page = client.post("/verify/", {"document": text, "file": upload}).text

    assert "Paste a credential or choose its file (one of the two)." in page
    assert "Result:" not in page


def test_an_oversize_paste_or_file_is_refused_with_the_limit(client, db, settings):
    settings.VERIFY_MAX_BYTES = 2000
    big = '{"name": "' + "é" * 1000 + '"}'  # 1,000 characters, 2,000+ bytes

    pasted = client.post("/verify/", {"document": big}).text
    uploaded = client.post("/verify/", {"file": SimpleUploadedFile("c.json", big.encode())}).text

    for page in (pasted, uploaded):
        assert "This credential is 2 KB; the verifier reads up to 2 KB." in page
        assert "Result:" not in page
    # Just under the limit, it is read.
    assert "Result: Malformed" in client.post("/verify/", {"document": "x" * 1999}).text


def test_the_post_needs_the_csrf_token(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/verify/", {"document": "{}"})

    assert response.status_code == 403


def test_a_body_over_djangos_own_limit_is_a_400_not_a_500(client, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/verify/", {"document": "x" * 5000})

    assert response.status_code == 400


# --- The API --------------------------------------------------------------------------------


def test_the_api_verifies_a_json_body(client, text):
    response = client.post(API, text, content_type="application/json")

    assert response.status_code == 200
    answer = response.json()
    assert answer["verdict"] == "valid"
    assert answer["verdict_label"] == "Valid"
    assert answer["checked_at"] == "2026-03-01T12:00:00Z"
    assert [step["result"] for step in answer["steps"]] == ["passed"] * 7


@pytest.mark.parametrize("media_type", ["application/vc+ld+json", "application/ld+json"])
def test_the_api_takes_the_credential_media_types(client, text, media_type):
    response = client.post(API, tampered(text), content_type=media_type)

    assert response.json()["verdict"] == "tampered"
    proof = next(step for step in response.json()["steps"] if step["name"] == "proof")
    assert proof["result"] == "failed"
    assert proof["explanation"].startswith("Signature invalid.")


def test_the_api_verifies_an_uploaded_file(client, db):
    upload = SimpleUploadedFile("c.json", js_fixture.FIXTURE_2020.read_bytes())

    response = client.post(API, {"file": upload})

    assert response.status_code == 200
    assert response.json()["verdict"] == "valid"


def test_the_api_answers_a_malformed_body_with_its_verdict(client, db):
    response = client.post(API, b"{not json", content_type="application/json")

    assert response.status_code == 200
    answer = response.json()
    assert answer["verdict"] == "malformed"
    assert answer["steps"][0]["explanation"].startswith("This is not JSON: ")


def test_the_api_refuses_an_oversize_body_before_reading_it(client, db, settings):
    settings.VERIFY_MAX_BYTES = 1000
    response = client.post(API, "x" * 1001, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {
        "code": "too_large",
        "detail": "The credential is 1 KB; this verifier reads up to 1 KB.",
    }
    upload = SimpleUploadedFile("c.json", b"x" * 2000)
    assert client.post(API, {"file": upload}).status_code == 413
    # At the limit, it is read.
    assert client.post(API, "x" * 1000, content_type="application/json").status_code == 200


def test_the_api_refuses_other_media_types_and_a_form_without_a_file(client, db):
    as_text = client.post(API, "{}", content_type="text/plain")
    no_file = client.post(API, {"document": "{}"})

    assert as_text.status_code == 415
    assert as_text.json()["code"] == "unsupported_media_type"
    assert no_file.status_code == 400
    assert no_file.json()["code"] == "no_file"


def test_the_api_is_open_to_anonymous_callers_only_by_post(client, db):
    assert client.get(API).status_code == 405
