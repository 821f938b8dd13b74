import html
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portfolio.models import EvidenceItem
from portfolio.pdfs import strip_active_content
from portfolio.storage import private_storage
from tests.factories import (
    EvidenceItemFactory,
    SkillFactory,
    SkillFrameworkFactory,
    pdf_bytes,
    png_bytes,
)

PDF = pdf_bytes()
LIST_URL = reverse("portfolio:evidence-list")


def make_evidence(*, skills=(), **fields):
    item = EvidenceItemFactory(**fields)
    item.skills.set(skills)
    return item


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def titles_on(response):
    return [item.title for item in response.context["page_obj"].object_list]


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


# --- List


def test_list_shows_only_the_learners_own_items_newest_first(signed_in, learner, other_learner):
    first = EvidenceItemFactory(owner=learner, title="First")
    second = EvidenceItemFactory(owner=learner, title="Second", link=True)
    EvidenceItemFactory(owner=other_learner, title="Not mine")

    response = signed_in.get(LIST_URL)

    assert titles_on(response) == ["Second", "First"]
    assert "Not mine" not in response.text
    assert f'href="{reverse("portfolio:evidence-detail", args=[first.pk])}"' in response.text
    assert f'href="{reverse("portfolio:evidence-detail", args=[second.pk])}"' in response.text


def test_list_offers_the_four_kinds_to_add(signed_in):
    response = signed_in.get(LIST_URL)
    for kind, label in [
        ("file", "Upload a file"),
        ("image", "Upload an image"),
        ("link", "Add a link"),
        ("reflection", "Write a reflection"),
    ]:
        url = reverse("portfolio:evidence-create", args=[kind])
        assert f'<li><a href="{url}">{label}</a></li>' in response.text
    assert "Your evidence library is empty." in response.text


def test_list_filters_by_kind(signed_in, learner):
    EvidenceItemFactory(owner=learner, title="A reflection")
    EvidenceItemFactory(owner=learner, title="A link", link=True)

    response = signed_in.get(LIST_URL, {"kind": "link"})

    assert titles_on(response) == ["A link"]
    assert "1 item matches your filters." in response.text


def test_list_filters_by_skill(signed_in, learner):
    sql, python = SkillFactory(name="SQL", slug="sql"), SkillFactory(name="Python", slug="python")
    make_evidence(owner=learner, title="Query", skills=[sql])
    make_evidence(owner=learner, title="Script", skills=[python])
    EvidenceItemFactory(owner=learner, title="Untagged")

    response = signed_in.get(LIST_URL, {"skill": "sql"})

    assert titles_on(response) == ["Query"]
    # The skill filter offers the skills the learner has used, by name.
    assert '<option value="sql" selected>SQL</option>' in response.text
    assert '<option value="python">Python</option>' in response.text


def test_list_ignores_an_unknown_filter_value_and_says_so(signed_in, learner):
    EvidenceItemFactory(owner=learner, title="Kept")
    response = signed_in.get(LIST_URL, {"kind": "video"})
    assert titles_on(response) == ["Kept"]
    assert response.context["filters"].errors["kind"] == [
        "Select a valid choice. video is not one of the available choices."
    ]


def test_list_filter_with_no_match_says_so(signed_in, learner):
    EvidenceItemFactory(owner=learner)
    response = signed_in.get(LIST_URL, {"kind": "image"})
    assert titles_on(response) == []
    assert "No evidence matches these filters." in response.text


def test_list_is_paginated_by_twelve_keeping_filters(signed_in, learner):
    for number in range(14):
        EvidenceItemFactory(owner=learner, title=f"Link {number:02}", link=True)
    EvidenceItemFactory(owner=learner, title="Reflection")

    first = signed_in.get(LIST_URL, {"kind": "link"})
    second = signed_in.get(LIST_URL, {"kind": "link", "page": 2})

    assert len(titles_on(first)) == 12
    assert titles_on(second) == ["Link 01", "Link 00"]
    assert "Page 1 of 2" in first.text


def test_pagination_links_keep_the_filters(signed_in, learner):
    for _ in range(13):
        EvidenceItemFactory(owner=learner, link=True)
    response = signed_in.get(LIST_URL, {"kind": "link"})
    assert '<a href="?kind=link&amp;page=2" rel="next">' in response.text


def test_list_query_count_does_not_grow_with_items(
    signed_in, learner, django_assert_max_num_queries
):
    skills = SkillFactory.create_batch(3)

    def add(count):
        for _ in range(count):
            make_evidence(owner=learner, skills=skills)
            make_evidence(owner=learner, image=True, skills=skills[:1])

    add(2)
    with django_assert_max_num_queries(9) as few:
        signed_in.get(LIST_URL)
    add(4)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = signed_in.get(LIST_URL)
    assert len(titles_on(response)) == 12
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("role", ["assessor", "employer", "issuer_staff"])
def test_other_roles_have_no_evidence_library(client, request, role, learner):
    client.force_login(request.getfixturevalue(role))
    assert client.get(LIST_URL).status_code == 404
    assert client.get(reverse("portfolio:evidence-create", args=["link"])).status_code == 404
    # The same pages exist, for a learner.
    client.force_login(learner)
    assert client.get(LIST_URL).status_code == 200
    assert client.get(reverse("portfolio:evidence-create", args=["link"])).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={LIST_URL}"


# --- Create


def test_create_page_for_an_unknown_kind_is_404(signed_in):
    assert signed_in.get(reverse("portfolio:evidence-create", args=["video"])).status_code == 404


def test_create_form_groups_skills_by_framework_and_asks_for_a_date_as_the_site_writes_it(
    signed_in,
):
    data = SkillFrameworkFactory(name="Data skills")
    SkillFactory(framework=data, name="SQL")
    response = signed_in.get(reverse("portfolio:evidence-create", args=["link"]))
    assert "<label>Data skills</label>" in response.text
    assert 'type="checkbox" name="skills"' in response.text
    # Not type="date": the browser would show its own system format, not the site's.
    assert '<input type="text" name="work_done_on"' in response.text
    assert "For example, 14 March 2026." in response.text


@pytest.mark.parametrize("typed", ["31 January 2026", "31 Jan 2026", "2026-01-31", "31/01/2026"])
def test_the_date_of_the_work_is_read_in_the_sites_format_and_others(signed_in, learner, typed):
    signed_in.post(
        reverse("portfolio:evidence-create", args=["link"]),
        {"title": "Site", "url": "https://example.org/me", "work_done_on": typed},
    )
    assert EvidenceItem.objects.get(owner=learner).work_done_on == date(2026, 1, 31)


def test_an_unreadable_date_is_refused_with_an_example_and_keeps_the_text(signed_in, learner):
    response = signed_in.post(
        reverse("portfolio:evidence-create", args=["link"]),
        {"title": "Site", "url": "https://example.org/me", "work_done_on": "next Tuesday"},
    )
    assert response.status_code == 200
    assert "Enter a date such as 14 March 2026." in response.text
    assert 'value="next Tuesday"' in response.text
    assert not EvidenceItem.objects.exists()


def test_the_edit_form_shows_the_date_as_the_site_writes_it(signed_in, learner):
    item = EvidenceItemFactory(owner=learner)  # work done on 14 March 2026
    response = signed_in.get(reverse("portfolio:evidence-edit", args=[item.pk]))
    assert re.search(r'<input type="text" name="work_done_on" value="14 March 2026"', response.text)


def test_create_a_link(signed_in, learner):
    skill = SkillFactory()
    response = signed_in.post(
        reverse("portfolio:evidence-create", args=["link"]),
        {
            "title": "My portfolio site",
            "url": "https://example.org/me",
            "description": "Built from scratch.",
            "work_done_on": "2026-01-31",
            "skills": [skill.pk],
        },
        follow=True,
    )

    item = EvidenceItem.objects.get(owner=learner)
    assert response.redirect_chain == [(reverse("portfolio:evidence-detail", args=[item.pk]), 302)]
    assert messages_of(response) == ["Added “My portfolio site” to your evidence library."]
    assert (item.kind, item.url, item.work_done_on) == (
        "link",
        "https://example.org/me",
        date(2026, 1, 31),
    )
    assert list(item.skills.all()) == [skill]
    assert not item.is_public
    assert '<a href="https://example.org/me" rel="nofollow noopener noreferrer"' in response.text


def test_create_a_link_refuses_javascript(signed_in):
    response = signed_in.post(
        reverse("portfolio:evidence-create", args=["link"]),
        {"title": "Sneaky", "url": "javascript:alert(1)"},
    )
    assert response.context["form"].errors["url"] == [
        "Enter a web address that starts with http:// or https://."
    ]
    assert messages_of(response) == ["The evidence was not saved. Check the fields marked below."]
    assert not EvidenceItem.objects.exists()


def test_create_a_reflection_renders_it_safely(signed_in, learner):
    response = signed_in.post(
        reverse("portfolio:evidence-create", args=["reflection"]),
        {"title": "Week one", "body": "I *learned* a lot.\n\n<script>alert(1)</script>"},
        follow=True,
    )
    item = EvidenceItem.objects.get(owner=learner)
    assert item.body == "I *learned* a lot.\n\n<script>alert(1)</script>"
    assert "<p>I <em>learned</em> a lot.</p>" in response.text
    assert "<script>alert(1)</script>" not in response.text


def test_create_a_reflection_needs_a_body(signed_in):
    response = signed_in.post(
        reverse("portfolio:evidence-create", args=["reflection"]), {"title": "Empty", "body": ""}
    )
    assert response.context["form"].errors["body"] == ["This field is required."]


def test_create_an_image_shows_it_inline_on_its_page(signed_in, learner):
    response = signed_in.post(
        reverse("portfolio:evidence-create", args=["image"]),
        {"title": "Whiteboard", "upload": SimpleUploadedFile("board.png", png_bytes())},
        follow=True,
    )
    item = EvidenceItem.objects.get(owner=learner)
    file_url = reverse("portfolio:evidence-file", args=[item.pk])
    assert f'<img class="evidence-image" src="{file_url}" alt="Whiteboard">' in response.text


def test_pdf_page_offers_to_open_it(signed_in, learner):
    item = EvidenceItemFactory(owner=learner, pdf=True)
    response = signed_in.get(reverse("portfolio:evidence-detail", args=[item.pk]))
    file_url = reverse("portfolio:evidence-file", args=[item.pk])
    assert f'href="{file_url}" target="_blank" rel="noopener">Open the PDF</a>' in response.text


# --- Edit


def test_edit_form_is_filled_from_the_item(signed_in, learner):
    skill = SkillFactory(name="Statistics")
    item = make_evidence(owner=learner, title="Survey analysis", skills=[skill])
    response = signed_in.get(reverse("portfolio:evidence-edit", args=[item.pk]))
    assert 'value="Survey analysis"' in response.text
    assert 'value="14 March 2026"' in response.text
    assert re.search(
        rf'<input type="checkbox" name="skills" value="{skill.pk}"[^>]* checked>', response.text
    )
    assert "I **learned** a great deal." in response.text


def test_edit_a_reflection(signed_in, learner):
    item = EvidenceItemFactory(owner=learner)
    response = signed_in.post(
        reverse("portfolio:evidence-edit", args=[item.pk]),
        {"title": "Week two", "body": "Now with **more**.", "work_done_on": ""},
        follow=True,
    )
    item.refresh_from_db()
    assert (item.title, item.body, item.work_done_on) == ("Week two", "Now with **more**.", None)
    assert messages_of(response) == ["Saved your changes to “Week two”."]
    assert "<strong>more</strong>" in response.text


def test_edit_a_file_without_a_new_upload_keeps_the_file(signed_in, learner):
    item = EvidenceItemFactory(owner=learner, pdf=True)
    response = signed_in.post(
        reverse("portfolio:evidence-edit", args=[item.pk]), {"title": "Renamed report"}
    )
    assert response.status_code == 302
    refreshed = EvidenceItem.objects.get(pk=item.pk)
    assert (refreshed.title, refreshed.file.name) == ("Renamed report", item.file.name)


def test_edit_replaces_a_file_and_deletes_the_old_one(
    signed_in, learner, django_capture_on_commit_callbacks
):
    item = EvidenceItemFactory(owner=learner, pdf=True)
    old = item.file.name
    new_pdf = pdf_bytes(title="Report v2")
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(
            reverse("portfolio:evidence-edit", args=[item.pk]),
            {"title": "Report v2", "upload": SimpleUploadedFile("v2.pdf", new_pdf)},
        )
    item.refresh_from_db()
    assert item.original_filename == "v2.pdf"
    assert item.file.name != old
    assert not private_storage().exists(old)
    with item.file.open("rb") as stored:
        assert stored.read() == strip_active_content(new_pdf)


def test_edit_an_image_with_a_truncated_replacement_shows_the_error_on_the_field(
    signed_in, learner
):
    item = EvidenceItemFactory(owner=learner, image=True)
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.effect_noise((200, 150), 80).convert("RGB").save(buffer, format="PNG")
    broken = buffer.getvalue()[:3000]
    response = signed_in.post(
        reverse("portfolio:evidence-edit", args=[item.pk]),
        {"title": "Photo", "upload": SimpleUploadedFile("p.png", broken)},
    )
    assert response.context["form"].errors["upload"] == [
        "This image is damaged or incomplete and cannot be read."
    ]
    assert messages_of(response) == ["Your changes were not saved. Check the fields marked below."]


def test_edit_by_another_learner_is_404(client, learner, other_learner):
    item = EvidenceItemFactory(owner=learner, title="Mine", public=True)
    client.force_login(other_learner)
    assert client.get(reverse("portfolio:evidence-edit", args=[item.pk])).status_code == 404
    response = client.post(
        reverse("portfolio:evidence-edit", args=[item.pk]), {"title": "Taken", "body": "x"}
    )
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.title == "Mine"


# --- Delete


def test_delete_asks_for_confirmation_first(signed_in, learner):
    item = EvidenceItemFactory(owner=learner, title="Old draft")
    response = signed_in.get(reverse("portfolio:evidence-delete", args=[item.pk]))
    assert "Delete “Old draft”?" in html.unescape(response.text)
    assert EvidenceItem.objects.filter(pk=item.pk).exists()


def test_delete_removes_the_item_and_its_stored_file(
    signed_in, learner, django_capture_on_commit_callbacks
):
    item = EvidenceItemFactory(owner=learner, image=True, title="Blurry photo")
    names = [item.file.name, item.thumbnail.name]
    assert all(private_storage().exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("portfolio:evidence-delete", args=[item.pk]), follow=True)

    assert response.redirect_chain == [(LIST_URL, 302)]
    assert messages_of(response) == ["Deleted “Blurry photo” from your evidence library."]
    assert not EvidenceItem.objects.filter(pk=item.pk).exists()
    assert not any(private_storage().exists(name) for name in names)


def test_delete_by_another_learner_is_404(client, learner, other_learner):
    item = EvidenceItemFactory(owner=learner)
    client.force_login(other_learner)
    assert client.post(reverse("portfolio:evidence-delete", args=[item.pk])).status_code == 404
    assert EvidenceItem.objects.filter(pk=item.pk).exists()


# --- Detail


def test_owner_sees_edit_and_delete_but_a_visitor_does_not(client, public_learner):
    item = EvidenceItemFactory(owner=public_learner, public=True, title="Shown")
    edit_url = reverse("portfolio:evidence-edit", args=[item.pk])

    visitor = client.get(reverse("portfolio:evidence-detail", args=[item.pk]))
    assert "Shown" in visitor.text
    assert edit_url not in visitor.text
    assert "Public Learner\u2019s portfolio" in visitor.text

    client.force_login(public_learner)
    owner = client.get(reverse("portfolio:evidence-detail", args=[item.pk]))
    assert edit_url in owner.text


# --- File responses


def file_response(client, item):
    response = client.get(reverse("portfolio:evidence-file", args=[item.pk]))
    return response, b"".join(response.streaming_content)


def test_image_is_served_inline_with_safe_headers(signed_in, learner):
    item = EvidenceItemFactory(owner=learner, image=True)
    response, body = file_response(signed_in, item)
    assert response.status_code == 200
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'inline; filename="photo.png"'
    assert response["Cache-Control"] == "private"
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )


def test_pdf_is_served_inline_without_the_sandbox_that_breaks_pdf_viewers(signed_in, learner):
    item = EvidenceItemFactory(owner=learner, pdf=True)
    response, body = file_response(signed_in, item)
    assert body.startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="report.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "script-src" not in response["Content-Security-Policy"]


def test_other_files_are_attachments_with_an_encoded_name(signed_in, learner):
    response = signed_in.post(
        reverse("portfolio:evidence-create", args=["file"]),
        {"title": "Notes", "upload": SimpleUploadedFile("Über notes.md", b"# Notes\n")},
    )
    item = EvidenceItem.objects.get(owner=learner)
    response, body = file_response(signed_in, item)
    assert body == b"# Notes\n"
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%C3%9Cber%20notes.md"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].endswith("; sandbox")


def test_text_uploaded_under_a_web_page_name_downloads_as_text(signed_in, learner):
    # Not HTML by content (it opens with prose), so accepted as text; its .html name would
    # make the saved copy open as a web page, so the download name says what it is.
    signed_in.post(
        reverse("portfolio:evidence-create", args=["file"]),
        {"title": "Notes", "upload": SimpleUploadedFile("notes.html", b"Plain words <b>x</b>\n")},
    )
    item = EvidenceItem.objects.get(owner=learner)
    response, _body = file_response(signed_in, item)
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'


def test_thumbnail_is_served_as_webp_inline(signed_in, learner):
    signed_in.post(
        reverse("portfolio:evidence-create", args=["image"]),
        {"title": "Board", "upload": SimpleUploadedFile("board.png", png_bytes())},
    )
    item = EvidenceItem.objects.get(owner=learner)
    response = signed_in.get(reverse("portfolio:evidence-thumbnail", args=[item.pk]))
    body = b"".join(response.streaming_content)
    assert (body[:4], body[8:12]) == (b"RIFF", b"WEBP")
    assert response["Content-Type"] == "image/webp"
    assert response["Content-Disposition"] == 'inline; filename="board-thumbnail.webp"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private"


def test_items_without_files_have_no_file_or_thumbnail(signed_in, learner):
    item = EvidenceItemFactory(owner=learner)
    assert signed_in.get(reverse("portfolio:evidence-file", args=[item.pk])).status_code == 404
    assert signed_in.get(reverse("portfolio:evidence-thumbnail", args=[item.pk])).status_code == 404
    # The item itself is there, and an item with a file serves both.
    assert signed_in.get(reverse("portfolio:evidence-detail", args=[item.pk])).status_code == 200
    image = EvidenceItemFactory(owner=learner, image=True)
    assert signed_in.get(reverse("portfolio:evidence-file", args=[image.pk])).status_code == 200
    assert (
        signed_in.get(reverse("portfolio:evidence-thumbnail", args=[image.pk])).status_code == 200
    )


def test_other_documents_are_offered_for_download(signed_in, learner):
    signed_in.post(
        reverse("portfolio:evidence-create", args=["file"]),
        {"title": "Levels", "upload": SimpleUploadedFile("levels.csv", b"skill,level\nSQL,3\n")},
    )
    item = EvidenceItem.objects.get(owner=learner)
    response = signed_in.get(reverse("portfolio:evidence-detail", args=[item.pk]))
    file_url = reverse("portfolio:evidence-file", args=[item.pk])
    assert f'<a class="button" href="{file_url}" download>Download</a>' in response.text
    assert "levels.csv" in response.text
    assert "CSV file · 18\xa0bytes" in response.text


@pytest.mark.parametrize(
    ("name", "label"),
    [("notes.md", "Markdown document"), ("notes.txt", "Text document"), ("notes", "Text document")],
)
def test_a_file_is_named_by_what_it_is(signed_in, learner, name, label):
    signed_in.post(
        reverse("portfolio:evidence-create", args=["file"]),
        {"title": "Notes", "upload": SimpleUploadedFile(name, b"Some notes.\n")},
    )
    item = EvidenceItem.objects.get(owner=learner)
    response = signed_in.get(reverse("portfolio:evidence-detail", args=[item.pk]))
    assert f"{label} · 12\xa0bytes" in response.text


def test_adding_evidence_returns_to_a_safe_next_page(signed_in, learner):
    response = signed_in.post(
        "/evidence/new/reflection/?next=/applications/7/edit/",
        {"title": "Retro notes", "body": "What went well."},
    )
    assert response.status_code == 302
    assert response.url == "/applications/7/edit/"
    assert learner.evidence_items.filter(title="Retro notes").exists()


def test_adding_evidence_ignores_an_offsite_next(signed_in, learner):
    response = signed_in.post(
        "/evidence/new/reflection/?next=https://evil.example.com/",
        {"title": "Retro notes", "body": "What went well."},
    )
    item = learner.evidence_items.get(title="Retro notes")
    assert response.url == f"/evidence/{item.pk}/"
