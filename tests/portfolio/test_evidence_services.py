from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portfolio.models import Event, EvidenceItem, Skill, SkillFramework
from portfolio.services.evidence import (
    EvidenceError,
    _delete_stored,
    create_evidence,
    delete_evidence,
    update_evidence,
)
from portfolio.storage import private_storage
from tests.factories import EvidenceItemFactory, SkillFactory, pdf_bytes, png_bytes
from tests.refusals import field_errors

PDF = pdf_bytes()


def stored_names(folder=""):
    """Every name in the private storage, so a test can see what a service left behind."""
    storage = private_storage()
    directories, files = storage.listdir(folder)
    names = {f"{folder}/{name}".lstrip("/") for name in files}
    for directory in directories:
        names |= stored_names(f"{folder}/{directory}".lstrip("/"))
    return names


def a_file(content=PDF, name="report.pdf"):
    return SimpleUploadedFile(name, content, "application/pdf")


def test_creates_a_link_with_its_skills(learner):
    skills = SkillFactory.create_batch(2)

    item = create_evidence(
        by=learner,
        kind="link",
        title="  Dashboard prototype ",
        description="Built with two colleagues.",
        work_done_on=date(2026, 2, 1),
        skills=skills,
        url="https://example.org/dashboard",
    )

    item.refresh_from_db()
    assert (item.kind, item.title, item.url) == (
        "link",
        "Dashboard prototype",
        "https://example.org/dashboard",
    )
    assert item.work_done_on == date(2026, 2, 1)
    assert set(item.skills.all()) == set(skills)
    assert item.body == ""
    assert not item.file


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.org/file", "data:text/html,hi", "example"]
)
def test_link_must_be_http_or_https(learner, url):
    with pytest.raises(EvidenceError) as caught:
        create_evidence(by=learner, kind="link", title="Bad", url=url)
    assert field_errors(caught.value) == {
        "url": ["Enter a web address that starts with http:// or https://."]
    }
    assert not EvidenceItem.objects.exists()


def test_reflection_needs_a_body(learner):
    with pytest.raises(EvidenceError) as caught:
        create_evidence(by=learner, kind="reflection", title="Empty", body="  \n ")
    assert field_errors(caught.value) == {"body": ["Write your reflection; it cannot be empty."]}


def test_title_is_required(learner):
    with pytest.raises(EvidenceError) as caught:
        create_evidence(by=learner, kind="reflection", title="   ", body="Text")
    assert field_errors(caught.value) == {"title": ["Give the evidence a title."]}


def test_file_kinds_need_an_upload(learner):
    with pytest.raises(EvidenceError) as caught:
        create_evidence(by=learner, kind="file", title="Report")
    assert field_errors(caught.value) == {"upload": ["Choose a file to upload."]}


def test_unknown_kind_is_refused(learner):
    with pytest.raises(EvidenceError) as caught:
        create_evidence(by=learner, kind="video", title="Clip")
    assert (caught.value.message, caught.value.code) == (
        "Unknown kind of evidence: video.",
        "evidence.unknown_kind",
    )


def test_only_learners_keep_evidence(assessor):
    with pytest.raises(EvidenceError, match=r"^Only learners keep an evidence library\.$"):
        create_evidence(by=assessor, kind="reflection", title="Notes", body="Text")


def test_image_kind_refuses_other_content_and_stores_nothing(learner):
    before = stored_names()
    with pytest.raises(EvidenceError) as caught:
        create_evidence(by=learner, kind="image", title="Photo", upload=a_file())
    assert field_errors(caught.value) == {
        "upload": ["Upload a PNG, JPEG, WebP or GIF image; this file is a PDF document."]
    }
    assert stored_names() == before


def test_original_filename_is_the_basename(learner):
    upload = a_file()
    upload.name = "C:\\Users\\someone\\report\x07.pdf"  # as some browsers send it
    item = create_evidence(by=learner, kind="file", title="Report", upload=upload)
    assert item.original_filename == "report.pdf"


def test_original_filename_is_trimmed_to_255_keeping_the_extension(learner):
    item = create_evidence(
        by=learner, kind="file", title="Report", upload=a_file(name="x" * 300 + ".pdf")
    )
    assert item.original_filename == "x" * 251 + ".pdf"


def test_failure_after_storing_leaves_no_row_and_no_file(learner):
    before = stored_names()
    unsaved = Skill(framework=SkillFramework(name="Nowhere", slug="nowhere"), name="Ghost")
    with pytest.raises(ValueError, match="Cannot add"):
        create_evidence(
            by=learner,
            kind="image",
            title="Photo",
            upload=a_file(png_bytes(), "p.png"),
            skills=[unsaved],
        )
    assert not EvidenceItem.objects.exists()
    assert stored_names() == before


def test_too_long_title_fails_cleanly_after_the_file_was_processed(learner):
    before = stored_names()
    with pytest.raises(EvidenceError) as caught:
        create_evidence(by=learner, kind="file", title="t" * 201, upload=a_file())
    assert field_errors(caught.value) == {
        "title": ["Ensure this value has at most 200 characters (it has 201)."]
    }
    assert not EvidenceItem.objects.exists()
    assert stored_names() == before


def test_replacing_an_image_deletes_the_old_files_after_commit(
    learner, django_capture_on_commit_callbacks
):
    storage = private_storage()
    item = EvidenceItemFactory(owner=learner, image=True)
    old_file, old_thumbnail = item.file.name, item.thumbnail.name

    with django_capture_on_commit_callbacks() as callbacks:
        updated = update_evidence(
            item_id=item.pk,
            by=learner,
            title="Better photo",
            upload=a_file(png_bytes((80, 60)), "new.png"),
        )
        # Until the transaction commits, the old files must still be there.
        assert storage.exists(old_file)
        assert storage.exists(old_thumbnail)
    for callback in callbacks:
        callback()

    updated.refresh_from_db()
    assert (updated.kind, updated.title, updated.original_filename) == (
        "image",
        "Better photo",
        "new.png",
    )
    assert storage.exists(updated.file.name)
    assert storage.exists(updated.thumbnail.name)
    assert not storage.exists(old_file)
    assert not storage.exists(old_thumbnail)


def test_a_clean_up_failing_after_commit_leaves_the_saved_replacement_standing(
    learner, monkeypatch, django_capture_on_commit_callbacks
):
    item = EvidenceItemFactory(owner=learner, image=True)

    tried = []

    def failing_clean_up(names):
        tried.append(names)
        raise RuntimeError("storage backend could not be built")

    # The edit has committed by then: an orphaned file is untidy, an error page would lie.
    monkeypatch.setattr("portfolio.services.evidence._delete_stored", failing_clean_up)
    with django_capture_on_commit_callbacks(execute=True):
        update_evidence(
            item_id=item.pk,
            by=learner,
            title="Better photo",
            upload=a_file(png_bytes((80, 60)), "new.png"),
        )
    assert tried == [[item.file.name, item.thumbnail.name]]
    item.refresh_from_db()
    assert (item.title, item.original_filename) == ("Better photo", "new.png")


def test_the_update_event_says_whether_the_file_was_replaced(learner):
    item = EvidenceItemFactory(owner=learner, image=True, title="Photo")

    update_evidence(item_id=item.pk, by=learner, title="Renamed photo")
    update_evidence(
        item_id=item.pk, by=learner, title="New photo", upload=a_file(png_bytes((80, 60)), "n.png")
    )

    payloads = [
        event.payload for event in Event.objects.filter(verb="evidence.updated").order_by("pk")
    ]
    assert payloads == [
        {"title": "Renamed photo", "file_replaced": False},
        {"title": "New photo", "file_replaced": True},
    ]


def test_file_replaced_by_an_image_becomes_an_image(learner, django_capture_on_commit_callbacks):
    item = EvidenceItemFactory(owner=learner, pdf=True)
    old_file = item.file.name
    with django_capture_on_commit_callbacks(execute=True):
        updated = update_evidence(
            item_id=item.pk, by=learner, title="Scan", upload=a_file(png_bytes(), "scan.png")
        )
    updated.refresh_from_db()
    assert (updated.kind, updated.content_type) == ("image", "image/png")
    assert updated.thumbnail
    assert not private_storage().exists(old_file)


def test_editing_a_link_changes_its_address_and_leaves_the_body_alone(learner):
    item = EvidenceItemFactory(owner=learner, link=True, title="Dashboard")
    updated = update_evidence(
        item_id=item.pk,
        by=learner,
        title="Sales dashboard",
        url="https://example.org/sales-dashboard",
        body="Ignored for a link.",
    )
    updated.refresh_from_db()
    assert (updated.title, updated.url, updated.body) == (
        "Sales dashboard",
        "https://example.org/sales-dashboard",
        "",
    )


def test_image_item_accepts_only_images_on_replacement(learner):
    item = EvidenceItemFactory(owner=learner, image=True)
    with pytest.raises(EvidenceError) as caught:
        update_evidence(item_id=item.pk, by=learner, title="Photo", upload=a_file())
    assert field_errors(caught.value) == {
        "upload": ["Upload a PNG, JPEG, WebP or GIF image; this file is a PDF document."]
    }
    item.refresh_from_db()
    assert item.content_type == "image/png"


def test_update_without_upload_keeps_the_file(learner, django_capture_on_commit_callbacks):
    item = EvidenceItemFactory(owner=learner, pdf=True)
    skill = SkillFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        update_evidence(
            item_id=item.pk, by=learner, title="Renamed", description="New", skills=[skill]
        )
    # Other apps may react to the event after commit (the directory does); no file goes.
    assert [c for c in callbacks if getattr(c, "func", None) is _delete_stored] == []
    refreshed = EvidenceItem.objects.get(pk=item.pk)
    assert refreshed.file.name == item.file.name
    assert private_storage().exists(item.file.name)
    assert (refreshed.title, refreshed.description) == ("Renamed", "New")
    assert list(refreshed.skills.all()) == [skill]


def test_updates_a_reflection_body(learner):
    item = EvidenceItemFactory(owner=learner)
    update_evidence(item_id=item.pk, by=learner, title="Week 2", body="Better *now*.")
    item.refresh_from_db()
    assert (item.title, item.body) == ("Week 2", "Better *now*.")


def test_failed_replacement_keeps_the_old_file_and_stores_nothing_new(learner):
    item = EvidenceItemFactory(owner=learner, pdf=True)
    before = stored_names()
    with pytest.raises(EvidenceError):
        update_evidence(item_id=item.pk, by=learner, title="x" * 201, upload=a_file())
    assert stored_names() == before
    item.refresh_from_db()
    assert private_storage().exists(item.file.name)


def test_only_the_owner_may_update_or_delete(learner, other_learner):
    item = EvidenceItemFactory(owner=learner)
    with pytest.raises(EvidenceError, match=r"^Only the owner can change this evidence\.$"):
        update_evidence(item_id=item.pk, by=other_learner, title="Mine now", body="Text")
    with pytest.raises(EvidenceError, match=r"^Only the owner can delete this evidence\.$"):
        delete_evidence(item_id=item.pk, by=other_learner)
    item.refresh_from_db()
    assert item.title != "Mine now"


def test_delete_removes_stored_files_after_commit(learner, django_capture_on_commit_callbacks):
    storage = private_storage()
    item = EvidenceItemFactory(owner=learner, image=True)
    names = [item.file.name, item.thumbnail.name]

    with django_capture_on_commit_callbacks() as callbacks:
        delete_evidence(item_id=item.pk, by=learner)
        assert all(storage.exists(name) for name in names)
    for callback in callbacks:
        callback()

    assert not EvidenceItem.objects.filter(pk=item.pk).exists()
    assert not any(storage.exists(name) for name in names)


def test_delete_is_idempotent(learner, django_capture_on_commit_callbacks):
    item = EvidenceItemFactory(owner=learner)
    kept = EvidenceItemFactory(owner=learner, title="Kept")
    with django_capture_on_commit_callbacks(execute=True):
        delete_evidence(item_id=item.pk, by=learner)
        delete_evidence(item_id=item.pk, by=learner)
    assert list(EvidenceItem.objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_failing_clean_up_is_logged_and_the_original_error_still_raised(
    learner, monkeypatch, caplog
):
    storage_class = type(private_storage())

    def refusing_delete(self, name):
        raise OSError("storage unreachable")

    monkeypatch.setattr(storage_class, "delete", refusing_delete)
    unsaved = Skill(framework=SkillFramework(name="Nowhere", slug="nowhere"), name="Ghost")
    with pytest.raises(ValueError, match="Cannot add"):
        create_evidence(
            by=learner,
            kind="image",
            title="Photo",
            upload=a_file(png_bytes(), "p.png"),
            skills=[unsaved],
        )
    assert not EvidenceItem.objects.exists()
    # Both the image and its thumbnail were tried, each failure logged on its own.
    failures = [r for r in caplog.records if r.getMessage().startswith("Could not delete")]
    assert len(failures) == 2
    assert all(r.exc_info and isinstance(r.exc_info[1], OSError) for r in failures)
