import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from assessments.services import applying
from portfolio.services.evidence import delete_evidence
from portfolio.storage import private_storage
from tests.factories import EvidenceItemFactory, UserFactory, pdf_bytes

PDF = pdf_bytes()
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@pytest.fixture
def items(learner):
    return {
        "photo": EvidenceItemFactory(owner=learner, image=True, title="Dashboard photo"),
        "report": EvidenceItemFactory(owner=learner, pdf=True, title="Findings report"),
        "notes": EvidenceItemFactory(
            owner=learner,
            kind="file",
            body="",
            title="Meeting notes",
            file=ContentFile(b"# Notes\n", name="notes.md"),
            content_type="text/markdown",
            original_filename="Meeting notes.md",
        ),
    }


@pytest.fixture
def application(learner, micro_credential, items):
    """Submitted with every item linked to every criterion."""
    draft = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    for criterion in micro_credential.criteria_set.all():
        applying.save_response(
            application_id=draft.pk,
            by=learner,
            criterion_id=criterion.pk,
            statement="All of it.",
            self_assessed_level_id=None,
            evidence_item_ids=[item.pk for item in items.values()],
        )
    return applying.submit_application(application_id=draft.pk, by=learner)


def snapshot(application, title):
    return application.submitted_evidence.get(title=title)


def fetch(client, name, evidence):
    response = client.get(reverse(f"assessments:submitted-evidence-{name}", args=[evidence.pk]))
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


@pytest.fixture
def as_assessor(client, assessor):
    client.force_login(assessor)
    return client


# --- What the assigned assessor gets


def test_an_image_is_served_inline_with_safe_headers(as_assessor, application):
    response, body = fetch(as_assessor, "file", snapshot(application, "Dashboard photo"))
    assert response.status_code == 200
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="photo.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private"
    assert response["Content-Security-Policy"] == FILE_POLICY
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_a_pdf_is_served_inline_for_the_browsers_viewer(as_assessor, application):
    response, body = fetch(as_assessor, "file", snapshot(application, "Findings report"))
    assert body == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="report.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert "script-src" not in response["Content-Security-Policy"]


def test_other_files_are_attachments(as_assessor, application):
    response, body = fetch(as_assessor, "file", snapshot(application, "Meeting notes"))
    assert body == b"# Notes\n"
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="Meeting notes.md"'
    assert response["Content-Security-Policy"] == FILE_POLICY


def test_the_thumbnail_is_served_inline(as_assessor, application):
    response, body = fetch(as_assessor, "thumbnail", snapshot(application, "Dashboard photo"))
    assert body[:4] == b"RIFF"
    assert body[8:12] == b"WEBP"
    assert response["Content-Type"] == "image/webp"
    assert response["Content-Disposition"] == 'inline; filename="photo-thumbnail.webp"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == FILE_POLICY


def test_evidence_without_a_file_or_thumbnail_is_a_404(as_assessor, application):
    report = snapshot(application, "Findings report")
    assert fetch(as_assessor, "thumbnail", report)[0].status_code == 404
    # The report itself is there: it has a file, only no thumbnail.
    assert fetch(as_assessor, "file", report)[0].status_code == 200


def test_the_frozen_copy_survives_deletion_from_the_library(
    as_assessor, application, items, learner, django_capture_on_commit_callbacks
):
    library_name = items["photo"].file.name
    with django_capture_on_commit_callbacks(execute=True):
        delete_evidence(item_id=items["photo"].pk, by=learner)
    assert not private_storage().exists(library_name)

    response, body = fetch(as_assessor, "file", snapshot(application, "Dashboard photo"))
    assert response.status_code == 200
    assert body[:8] == b"\x89PNG\r\n\x1a\n"


# --- Who may open it


@pytest.mark.parametrize("name", ["file", "thumbnail"])
def test_the_learner_and_the_issuers_staff_may_open_it(
    client, application, learner, issuer_staff, name
):
    application.micro_credential.issuer.staff.add(issuer_staff)
    photo = snapshot(application, "Dashboard photo")
    for user in (learner, issuer_staff):
        client.force_login(user)
        response, body = fetch(client, name, photo)
        assert response.status_code == 200
        assert body.startswith(b"\x89PNG" if name == "file" else b"RIFF")


@pytest.mark.parametrize("who", ["unassigned_assessor", "other_learner", "employer", "staff"])
@pytest.mark.parametrize("name", ["file", "thumbnail"])
def test_everyone_else_gets_a_404(client, application, who, name, other_learner, employer):
    user = {
        "unassigned_assessor": UserFactory(assessor=True),
        "other_learner": other_learner,
        "employer": employer,
        # Staff of another issuer.
        "staff": UserFactory(issuer_staff=True),
    }[who]
    client.force_login(user)
    response, body = fetch(client, name, snapshot(application, "Dashboard photo"))
    assert response.status_code == 404
    assert body == b""


@pytest.mark.parametrize("name", ["file", "thumbnail"])
def test_anonymous_visitors_get_a_404(client, application, name):
    assert fetch(client, name, snapshot(application, "Dashboard photo"))[0].status_code == 404


def test_an_unknown_id_is_a_404(as_assessor, db):
    response = as_assessor.get(reverse("assessments:submitted-evidence-file", args=[999_999]))
    assert response.status_code == 404


@pytest.mark.parametrize("url_name", ["evidence-detail", "evidence-file", "evidence-thumbnail"])
def test_the_assessor_cannot_open_the_learners_library_copy(
    as_assessor, application, items, url_name
):
    # Reviewing an application opens its frozen copies, not the learner's library.
    response = as_assessor.get(reverse(f"portfolio:{url_name}", args=[items["photo"].pk]))
    assert response.status_code == 404


def test_the_assessor_cannot_open_the_learners_other_evidence(as_assessor, application, learner):
    unrelated = EvidenceItemFactory(owner=learner, image=True, title="Holiday photo")
    for url_name in ("evidence-detail", "evidence-file", "evidence-thumbnail"):
        response = as_assessor.get(reverse(f"portfolio:{url_name}", args=[unrelated.pk]))
        assert response.status_code == 404


def test_only_get_and_head_are_allowed(as_assessor, application):
    url = reverse(
        "assessments:submitted-evidence-file", args=[snapshot(application, "Findings report").pk]
    )
    assert as_assessor.post(url).status_code == 405
    assert as_assessor.head(url).status_code == 200
