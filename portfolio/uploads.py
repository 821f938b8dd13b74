"""Deciding what an uploaded file really is, and making images safe to keep.

The type of an upload is decided by its bytes alone: the file name and the browser's
Content-Type are attacker-controlled and ignored. Images are decoded with Pillow and
re-encoded, which drops EXIF (GPS position, camera serial numbers) and any payload hidden
after the image data, and converts colours to sRGB so that no embedded colour profile (a
container for arbitrary bytes) survives; every other accepted format is recognised by its
signature.
"""

from __future__ import annotations

import io
import re
import threading
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

IMAGE_FORMATS = {
    # Pillow format name: (content type, extension, label)
    "PNG": ("image/png", "png", "PNG image"),
    "JPEG": ("image/jpeg", "jpg", "JPEG image"),
    "WEBP": ("image/webp", "webp", "WebP image"),
    "GIF": ("image/gif", "gif", "GIF image"),
}
# Phone cameras save multi-picture JPEG (MPO: a photo plus depth or preview frames); its
# first frame is an ordinary JPEG, which is what we keep.
_FORMAT_ALIASES = {"MPO": "JPEG"}
ALLOWED_IMAGES_TEXT = "PNG, JPEG, WebP or GIF"
ALLOWED_FILES_TEXT = (
    "PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), OpenDocument (ODT, ODS, ODP), "
    "plain text, Markdown or CSV"
)
THUMBNAIL_BOX = (480, 480)
# The only parts of an uploaded image's metadata that a re-encoded copy keeps. The colour
# profile is not one of them: pixels are converted to sRGB (what browsers assume) instead.
_KEPT_INFO = frozenset({"transparency", "duration", "loop", "background"})
_SRGB = ImageCms.createProfile("sRGB")

_OFFICE_MARKERS = {
    "word/document.xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        "Word document",
    ),
    "xl/workbook.xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        "Excel workbook",
    ),
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
        "PowerPoint presentation",
    ),
}
_OPENDOCUMENT_TYPES = {
    b"application/vnd.oasis.opendocument.text": ("odt", "OpenDocument text"),
    b"application/vnd.oasis.opendocument.spreadsheet": ("ods", "OpenDocument spreadsheet"),
    b"application/vnd.oasis.opendocument.presentation": ("odp", "OpenDocument presentation"),
}
_TEXT_TYPES = {
    "md": "text/markdown",
    "markdown": "text/markdown",
    "csv": "text/csv",
    "txt": "text/plain",
}
# What pages call a stored file, by the extension inspect_upload chose for it: its labels,
# with the kinds of text it lumps together told apart.
STORED_FILE_LABELS = (
    {extension: label for _type, extension, label in IMAGE_FORMATS.values()}
    | {extension: label for _type, extension, label in _OFFICE_MARKERS.values()}
    | dict(_OPENDOCUMENT_TYPES.values())
    | {
        "pdf": "PDF document",
        "txt": "Text document",
        "md": "Markdown document",
        "csv": "CSV file",
    }
)

# Signatures used only to tell the user what a refused file is.
_KNOWN_SIGNATURES: list[tuple[bytes, str]] = [
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"MZ", "a Windows program"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an older Microsoft Office file (DOC, XLS or PPT)"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"ID3", "an MP3 audio file"),
    (b"OggS", "an Ogg audio or video file"),
    (b"{\\rtf", "a Rich Text (RTF) document"),
]


@dataclass(frozen=True)
class InspectedFile:
    """What the content of an accepted upload turned out to be."""

    is_image: bool
    content_type: str
    extension: str
    label: str

    @property
    def label_with_article(self) -> str:
        """The label as a sentence uses it: "a PDF document", "an Excel workbook"."""
        return f"{'an' if self.label[:1].lower() in 'aeiou' else 'a'} {self.label}"


@dataclass(frozen=True)
class ProcessedImage:
    """A re-encoded image, free of metadata, and its thumbnail (always WebP)."""

    content: bytes
    thumbnail: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _check_pixel_count(pixels: int) -> None:
    """Refuse an image whose decoded pixels would exceed the configured ceiling."""
    limit = settings.MAX_IMAGE_PIXELS
    if pixels > limit:
        raise _too_many_pixels()


def _too_many_pixels() -> ValidationError:
    return _refuse(
        _("This image has too many pixels to process safely; the limit is %(limit)s megapixels.")
        % {"limit": f"{settings.MAX_IMAGE_PIXELS / 1_000_000:g}"},
        "too_many_pixels",
    )


def _describe_unknown(head: bytes) -> str:
    for signature, description in _KNOWN_SIGNATURES:
        if head.startswith(signature):
            return description
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "an HEIC image" if brand in {b"heic", b"heix", b"mif1"} else "a video or audio file"
    return "in a format we do not recognise"


# Markup may open with a BOM, an XML declaration, comments, a doctype or processing
# instructions before its first element; an SVG or HTML file that starts with a comment is
# still SVG or HTML to a browser, so the checks look past all of them.
_MARKUP_PROLOGUE = re.compile(
    rb"\A(?:\xef\xbb\xbf|\s+|<\?.*?\?>|<!--.*?-->|<!doctype[^>]*>)*", re.DOTALL | re.IGNORECASE
)
_HTML_ELEMENTS = (b"<html", b"<script", b"<head", b"<body", b"<iframe", b"<meta", b"<object")


def _split_prologue(head: bytes) -> tuple[bytes, bytes]:
    """The markup prologue and what follows it, both lower-cased."""
    text = head[:8192]
    match = _MARKUP_PROLOGUE.match(text)
    end = match.end() if match else 0
    return text[:end].lower(), text[end:].lower()


def _looks_like_svg(head: bytes) -> bool:
    prologue, rest = _split_prologue(head)
    return rest.startswith(b"<svg") or b"<!doctype svg" in prologue


def _looks_like_html(head: bytes) -> bool:
    prologue, rest = _split_prologue(head)
    return rest.startswith(_HTML_ELEMENTS) or b"<!doctype html" in prologue


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def format_size_limit(limit: int) -> str:
    """A size limit as people write it: "20 MB", not filesizeformat's "20.0 MB"."""
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if limit >= size and limit % size == 0:
            return f"{limit // size}\N{NO-BREAK SPACE}{unit}"
    return filesizeformat(limit)


class FileTooLarge(Exception):
    """A file over its size limit; `size` is its declared size, or None if it was found
    larger only by reading (a declared size can be wrong)."""

    def __init__(self, size: int | None) -> None:
        super().__init__(size)
        self.size = size


def read_within_limit(file: File[bytes], *, limit: int) -> bytes:
    """The file's bytes from its start, never reading more than limit + 1 of them.

    Raises FileTooLarge for a file over `limit` bytes: by its declared size before reading
    anything, or by what was read. Each caller words the refusal its own way.
    """
    # An upload may not know its size (UploadedFile.size can be None); then only reading tells.
    size: int | None = file.size
    if size is not None and size > limit:
        raise FileTooLarge(size)
    file.seek(0)
    data: bytes = file.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(None)
    return data


def read_upload(upload: UploadedFile[bytes]) -> bytes:
    """The upload's bytes, refusing anything over the configured size before reading it."""
    limit = settings.MAX_UPLOAD_BYTES
    try:
        data = read_within_limit(upload, limit=limit)
    except FileTooLarge as too_large:
        if too_large.size is not None:
            raise _refuse(
                _("This file is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(too_large.size), "limit": format_size_limit(limit)},
                "too_large",
            ) from None
        raise _refuse(
            _("This file is larger than the limit of %(limit)s.")
            % {"limit": format_size_limit(limit)},
            "too_large",
        ) from None
    if not data:
        raise _refuse(_("This file is empty."), "empty")
    return data


def _inspect_zip(data: bytes) -> InspectedFile | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise _refuse(
                _(
                    "This Office file contains macros, which can run code. Save it without macros (DOCX, XLSX or PPTX) or as a PDF."
                ),
                "macros",
            )
        if "[Content_Types].xml" in names:
            for marker, (content_type, extension, label) in _OFFICE_MARKERS.items():
                if marker in names:
                    return InspectedFile(False, content_type, extension, label)
        if "mimetype" in names:
            # OpenDocument keeps its type, uncompressed, in a member named "mimetype". Read a
            # few bytes only: a crafted archive can make that member inflate to gigabytes.
            with archive.open("mimetype") as member:
                mimetype = member.read(128).strip()
            if mimetype in _OPENDOCUMENT_TYPES:
                extension, label = _OPENDOCUMENT_TYPES[mimetype]
                return InspectedFile(False, mimetype.decode(), extension, label)
    # Encrypted (RuntimeError), oddly compressed (NotImplementedError) or corrupt members
    # (zlib.error, EOFError) are as unreadable to us as a broken archive.
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError):
        raise _refuse(
            _("This file is a damaged or incomplete ZIP-based document."), "damaged"
        ) from None
    return None


def inspect_upload(data: bytes, *, original_name: str = "") -> InspectedFile:
    """Decide what the bytes are; raise ValidationError with a message for the user if refused.

    The original name is consulted only to pick between text flavours (.md, .csv, .txt) once
    the content is known to be plain UTF-8 text: it never makes a file acceptable.
    """
    head = data[:8192]
    allowed = _("Allowed: %(files)s, or images as %(images)s.") % {
        "files": ALLOWED_FILES_TEXT,
        "images": ALLOWED_IMAGES_TEXT,
    }
    if _looks_like_svg(head):
        raise _refuse(
            _(
                "SVG images are not accepted because they can contain scripts. Upload a %(images)s image instead."
            )
            % {"images": ALLOWED_IMAGES_TEXT},
            "svg",
        )
    image_format = _image_format(data)
    if image_format is not None:
        content_type, extension, label = IMAGE_FORMATS[image_format]
        return InspectedFile(True, content_type, extension, label)
    if head.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise _refuse(
                _("This PDF is damaged or incomplete (it has no end-of-file marker)."), "damaged"
            )
        return InspectedFile(False, "application/pdf", "pdf", "PDF document")
    if head.startswith(b"PK\x03\x04"):
        office = _inspect_zip(data)
        if office is not None:
            return office
    if _looks_like_html(head):
        raise _refuse(
            _("%(allowed)s This file is an HTML document.") % {"allowed": allowed}, "html"
        )
    if _is_text(data):
        suffix = original_name.rsplit(".", 1)[-1].lower() if "." in original_name else "txt"
        extension = suffix if suffix in _TEXT_TYPES else "txt"
        return InspectedFile(False, _TEXT_TYPES[extension], extension, "text document")
    raise _refuse(
        _("%(allowed)s This file is %(what)s.")
        % {"allowed": allowed, "what": _describe_unknown(head)},
        "unsupported",
    )


def _has_image_signature(head: bytes) -> bool:
    return head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    )


def _image_format(data: bytes) -> str | None:
    """The Pillow format of an accepted image type, or None if the bytes are not one.

    Bytes that start like one of our image types but cannot be opened are refused as damaged
    rather than passed on to the other checks.
    """
    damaged = _refuse(_("This image is damaged or incomplete and cannot be read."), "damaged")
    try:
        with warnings.catch_warnings():
            # Opening reads only the header; the pixel ceiling is checked in process_image.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                fmt = _FORMAT_ALIASES.get(image.format or "", image.format)
                if fmt in IMAGE_FORMATS:
                    # The size comes from the header, so a bomb is refused here, at inspection,
                    # before anything decodes it.
                    _check_pixel_count(image.width * image.height)
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        if _has_image_signature(data[:16]):
            raise damaged from None
        return None
    except (OSError, SyntaxError, ValueError, EOFError):
        if _has_image_signature(data[:16]):
            raise damaged from None
        return None
    return fmt if fmt in IMAGE_FORMATS else None


_DECODING = threading.Lock()


@contextmanager
def _strict_decoding() -> Iterator[None]:
    """Decode with Pillow's truncated-image tolerance off, whatever the process set.

    WeasyPrint (the tests render PDFs with it) sets ImageFile.LOAD_TRUNCATED_IMAGES for the
    whole process when it is imported, after which Pillow silently pads a truncated upload
    with grey. The flag is process-global, so our decodes take turns under a lock; a
    WeasyPrint render that overlaps one merely refuses a truncated image of its own.
    """
    with _DECODING:
        tolerant = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = tolerant


def process_image(data: bytes) -> ProcessedImage:
    """Decode, check and re-encode an image, and make its thumbnail.

    Raises ValidationError for images with too many pixels (checked from the header, before
    any decoding, so a decompression bomb costs nothing) and for damaged or truncated files.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            _check_pixel_count(width * height)
            fmt = _FORMAT_ALIASES.get(image.format or "", image.format)
            if fmt not in IMAGE_FORMATS:
                raise _refuse(
                    _("Upload a %(images)s image.") % {"images": ALLOWED_IMAGES_TEXT},
                    "unsupported_image",
                )
            frame_count = getattr(image, "n_frames", 1) if fmt == "GIF" else 1
            # Every frame of an animated GIF is decoded and kept, so the ceiling covers them
            # all: a thousand small frames cost as much memory as one huge image.
            _check_pixel_count(width * height * frame_count)
            with _strict_decoding():
                image.load()
                frames = _load_frames(image) if frame_count > 1 else None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise _refuse(
            _("This image is damaged or incomplete and cannot be read."), "damaged"
        ) from None

    content_type, extension, _label = IMAGE_FORMATS[fmt]
    if frames is not None:
        content = _encode_animated_gif(frames, image)
        still = frames[0]
    else:
        # Apply the EXIF orientation to the pixels before the EXIF block is dropped, and the
        # colour profile before the profile is.
        still = _to_srgb(ImageOps.exif_transpose(image))
        content = _encode(still, fmt)
    return ProcessedImage(
        content=content,
        thumbnail=_thumbnail(still),
        content_type=content_type,
        extension=extension,
        width=still.width,
        height=still.height,
    )


def _load_frames(image: Image.Image) -> list[Image.Image]:
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(image.copy())
    return frames


def _to_srgb(image: Image.Image) -> Image.Image:
    """The image's pixels in sRGB, without its embedded colour profile.

    A profile that cannot be read or does not fit the pixels is dropped and the pixels are
    taken as they are, which is how a browser would show them without one.
    """
    icc = image.info.pop("icc_profile", None)
    if not icc:
        return image
    has_alpha = image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
    if image.mode in {"P", "PA"}:
        image = image.convert("RGBA" if has_alpha else "RGB")
    output_mode = "RGBA" if has_alpha else "RGB"
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    if converted is None:  # only with inPlace=True, which we do not ask for
        return image
    # Transparency now lives in the alpha channel; the rest (animation details) carries over.
    converted.info = {
        key: value for key, value in image.info.items() if key not in {"transparency"}
    }
    return converted


def _strip_metadata(image: Image.Image) -> Image.Image:
    # Pillow writes some info entries back out on save (a GIF's comment, for one), so only
    # colour and animation details survive; the image passed in is always our own copy.
    image.info = {key: value for key, value in image.info.items() if key in _KEPT_INFO}
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    image = _strip_metadata(image)
    buffer = io.BytesIO()
    # No exif= and no icc_profile= argument, and no info passthrough: the new file carries
    # pixels (already converted to sRGB) only.
    if fmt == "JPEG":
        if image.mode not in {"RGB", "L"}:
            image = image.convert("RGB")
        image.save(buffer, format="JPEG", quality=90, optimize=True)
    elif fmt == "WEBP":
        image.save(buffer, format="WEBP", quality=90)
    elif fmt == "GIF":
        image.save(buffer, format="GIF")
    else:
        image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _encode_animated_gif(frames: list[Image.Image], original: Image.Image) -> bytes:
    frames = [_strip_metadata(frame) for frame in frames]
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        loop=original.info.get("loop", 0),
        duration=original.info.get("duration", 100),
    )
    return buffer.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_BOX)
    if thumb.mode not in {"RGB", "RGBA"}:
        thumb = thumb.convert(
            "RGBA" if "transparency" in thumb.info or thumb.mode in {"LA", "PA"} else "RGB"
        )
    buffer = io.BytesIO()
    thumb.save(buffer, format="WEBP", quality=82)
    return buffer.getvalue()
