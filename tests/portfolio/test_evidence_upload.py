"""Every upload rule, through the page a learner uses: what they see, and what is stored."""

import html
import io
import re
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from portfolio.models import EvidenceItem
from portfolio.pdfs import strip_active_content
from portfolio.services.evidence import EvidenceError, create_evidence
from tests.factories import pdf_bytes, png_bytes
from tests.refusals import field_errors

ALLOWED = (
    "Allowed: PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), OpenDocument (ODT, ODS, ODP), "
    "plain text, Markdown or CSV, or images as PNG, JPEG, WebP or GIF."
)
PDF = pdf_bytes()
GPS_IFD = 0x8825


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 12.5)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 39.0)
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), (200, 120, 40)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def noisy_png(size=(200, 150)) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of all-black pixels: a few kilobytes that decode to a huge image."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width + 7) // 8)
    pixels = zlib.compress(row * height, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document/>",
        }
    )


def upload(client, content, name, *, kind="file", title="My work"):
    return client.post(
        reverse("portfolio:evidence-create", args=[kind]),
        {"title": title, "upload": SimpleUploadedFile(name, content, "application/octet-stream")},
    )


def assert_upload_refused(response, message):
    """The learner sees exactly this message on the upload field, and nothing was kept."""
    assert response.status_code == 200
    assert response.context["form"].errors["upload"] == [message]
    assert f'<ul class="errorlist" id="id_upload_error"><li>{html.escape(message)}</li></ul>' in (
        response.text
    )
    assert not EvidenceItem.objects.exists()


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


def test_oversized_upload_is_refused_with_the_limit(signed_in, settings):
    # The upload handler stops the file as it arrives (tests/config/test_request_guards.py),
    # so the refusal is the 413 page rather than a form error.
    settings.MAX_UPLOAD_BYTES = 1024
    response = upload(signed_in, b"a" * 2048, "notes.txt")
    assert response.status_code == 413
    assert "Files can be up to 1\xa0KB." in response.text
    assert not EvidenceItem.objects.exists()


def test_the_service_refuses_an_oversized_file_it_is_handed(learner, settings):
    # Uploads that do not come through a request (the admin, a script) meet the same limit.
    settings.MAX_UPLOAD_BYTES = 1024
    with pytest.raises(EvidenceError) as refused:
        create_evidence(
            by=learner,
            kind="file",
            title="Notes",
            upload=SimpleUploadedFile("notes.txt", b"a" * 2048, "text/plain"),
        )
    assert field_errors(refused.value) == {
        "upload": ["This file is 2.0\xa0KB; the limit is 1\xa0KB."]
    }
    assert not EvidenceItem.objects.exists()


def test_form_help_text_states_the_limit_and_the_allowed_types(signed_in, settings):
    settings.MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    response = signed_in.get(reverse("portfolio:evidence-create", args=["file"]))
    assert (
        "PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), OpenDocument (ODT, ODS, ODP), plain "
        "text, Markdown or CSV, or an image (PNG, JPEG, WebP or GIF); up to 5\xa0MB."
    ) in response.text
    response = signed_in.get(reverse("portfolio:evidence-create", args=["image"]))
    assert (
        "PNG, JPEG, WebP or GIF, up to 5\xa0MB. Location and camera details are removed "
        "before it is stored."
    ) in response.text


def test_zip_archive_named_like_a_pdf_is_refused_as_a_zip(signed_in):
    response = upload(signed_in, zip_bytes({"secret.exe": b"MZ" + b"\x00" * 64}), "report.pdf")
    assert_upload_refused(response, f"{ALLOWED} This file is a ZIP archive.")


def test_program_named_like_a_pdf_is_refused(signed_in):
    response = upload(signed_in, b"MZ\x90\x00" + b"\x00" * 200, "report.pdf")
    assert_upload_refused(response, f"{ALLOWED} This file is a Windows program.")


def test_html_is_refused_whatever_its_name(signed_in):
    page = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    response = upload(signed_in, page, "notes.txt")
    assert_upload_refused(response, f"{ALLOWED} This file is an HTML document.")


def test_svg_is_refused_because_it_can_hold_script(signed_in):
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = upload(signed_in, svg, "drawing.png", kind="image")
    assert_upload_refused(
        response,
        "SVG images are not accepted because they can contain scripts. "
        "Upload a PNG, JPEG, WebP or GIF image instead.",
    )


def test_truncated_image_is_refused(signed_in):
    data = noisy_png()
    response = upload(signed_in, data[: len(data) // 2], "photo.png", kind="image")
    assert_upload_refused(response, "This image is damaged or incomplete and cannot be read.")


def test_decompression_bomb_is_refused_before_decoding(signed_in):
    bomb = png_bomb(12_000, 12_000)  # 144 megapixels
    assert len(bomb) < 30_000
    response = upload(signed_in, bomb, "tiny.png", kind="image")
    assert_upload_refused(
        response,
        "This image has too many pixels to process safely; the limit is 40 megapixels.",
    )


def test_image_beyond_pillows_own_ceiling_gets_the_same_message(signed_in):
    # A header claiming ten billion pixels trips Pillow's own bomb check as it opens.
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IEND", b"")
    response = upload(signed_in, data, "tiny.png", kind="image")
    assert_upload_refused(
        response,
        "This image has too many pixels to process safely; the limit is 40 megapixels.",
    )


def test_pixel_ceiling_follows_the_setting(signed_in, settings):
    settings.MAX_IMAGE_PIXELS = 2_000
    response = upload(signed_in, png_bytes((64, 48)), "photo.png", kind="image")
    assert_upload_refused(
        response,
        "This image has too many pixels to process safely; the limit is 0.002 megapixels.",
    )


def test_image_kind_refuses_a_document(signed_in):
    response = upload(signed_in, PDF, "photo.jpg", kind="image")
    assert_upload_refused(
        response, "Upload a PNG, JPEG, WebP or GIF image; this file is a PDF document."
    )


def test_empty_file_is_refused(signed_in):
    response = upload(signed_in, b"", "notes.txt")
    assert response.status_code == 200
    # Django's own FileField catches an empty file before our check runs.
    assert response.context["form"].errors["upload"] == ["The submitted file is empty."]
    assert not EvidenceItem.objects.exists()


def test_jpeg_comes_back_without_gps_and_with_a_thumbnail(signed_in, learner):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the fixture has GPS

    response = upload(signed_in, original, "IMG_0042.jpeg", kind="image", title="Site visit")

    item = EvidenceItem.objects.get(owner=learner)
    assert response.url == reverse("portfolio:evidence-detail", args=[item.pk])
    with item.file.open("rb") as stored:
        data = stored.read()
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    assert GPS_IFD not in exif
    assert not exif.get_ifd(GPS_IFD)
    assert b"PhoneMaker" not in data
    assert (image.format, image.size) == ("JPEG", (120, 90))
    assert item.kind == EvidenceItem.Kind.IMAGE
    assert item.content_type == "image/jpeg"
    assert item.original_filename == "IMG_0042.jpeg"
    assert item.file_size == len(data)
    assert re.fullmatch(r"evidence/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", item.file.name)
    with item.thumbnail.open("rb") as stored:
        thumbnail = Image.open(io.BytesIO(stored.read()))
    assert thumbnail.format == "WEBP"
    assert re.fullmatch(r"thumbnails/\d{4}/\d{2}/[0-9a-f]{32}\.webp", item.thumbnail.name)


def test_image_uploaded_as_a_file_becomes_an_image(signed_in, learner):
    upload(signed_in, png_bytes(), "diagram.png", kind="file")
    item = EvidenceItem.objects.get(owner=learner)
    assert (item.kind, item.content_type) == (EvidenceItem.Kind.IMAGE, "image/png")
    assert item.thumbnail


@pytest.mark.parametrize(
    ("content", "name", "content_type", "extension"),
    [
        (PDF, "Final report.pdf", "application/pdf", "pdf"),
        (
            docx_bytes(),
            "essay.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        ("Notes on the project — week 1\n".encode(), "notes.txt", "text/plain", "txt"),
        (b"# Retrospective\n\n* went well\n", "retro.md", "text/markdown", "md"),
        (b"skill,level\nSQL,3\n", "levels.csv", "text/csv", "csv"),
    ],
)
def test_accepted_documents_are_stored_under_a_random_name(
    signed_in, learner, content, name, content_type, extension
):
    response = upload(signed_in, content, name)
    # A PDF is kept as qpdf rewrote it without active content (tests/portfolio/test_pdfs.py).
    if content_type == "application/pdf":
        content = strip_active_content(content)

    item = EvidenceItem.objects.get(owner=learner)
    assert response.status_code == 302
    assert item.kind == EvidenceItem.Kind.FILE
    assert item.content_type == content_type
    assert item.original_filename == name
    assert item.file_size == len(content)
    assert re.fullmatch(rf"evidence/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.{extension}", item.file.name)
    assert name.rsplit(".", 1)[0] not in item.file.name
    with item.file.open("rb") as stored:
        assert stored.read() == content
    assert not item.thumbnail


def test_the_default_limit_reads_as_a_whole_number_of_megabytes(signed_in):
    response = signed_in.get(reverse("portfolio:evidence-create", args=["image"]))
    assert "PNG, JPEG, WebP or GIF, up to 20\xa0MB." in response.text
    assert "20.0" not in response.text
