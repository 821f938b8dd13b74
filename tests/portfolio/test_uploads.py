"""portfolio.uploads on its own: what content is accepted, and what survives re-encoding."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files import File
from PIL import Image, ImageCms, ImageFile, ImageSequence, PngImagePlugin

from portfolio.uploads import FileTooLarge, inspect_upload, process_image, read_within_limit

ALLOWED = (
    "Allowed: PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), OpenDocument (ODT, ODS, ODP), "
    "plain text, Markdown or CSV, or images as PNG, JPEG, WebP or GIF."
)
SVG_REFUSED = (
    "SVG images are not accepted because they can contain scripts. "
    "Upload a PNG, JPEG, WebP or GIF image instead."
)


def refusal(data, name=""):
    with pytest.raises(ValidationError) as caught:
        inspect_upload(data, original_name=name)
    return caught.value.messages


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def image_bytes(fmt, size=(40, 30), **options):
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format=fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
        b"<!-- made by hand -->\n<svg><script>alert(1)</script></svg>",
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x"><!-- c --><svg/>',
    ],
)
def test_svg_is_refused_however_it_begins(svg):
    assert refusal(svg, "drawing.svg") == [SVG_REFUSED]


@pytest.mark.parametrize(
    "page",
    [
        b"<!doctype html><p>hi</p>",
        b"  <html><body>hi</body></html>",
        b"<!-- note -->\n<script>alert(1)</script>",
        b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'></html>",
    ],
)
def test_html_is_refused_however_it_begins(page):
    assert refusal(page, "notes.txt") == [f"{ALLOWED} This file is an HTML document."]


def test_text_mentioning_svg_later_on_is_still_text():
    inspected = inspect_upload(b"# Notes\n\nI drew an <svg> logo today.\n", original_name="a.md")
    assert (inspected.content_type, inspected.extension) == ("text/markdown", "md")


@pytest.mark.parametrize(
    ("name", "content_type", "extension"),
    [
        ("notes.md", "text/markdown", "md"),
        ("data.CSV", "text/csv", "csv"),
        ("page.html", "text/plain", "txt"),
        ("README", "text/plain", "txt"),
    ],
)
def test_text_flavour_comes_from_the_name_only_once_content_is_text(name, content_type, extension):
    inspected = inspect_upload("Plain words, ünïcode too.\n".encode(), original_name=name)
    assert (inspected.is_image, inspected.content_type, inspected.extension) == (
        False,
        content_type,
        extension,
    )


@pytest.mark.parametrize(
    ("marker", "content_type", "label"),
    [
        (
            "xl/workbook.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Excel workbook",
        ),
        (
            "ppt/presentation.xml",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "PowerPoint presentation",
        ),
    ],
)
def test_office_documents_are_recognised(marker, content_type, label):
    inspected = inspect_upload(zip_bytes({"[Content_Types].xml": b"<Types/>", marker: b"<x/>"}))
    assert (inspected.content_type, inspected.label) == (content_type, label)


@pytest.mark.parametrize(
    ("marker", "described"),
    [("word/document.xml", "a Word document"), ("xl/workbook.xml", "an Excel workbook")],
)
def test_a_label_takes_the_article_its_first_letter_needs(marker, described):
    inspected = inspect_upload(zip_bytes({"[Content_Types].xml": b"<Types/>", marker: b"<x/>"}))
    assert inspected.label_with_article == described


def test_opendocument_is_recognised_by_its_mimetype_member():
    data = zip_bytes(
        {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"},
        compression=zipfile.ZIP_STORED,
    )
    inspected = inspect_upload(data)
    assert (inspected.content_type, inspected.extension) == (
        "application/vnd.oasis.opendocument.text",
        "odt",
    )


def test_a_huge_mimetype_member_is_not_inflated_and_the_zip_is_refused():
    data = zip_bytes({"mimetype": b"a" * 20_000_000})
    assert len(data) < 100_000
    assert refusal(data) == [f"{ALLOWED} This file is a ZIP archive."]


def test_a_corrupt_member_reads_as_a_damaged_document():
    data = bytearray(zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text" * 50}))
    start = data.index(b"mimetype") + len(b"mimetype")
    data[start : start + 20] = b"\xff" * 20  # scramble the deflate stream
    assert refusal(bytes(data)) == ["This file is a damaged or incomplete ZIP-based document."]


def test_office_files_with_macros_are_refused():
    data = zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<x/>",
            "word/vbaProject.bin": b"\x00" * 16,
        }
    )
    assert refusal(data, "essay.docm") == [
        "This Office file contains macros, which can run code. "
        "Save it without macros (DOCX, XLSX or PPTX) or as a PDF."
    ]


def test_pdf_without_an_end_marker_is_refused():
    assert refusal(b"%PDF-1.7\n" + b"0" * 5000) == [
        "This PDF is damaged or incomplete (it has no end-of-file marker)."
    ]


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64, "an HEIC image"),
        (image_bytes("BMP"), "a BMP image"),
        (b"\x00\x01\x02\xff\xfe" * 40, "in a format we do not recognise"),
    ],
)
def test_refusals_say_what_the_file_is(data, what):
    assert refusal(data) == [f"{ALLOWED} This file is {what}."]


@pytest.mark.parametrize("tolerant", [False, True])
def test_truncated_jpeg_is_refused_when_processed(monkeypatch, tolerant):
    # WeasyPrint turns Pillow's truncated-image tolerance on for the whole process.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", tolerant)
    buffer = io.BytesIO()
    Image.effect_noise((300, 200), 90).convert("RGB").save(buffer, format="JPEG")
    data = buffer.getvalue()[:4000]
    assert inspect_upload(data).is_image  # the header alone looks fine
    with pytest.raises(ValidationError) as caught:
        process_image(data)
    assert caught.value.messages == ["This image is damaged or incomplete and cannot be read."]
    assert ImageFile.LOAD_TRUNCATED_IMAGES is tolerant  # put back as it was


def test_png_text_chunks_and_exif_are_dropped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    processed = process_image(image_bytes("PNG", pnginfo=info, exif=exif))
    assert b"home address" not in processed.content
    assert b"PhoneMaker" not in processed.content
    cleaned = Image.open(io.BytesIO(processed.content))
    assert not cleaned.getexif()
    # Still the picture: only the metadata went.
    assert (cleaned.format, cleaned.size) == ("PNG", (40, 30))


def test_webp_exif_and_xmp_are_dropped():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    processed = process_image(image_bytes("WEBP", exif=exif, xmp=b"<x:xmpmeta>secret</x:xmpmeta>"))
    assert b"PhoneMaker" not in processed.content
    assert b"secret" not in processed.content
    assert processed.content_type == "image/webp"


def test_gif_comment_is_dropped():
    processed = process_image(image_bytes("GIF", comment=b"taken at home"))
    assert b"taken at home" not in processed.content
    cleaned = Image.open(io.BytesIO(processed.content))
    assert "comment" not in cleaned.info
    assert (cleaned.format, cleaned.size) == ("GIF", (40, 30))


def test_exif_orientation_is_applied_before_exif_is_dropped():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    processed = process_image(image_bytes("JPEG", size=(40, 20), exif=exif))
    assert (processed.width, processed.height) == (20, 40)
    assert Image.open(io.BytesIO(processed.content)).size == (20, 40)


def test_animated_gif_stays_animated_and_gets_a_still_thumbnail():
    frames = [
        Image.new("RGB", (30, 20), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))
    ]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=80)
    processed = process_image(buffer.getvalue())
    result = Image.open(io.BytesIO(processed.content))
    assert len(list(ImageSequence.Iterator(result))) == 3
    assert Image.open(io.BytesIO(processed.thumbnail)).format == "WEBP"


def test_pixel_ceiling_counts_every_frame_of_an_animated_gif(settings):
    settings.MAX_IMAGE_PIXELS = 2_000
    frames = [
        Image.new("RGB", (30, 20), (colour * 50, 0, 0)) for colour in range(5)
    ]  # 5 frames of 600
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    data = buffer.getvalue()
    assert inspect_upload(data).is_image  # one frame is within the ceiling
    with pytest.raises(ValidationError) as caught:
        process_image(data)
    assert caught.value.messages == [
        "This image has too many pixels to process safely; the limit is 0.002 megapixels."
    ]


def test_thumbnail_fits_the_box_and_keeps_transparency():
    buffer = io.BytesIO()
    Image.new("RGBA", (1200, 600), (0, 0, 0, 0)).save(buffer, format="PNG")
    thumbnail = Image.open(io.BytesIO(process_image(buffer.getvalue()).thumbnail))
    assert thumbnail.size == (480, 240)
    assert thumbnail.mode == "RGBA"


SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
PAYLOAD = b"<script>alert(1)</script> GPS 51.5007N 0.1246W"


def _profiled(fmt, icc, mode="RGB", colour=(10, 120, 200)):
    buffer = io.BytesIO()
    Image.new(mode, (40, 30), colour).save(buffer, format=fmt, icc_profile=icc)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_colour_profile_is_applied_then_dropped_with_whatever_it_carried(fmt):
    # A real profile with bytes tucked on after it: they rode through re-encoding before.
    data = _profiled(fmt, SRGB_PROFILE + PAYLOAD)
    assert Image.open(io.BytesIO(data)).info["icc_profile"].endswith(PAYLOAD)

    processed = process_image(data)

    result = Image.open(io.BytesIO(processed.content))
    assert "icc_profile" not in result.info
    assert b"<script>" not in processed.content
    assert b"GPS" not in processed.content
    assert b"<script>" not in processed.thumbnail
    # sRGB to sRGB: the colours are those of the original (JPEG and WebP are lossy).
    red, green, blue = result.convert("RGB").getpixel((20, 15))
    assert abs(red - 10) <= 3
    assert abs(green - 120) <= 3
    assert abs(blue - 200) <= 3


def test_an_unreadable_colour_profile_is_dropped_and_the_image_kept():
    data = _profiled("PNG", PAYLOAD * 4)

    processed = process_image(data)

    result = Image.open(io.BytesIO(processed.content))
    assert "icc_profile" not in result.info
    assert PAYLOAD not in processed.content
    assert result.convert("RGB").getpixel((0, 0)) == (10, 120, 200)


def test_a_transparent_image_with_a_profile_keeps_its_transparency():
    data = _profiled("PNG", SRGB_PROFILE, mode="RGBA", colour=(10, 120, 200, 0))

    result = Image.open(io.BytesIO(process_image(data).content))

    assert result.mode == "RGBA"
    assert result.getpixel((0, 0))[3] == 0
    assert "icc_profile" not in result.info


def _mpo(first=(200, 30, 30), second=(30, 200, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), first).save(
        buffer, format="MPO", save_all=True, append_images=[Image.new("RGB", (48, 32), second)]
    )
    return buffer.getvalue()


def test_a_phone_photo_in_multi_picture_jpeg_is_accepted_as_its_first_frame():
    data = _mpo()
    assert Image.open(io.BytesIO(data)).format == "MPO"

    inspected = inspect_upload(data, original_name="IMG_0001.JPG")
    processed = process_image(data)

    assert inspected.is_image
    assert (inspected.content_type, inspected.extension) == ("image/jpeg", "jpg")
    result = Image.open(io.BytesIO(processed.content))
    assert result.format == "JPEG"
    assert getattr(result, "n_frames", 1) == 1
    assert (processed.content_type, processed.extension) == ("image/jpeg", "jpg")
    red, green, _blue = result.getpixel((24, 16))
    assert red > 150
    assert green < 80


# --- Size-capped reads (evidence uploads and badge images) ---------------------------------


class _MisdeclaredFile(File):
    """A file whose declared size is smaller than what it holds, as a client may claim."""

    def __init__(self, data, declared):
        super().__init__(io.BytesIO(data), name="claimed.bin")
        self._declared = declared

    @property
    def size(self):
        return self._declared


def test_a_capped_read_takes_a_file_up_to_its_limit_from_its_start():
    file = File(io.BytesIO(b"abcdef"), name="six.bin")
    file.read(3)  # a caller that peeked first

    assert read_within_limit(file, limit=6) == b"abcdef"


def test_a_capped_read_refuses_a_declared_size_over_the_limit_before_reading():
    file = File(io.BytesIO(b"abcdefg"), name="seven.bin")

    with pytest.raises(FileTooLarge) as refused:
        read_within_limit(file, limit=6)

    assert refused.value.size == 7
    assert file.tell() == 0


def test_a_capped_read_refuses_a_file_larger_than_it_claims_reading_one_byte_past_the_limit():
    file = _MisdeclaredFile(b"x" * 100, declared=3)

    with pytest.raises(FileTooLarge) as refused:
        read_within_limit(file, limit=6)

    assert refused.value.size is None
    assert file.tell() == 7
