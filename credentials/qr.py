"""QR codes that point at the site's own pages (credential pages, transcripts, certificates).

A printed credential is only checkable if a phone can get from the paper back to the live page,
so every printable surface carries one of these next to the URL written out in full.
"""

import base64
import io

import segno
from django.utils.safestring import SafeString, mark_safe

# Medium error correction survives a crease or a smudge on paper while keeping the modules large
# enough to scan at the 2 to 3 cm the layouts print them.
ERROR_CORRECTION = "m"


def make_qr_svg(url: str, *, title: str = "") -> SafeString:
    """Inline SVG markup for a QR code of `url`, safe to place in a template as is.

    segno escapes the title and writes only paths, so the result carries nothing of the caller's
    but the encoded URL and that escaped title.
    """
    qr = segno.make(url, error=ERROR_CORRECTION, micro=False)
    buffer = io.BytesIO()
    qr.save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        omitsize=True,  # sized by CSS, so one code fits a phone screen and a printed page
        title=title or None,
        svgclass="qr-code",
        lineclass=None,
    )
    return mark_safe(buffer.getvalue().decode("utf-8"))  # noqa: S308 — segno's own output


def make_qr_png(url: str, *, scale: int = 8) -> bytes:
    """PNG bytes of a QR code of `url`, for places that take an image rather than markup."""
    qr = segno.make(url, error=ERROR_CORRECTION, micro=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def make_qr_data_uri(url: str, *, scale: int = 8) -> str:
    """A data: URI of the PNG of `url`'s QR code, for a document with many codes.

    WeasyPrint draws an SVG path point by point in Python when it writes the PDF, which makes
    a page of codes slow to write; a PNG is embedded as it is. Shown with
    `image-rendering: pixelated`, its modules print as sharp as the SVG's.
    """
    encoded = base64.b64encode(make_qr_png(url, scale=scale)).decode("ascii")
    return f"data:image/png;base64,{encoded}"
