"""Sending the add-evidence form twice makes one item, not two."""

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portfolio.models import EvidenceItem
from portfolio.services.evidence import create_evidence
from portfolio.storage import private_storage
from tests.factories import png_bytes

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'<input type="hidden" name="submission_token" value="([0-9a-f-]{36})"')


def rendered_token(client, kind):
    response = client.get(reverse("portfolio:evidence-create", args=[kind]))
    match = TOKEN.search(response.text)
    assert match, "the add form carries a submission token"
    return match.group(1)


def test_each_render_of_the_add_form_gets_its_own_token(client, learner):
    client.force_login(learner)

    first, second = rendered_token(client, "link"), rendered_token(client, "link")

    assert first != second
    assert uuid.UUID(first)


def test_the_edit_form_has_no_submission_token(client, learner):
    client.force_login(learner)
    item = create_evidence(by=learner, kind="reflection", title="Notes", body="Text")

    response = client.get(reverse("portfolio:evidence-edit", args=[item.pk]))

    assert response.status_code == 200
    assert 'name="title"' in response.text
    assert "submission_token" not in response.text


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("link", {"url": "https://example.org/dashboard"}),
        ("reflection", {"body": "What I learned."}),
    ],
)
def test_sending_the_same_add_form_twice_makes_one_item(client, learner, kind, fields):
    client.force_login(learner)
    data = {"title": "Sales dashboard", "submission_token": rendered_token(client, kind), **fields}
    url = reverse("portfolio:evidence-create", args=[kind])

    first = client.post(url, data)
    second = client.post(url, data)

    item = EvidenceItem.objects.get(owner=learner)
    assert item.title == "Sales dashboard"
    detail = reverse("portfolio:evidence-detail", args=[item.pk])
    assert (first.status_code, first.headers["Location"]) == (302, detail)
    assert (second.status_code, second.headers["Location"]) == (302, detail)


def stored_files():
    storage = private_storage()
    names = set()
    folders = [""]
    while folders:
        folder = folders.pop()
        subfolders, files = storage.listdir(folder)
        names.update(f"{folder}/{name}".lstrip("/") for name in files)
        folders.extend(f"{folder}/{name}".lstrip("/") for name in subfolders)
    return names


def test_a_second_upload_of_the_same_form_stores_no_second_file(client, learner):
    client.force_login(learner)
    token = rendered_token(client, "image")
    url = reverse("portfolio:evidence-create", args=["image"])
    before = stored_files()

    for _attempt in range(2):
        response = client.post(
            url,
            {
                "title": "Whiteboard photo",
                "submission_token": token,
                "upload": SimpleUploadedFile("board.png", png_bytes(), "image/png"),
            },
        )
        assert response.status_code == 302

    item = EvidenceItem.objects.get(owner=learner)
    assert stored_files() - before == {item.file.name, item.thumbnail.name}


def test_two_renders_of_the_form_make_two_items(client, learner):
    client.force_login(learner)
    url = reverse("portfolio:evidence-create", args=["link"])

    for title in ("First", "Second"):
        token = rendered_token(client, "link")
        client.post(url, {"title": title, "url": "https://example.org", "submission_token": token})

    assert sorted(EvidenceItem.objects.values_list("title", flat=True)) == ["First", "Second"]


def test_the_service_returns_the_first_item_for_a_repeated_token(learner, other_learner):
    token = uuid.uuid4()

    first = create_evidence(by=learner, kind="link", title="A", url="https://a.example")
    once = create_evidence(
        by=learner, kind="link", title="B", url="https://b.example", submission_token=token
    )
    again = create_evidence(
        by=learner, kind="link", title="B", url="https://b.example", submission_token=token
    )
    # Tokens belong to their owner: another learner's same token is another submission.
    theirs = create_evidence(
        by=other_learner, kind="link", title="B", url="https://b.example", submission_token=token
    )

    assert again.pk == once.pk
    assert first.pk != once.pk
    assert theirs.pk != once.pk
    assert EvidenceItem.objects.filter(owner=learner).count() == 2
    assert EvidenceItem.objects.filter(owner=other_learner).count() == 1


def test_a_tampered_token_is_a_form_error_and_saves_nothing(client, learner):
    client.force_login(learner)

    response = client.post(
        reverse("portfolio:evidence-create", args=["link"]),
        {"title": "A", "url": "https://example.org", "submission_token": "not-a-token"},
    )

    assert response.status_code == 200
    assert "This form was not one we sent. Reload the page and add the evidence again." in (
        response.text
    )
    assert not EvidenceItem.objects.exists()
