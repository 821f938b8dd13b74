"""Streaming private stored files (evidence and its frozen copies) with safe headers.

Every view that hands out a stored upload goes through serve_file/serve_thumbnail, so the
headers that keep a hostile file harmless cannot drift apart between the apps.
"""

from __future__ import annotations

from django.http import FileResponse, Http404

from portfolio.storage import private_storage
from portfolio.uploads import IMAGE_FORMATS, STORED_FILE_LABELS

IMAGE_TYPES = frozenset(content_type for content_type, _ext, _label in IMAGE_FORMATS.values())
PDF_TYPE = "application/pdf"
# A stored file opened directly must never run script or load anything, whatever it holds.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
# Chrome and Safari refuse to show any PDF under "sandbox" (no sandbox token brings it back);
# their PDF viewers run a document's scripts isolated from our origin, so PDFs go without it.
PDF_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'"
# Stored extensions that the uploader's own name may spell differently.
EXTENSION_SPELLINGS = {"jpg": {"jpg", "jpeg"}, "md": {"md", "markdown"}}


def get_stored_extension(stored_name: str | None) -> str:
    # Stored names end in the extension inspect_upload chose for the content.
    return (stored_name or "").rpartition(".")[2].lower() or "bin"


def describe_stored_file(stored_name: str | None) -> str:
    """What a stored file is, as pages name it: "PDF document", "Excel workbook"."""
    return STORED_FILE_LABELS.get(get_stored_extension(stored_name), "File")


def build_download_name(*, stored_name: str | None, original_filename: str) -> str:
    """The uploader's file name, with the extension of what the file really is.

    A text file uploaded as "page.html" is stored as plain text; saved under its own name it
    would open as a web page from the learner's disk, so its extension is corrected.
    """
    extension = get_stored_extension(stored_name)
    name = original_filename or f"evidence.{extension}"
    stem, dot, suffix = name.rpartition(".")
    if dot and suffix.lower() in EXTENSION_SPELLINGS.get(extension, {extension}):
        return name
    return f"{stem if dot else name}.{extension}"


def is_shown_inline(content_type: str) -> bool:
    return content_type in IMAGE_TYPES or content_type == PDF_TYPE


def serve_file(
    *, stored_name: str | None, content_type: str, original_filename: str
) -> FileResponse:
    """The stored file: images and PDFs inline, everything else as a download."""
    content_type = content_type or "application/octet-stream"
    return _stream(
        stored_name,
        content_type=content_type,
        filename=build_download_name(stored_name=stored_name, original_filename=original_filename),
        inline=is_shown_inline(content_type),
    )


def serve_thumbnail(
    *, thumbnail_name: str | None, stored_name: str | None, original_filename: str
) -> FileResponse:
    """A stored thumbnail (process_image always makes WebP)."""
    if not thumbnail_name:
        raise Http404("No thumbnail.")
    stem = build_download_name(
        stored_name=stored_name, original_filename=original_filename
    ).rpartition(".")[0]
    return _stream(
        thumbnail_name,
        content_type="image/webp",
        filename=f"{stem or 'evidence'}-thumbnail.webp",
        inline=True,
    )


def _stream(name: str | None, *, content_type: str, filename: str, inline: bool) -> FileResponse:
    if not name:
        raise Http404("No such file.")
    try:
        handle = private_storage().open(name, "rb")
    except FileNotFoundError:
        raise Http404("No such file.") from None
    if content_type.startswith("text/"):
        # inspect_upload accepts text only when it is valid UTF-8.
        content_type += "; charset=utf-8"
    response = FileResponse(
        handle, content_type=content_type, as_attachment=not inline, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    response["Content-Security-Policy"] = PDF_POLICY if content_type == PDF_TYPE else FILE_POLICY
    # Other sites may not embed private evidence, even with the visitor's cookies.
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
