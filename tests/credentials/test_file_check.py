"""/c/<id>/check-file/: anyone who may see a credential checks a file against the SHA-256
digests its signed document lists, and learns which evidence item it is, or that it is none;
nothing about evidence the credential does not publish."""

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from credentials import services
from credentials.models import CredentialDocument
from credentials.records import EvidenceRecord
from credentials.services import generate_signing_key, sign_credential
from tests.credentials.conftest import NOW, RUBRIC_RESULTS, issue, staff_member
from tests.factories import EvidenceItemFactory, UserFactory, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

REPORT = pdf_bytes()
PRIVATE_PHOTO = png_bytes((20, 10))


@pytest.fixture
def learner(db):
    learner = UserFactory(email="holder@example.org")
    learner.profile.is_public = True
    learner.profile.save()
    return learner


def _issue(learner, micro_credential, records):
    return services.issue_credential(
        by=staff_member(micro_credential.issuer),
        learner_id=learner.pk,
        micro_credential_id=micro_credential.pk,
        award_reference="test:file-check",
        assessor_id=None,
        evidence=records,
        rubric_results=RUBRIC_RESULTS,
        issued_at=NOW,
    )


def _record(pk, item, content):
    return EvidenceRecord(
        submitted_evidence_id=pk,
        title=item.title,
        kind=item.kind,
        description="For the assessor only.",
        url="",
        library_item_id=item.pk,
        sha256=hashlib.sha256(content).hexdigest(),
    )


@pytest.fixture
def credential(learner, micro_credential):
    """Signed, citing a public report and a private photo, each with its file's digest."""
    report = EvidenceItemFactory(owner=learner, title="Quarterly report", pdf=True, public=True)
    photo = EvidenceItemFactory(owner=learner, title="Secret whiteboard", image=True)
    credential = _issue(
        learner, micro_credential, [_record(1, report, REPORT), _record(2, photo, PRIVATE_PHOTO)]
    )
    generate_signing_key(issuer_id=credential.issuer_id, by=None)
    sign_credential(credential_id=credential.pk)
    return credential


def url_of(credential):
    return reverse("credentials:credential-file-check", args=[credential.public_id])


def check(client, credential, content, name="evidence.bin"):
    return client.post(url_of(credential), {"file": SimpleUploadedFile(name, content)})


def test_the_form_is_offered_to_anyone_in_one_query(client, credential, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(url_of(credential))

    assert response.status_code == 200
    assert "Check a file against this credential" in response.text
    assert 'enctype="multipart/form-data"' in response.text
    assert "csrfmiddlewaretoken" in response.text
    # Linked from the credential's own page.
    page = client.get(reverse("credentials:credential-detail", args=[credential.public_id]))
    assert url_of(credential) in page.text


def test_a_file_that_is_public_evidence_is_named(client, credential, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = check(client, credential, REPORT, name="renamed.pdf")

    assert response.status_code == 200
    assert "It matches." in response.text
    assert "“Quarterly report”" in response.text
    assert "No match." not in response.text


def test_a_private_evidence_file_matches_nothing_and_is_not_named(client, credential):
    response = check(client, credential, PRIVATE_PHOTO)

    assert "No match." in response.text
    assert "It matches." not in response.text
    assert "Secret whiteboard" not in response.text


def test_a_changed_file_matches_nothing(client, credential):
    response = check(client, credential, REPORT + b"\n% edited")

    assert "No match." in response.text


def test_a_signed_in_viewer_gets_the_same_answer(client, credential):
    client.force_login(UserFactory(email="employer@example.org", employer=True))

    assert "“Quarterly report”" in check(client, credential, REPORT).text


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "This field is required."),
        ({"file": SimpleUploadedFile("empty.pdf", b"")}, "The submitted file is empty."),
        ({"file": "not a file"}, "This field is required."),
    ],
)
def test_no_file_or_an_empty_one_is_a_form_error(client, credential, data, error):
    response = client.post(url_of(credential), data)

    assert response.status_code == 200
    assert error in response.text
    assert "It matches." not in response.text
    assert "No match." not in response.text


def test_a_file_over_the_upload_limit_gets_the_413_page(client, credential, settings):
    settings.MAX_UPLOAD_BYTES = 1024

    response = check(client, credential, b"x" * 4096)

    assert response.status_code == 413
    assert "1\N{NO-BREAK SPACE}KB" in response.text
    assert check(client, credential, REPORT[:1000]).status_code == 200


def test_a_malformed_upload_is_a_400_not_an_error(client, credential):
    response = client.generic(
        "POST",
        url_of(credential),
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nno end',
        content_type="multipart/form-data; boundary=",
    )

    assert response.status_code == 400


def test_a_post_without_the_csrf_token_is_refused(credential):
    client = Client(enforce_csrf_checks=True)

    response = check(client, credential, REPORT)

    assert response.status_code == 403
    assert "It matches." not in response.text


def test_an_unsigned_credential_has_nothing_to_check_against(client, learner, micro_credential):
    credential = issue(learner, micro_credential)

    response = check(client, credential, REPORT)

    assert response.status_code == 200
    assert "has not been signed yet" in response.text
    assert "<form" not in response.text.split("<main", 1)[-1]
    assert "It matches." not in response.text
    page = client.get(reverse("credentials:credential-detail", args=[credential.public_id]))
    assert url_of(credential) not in page.text


def test_a_credential_signed_before_digests_were_listed_lists_none(client, credential):
    document = CredentialDocument.objects.get(credential=credential)
    content = json.loads(document.content)
    del content["relatedResource"]
    CredentialDocument.objects.filter(pk=document.pk).update(content=json.dumps(content))

    response = check(client, credential, REPORT)

    assert "lists no evidence files" in response.text
    assert "It matches." not in response.text


def test_it_is_a_404_where_the_credential_page_is(client, credential, learner):
    learner.is_active = False
    learner.save(update_fields=["is_active"])

    assert client.get(url_of(credential)).status_code == 404
    assert check(client, credential, REPORT).status_code == 404
    assert client.get(f"/c/{'0' * 8}-0000-0000-0000-{'0' * 12}/check-file/").status_code == 404
