import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile, PngImagePlugin

from credentials.forms import MicroCredentialAdminForm
from credentials.validators import validate_badge_image
from tests.factories import png_bytes


def image_bytes(size=(256, 256), fmt="PNG", **save_options):
    buffer = io.BytesIO()
    Image.new("RGB", size, (31, 78, 121)).save(buffer, format=fmt, **save_options)
    return buffer.getvalue()


def upload(data, name="badge.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def messages_for(data, **kwargs):
    with pytest.raises(ValidationError) as caught:
        validate_badge_image(upload(data, **kwargs))
    return caught.value.messages


def test_a_square_png_of_at_least_200_pixels_is_accepted():
    badge = validate_badge_image(upload(png_bytes((200, 200))))
    assert (badge.content_type, badge.width, badge.height) == ("image/png", 200, 200)
    assert badge.content.startswith(b"\x89PNG")


def test_the_content_decides_not_the_name():
    # A real PNG behind a .jpg name and a JPEG content type is still a PNG.
    badge = validate_badge_image(
        upload(png_bytes((300, 300)), name="badge.jpg", content_type="image/jpeg")
    )
    assert badge.content_type == "image/png"


def test_a_jpeg_named_png_is_refused():
    assert messages_for(image_bytes(fmt="JPEG")) == [
        "The badge image must be a PNG file; this file is a JPEG image."
    ]


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (image_bytes(fmt="WEBP"), "a WebP image"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "a PDF document"),
        (b"just some text, not a picture", "a text document"),
    ],
)
def test_other_formats_are_refused_by_what_they_are(data, what):
    assert messages_for(data) == [f"The badge image must be a PNG file; this file is {what}."]


def test_an_svg_is_refused():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'
    assert messages_for(svg, name="badge.png") == [
        "The badge image must be a PNG file; this file is not one."
    ]


@pytest.mark.parametrize("tolerant", [False, True])
def test_a_truncated_png_is_refused_as_damaged(monkeypatch, tolerant):
    # WeasyPrint turns Pillow's tolerance of truncated images on for the whole process.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", tolerant)
    data = png_bytes((256, 256))
    assert messages_for(data[: len(data) // 2]) == [
        "This image is damaged or incomplete and cannot be read."
    ]


def test_an_empty_file_is_refused():
    assert messages_for(b"") == ["The badge image file is empty."]


def test_a_badge_must_be_square():
    assert messages_for(png_bytes((300, 200))) == [
        "The badge image must be square; this one is 300x200 pixels."
    ]


def test_a_badge_must_be_at_least_200_pixels():
    assert messages_for(png_bytes((199, 199))) == [
        "The badge image must be at least 200x200 pixels; this one is 199x199."
    ]


def test_every_problem_is_reported_at_once():
    assert messages_for(png_bytes((120, 80))) == [
        "The badge image must be square; this one is 120x80 pixels.",
        "The badge image must be at least 200x200 pixels; this one is 120x80.",
    ]


def test_a_badge_over_2_mb_is_refused_before_it_is_read():
    data = png_bytes((256, 256)) + b"\0" * (3 * 1024 * 1024)
    assert messages_for(data) == ["The badge image is 3.0\xa0MB; the limit is 2\xa0MB."]


@pytest.mark.django_db
def test_the_admin_form_stores_a_re_encoded_copy_under_a_random_name(micro_credential):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Someone who should not be named")
    data = image_bytes(pnginfo=info)
    assert b"Someone who should not be named" in data
    form = MicroCredentialAdminForm(
        data=model_data(micro_credential),
        files={"badge_image": upload(data, name="my badge.png")},
        instance=micro_credential,
    )
    assert form.is_valid(), form.errors
    saved = form.save()
    assert saved.badge_image.name.startswith("badges/")
    assert saved.badge_image.name.endswith(".png")
    assert "my badge" not in saved.badge_image.name
    stored = saved.badge_image.read()
    assert b"Someone who should not be named" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size) == ("PNG", (256, 256))


@pytest.mark.django_db
def test_the_admin_form_shows_the_validator_message(micro_credential):
    form = MicroCredentialAdminForm(
        data=model_data(micro_credential),
        files={"badge_image": upload(png_bytes((300, 200)))},
        instance=micro_credential,
    )
    assert not form.is_valid()
    assert form.errors["badge_image"] == [
        "The badge image must be square; this one is 300x200 pixels."
    ]


def model_data(micro_credential):
    return {
        "issuer": micro_credential.issuer_id,
        "title": micro_credential.title,
        "slug": micro_credential.slug,
        "summary": micro_credential.summary,
        "description": micro_credential.description,
        "criteria": micro_credential.criteria,
        "evidence_expected": "",
        "level": micro_credential.level,
        "estimated_hours": micro_credential.estimated_hours,
        "learning_outcomes": micro_credential.learning_outcomes,
        "assessment_type": micro_credential.assessment_type,
        "participation": micro_credential.participation,
        "quality_assurance": micro_credential.quality_assurance,
        "status": micro_credential.status,
    }
