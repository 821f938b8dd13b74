"""Reading the PDFs the site makes, as a reader would: their text, and their QR codes scanned."""

import io
from typing import Any

import pypdfium2
import zxingcpp
from pypdf import PdfReader


def pdf_pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_text(pdf: bytes) -> str:
    # Words only: line breaks fall wherever the layout wrapped.
    return " ".join(" ".join(pdf_pages_text(pdf)).split())


def scanned_qr_codes(pdf: bytes) -> list[str]:
    """What a phone would read from every QR code on every page, in page order."""
    document = pypdfium2.PdfDocument(pdf)
    found = []
    for page in document:
        image = page.render(scale=3).to_pil()
        found += [result.text for result in zxingcpp.read_barcodes(image)]
    return found


def page_sizes(pdf: bytes) -> set[tuple[int, int]]:
    """Each page's width and height in points (A4 is 595 by 842, US Letter 612 by 792)."""
    return {
        (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
        for page in PdfReader(io.BytesIO(pdf)).pages
    }


def font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"].get_object()
        fonts = resources["/Font"].get_object() if "/Font" in resources else {}
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names
