"""Baking and unbaking badge images (credentials.vc.baking), checked with independent readers.

Pillow and pypng (the PNG library of Concentric Sky's openbadges-bakery) read what we bake,
openbadges-bakery itself unbakes our Open Badges 2.0 PNGs and bakes PNGs we unbake, and
ElementTree reads our SVGs. Malformed input of every kind gets a BakingError, never
anything else.
"""

import io
import json
import struct
import zlib
from xml.etree import ElementTree

import openbadges_bakery
import png
import pytest
from PIL import Image, PngImagePlugin

from credentials.vc import baking
from credentials.vc.baking import (
    BakingError,
    NotBakedError,
    bake_png,
    bake_svg,
    unbake_png,
    unbake_svg,
)
from tests.factories import png_bytes

# Like a stored credential (credentials.vc.open_badges.serialize_document): indented, non-ASCII
# text, a final newline, and `]]>`, which must not end an SVG's CDATA section early.
CREDENTIAL = (
    json.dumps(
        {
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": "Données ]]> et récits",
            "credentialSubject": {"id": "did:example:ḁ"},
        },
        ensure_ascii=False,
        indent=2,
    )
    + "\n"
)
OB3_NS = "https://purl.imsglobal.org/ob/v3p0"
SVG_NS = "http://www.w3.org/2000/svg"


@pytest.fixture
def badge():
    return png_bytes((256, 256))


def chunk_types(data):
    return [bytes(kind) for kind, _content in png.Reader(bytes=data).chunks()]


def text_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def with_chunk_before_iend(image, chunk):
    return image[:-12] + chunk + image[-12:]


# --- PNG -----------------------------------------------------------------------------------


def test_a_baked_png_reads_back_with_pillow_and_still_decodes(badge):
    baked = bake_png(badge, CREDENTIAL)

    with Image.open(io.BytesIO(baked)) as image:
        image.load()
        assert image.text == {"openbadgecredential": CREDENTIAL}
        assert image.info["openbadgecredential"] == CREDENTIAL
        assert (image.size, image.getpixel((10, 10))) == ((256, 256), (31, 78, 121))


def test_pypng_reads_every_chunk_and_every_pixel_of_a_baked_png(badge):
    baked = bake_png(badge, CREDENTIAL)

    # pypng checks each chunk's CRC as it reads it.
    chunks = list(png.Reader(bytes=baked).chunks())
    itxt = [bytes(content) for kind, content in chunks if kind == b"iTXt"]
    assert itxt == [b"openbadgecredential\0\0\0\0\0" + CREDENTIAL.encode()]
    # Just before IEND, everything else as it was.
    assert [kind for kind, _ in chunks] == [*chunk_types(badge)[:-1], b"iTXt", b"IEND"]
    width, height, rows, _info = png.Reader(bytes=baked).read()
    assert (width, height, len(list(rows))) == (256, 256, 256)


def test_baking_changes_no_other_byte(badge):
    baked = bake_png(badge, CREDENTIAL)

    chunk = baked[len(badge) - 12 : -12]
    assert baked == badge[:-12] + chunk + badge[-12:]
    assert unbake_png(baked) == CREDENTIAL


def test_baking_again_replaces_the_credential_rather_than_adding_one(badge):
    twice = bake_png(bake_png(badge, "first"), CREDENTIAL)

    assert chunk_types(twice).count(b"iTXt") == 1
    assert unbake_png(twice) == CREDENTIAL
    with Image.open(io.BytesIO(twice)) as image:
        assert image.text == {"openbadgecredential": CREDENTIAL}


def test_a_text_chunk_of_the_same_keyword_is_replaced_and_others_are_kept(badge):
    info = PngImagePlugin.PngInfo()
    info.add_text("openbadgecredential", "stale")
    info.add_text("Author", "kept")
    buffer = io.BytesIO()
    Image.open(io.BytesIO(badge)).save(buffer, format="PNG", pnginfo=info)

    baked = bake_png(buffer.getvalue(), CREDENTIAL)

    with Image.open(io.BytesIO(baked)) as image:
        assert image.text == {"Author": "kept", "openbadgecredential": CREDENTIAL}


def test_the_open_badges_2_keyword_is_what_openbadges_bakery_unbakes(badge):
    url = "https://badges.example.org/ob2/assertions/1"

    baked = bake_png(badge, url, keyword=baking.OB2_PNG_KEYWORD)

    assert openbadges_bakery.unbake(io.BytesIO(baked)) == url
    # And it is a separate chunk from the Open Badges 3.0 credential: both can be there.
    both = bake_png(baked, CREDENTIAL)
    assert openbadges_bakery.unbake(io.BytesIO(both)) == url
    assert unbake_png(both) == CREDENTIAL
    assert unbake_png(both, keyword="openbadges") == url


def test_a_png_baked_by_openbadges_bakery_unbakes_here(badge):
    baked = openbadges_bakery.bake(io.BytesIO(badge), CREDENTIAL).read()

    assert unbake_png(baked, keyword="openbadges") == CREDENTIAL
    with pytest.raises(NotBakedError, match="carries no “openbadgecredential” text"):
        unbake_png(baked)


def test_a_compressed_itxt_chunk_is_read_too(badge):
    info = PngImagePlugin.PngInfo()
    info.add_itxt("openbadgecredential", CREDENTIAL, zip=True)
    buffer = io.BytesIO()
    Image.open(io.BytesIO(badge)).save(buffer, format="PNG", pnginfo=info)

    assert unbake_png(buffer.getvalue()) == CREDENTIAL


def test_an_unbaked_png_says_so(badge):
    with pytest.raises(NotBakedError, match="it is not baked"):
        unbake_png(badge)


def test_two_credentials_in_one_png_are_refused(badge):
    one = text_chunk(b"iTXt", b"openbadgecredential\0\0\0\0\0one")
    two = text_chunk(b"iTXt", b"openbadgecredential\0\0\0\0\0two")

    with pytest.raises(BakingError, match="carries 2 “openbadgecredential” texts"):
        unbake_png(with_chunk_before_iend(badge, one + two))


def test_png_size_reads_the_header_only(badge):
    assert baking.png_size(png_bytes((300, 200))) == (300, 200)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: b"", "The file is empty."),
        (lambda data: b"GIF89a" + data[6:], "This is not a PNG image"),
        (lambda data: data[:8], "ends before its IEND chunk"),
        (lambda data: data[: len(data) // 2], "is cut short"),
        (lambda data: data[:-12], "ends before its IEND chunk"),
        (lambda data: data[:-1], "its IEND chunk is cut short"),
        # A flipped bit in the pixel data: the IDAT chunk's CRC no longer matches.
        (lambda data: data[:60] + bytes([data[60] ^ 1]) + data[61:], "CRC of its IDAT chunk"),
        # A chunk claiming more than the file holds, and more than PNG allows.
        (lambda data: data[:33] + b"\x7f\xff\xff\xf0" + data[37:], "is cut short"),
        (lambda data: data[:33] + b"\xff\xff\xff\xff" + data[37:], "a chunk claims 4294967295"),
        (lambda data: data[:37] + b"ID\x00T" + data[41:], "a chunk has an invalid type"),
        # The first chunk must be IHDR.
        (lambda data: data[:8] + data[33:], "its first chunk is not IHDR"),
    ],
)
def test_a_damaged_png_is_refused_with_a_reason(badge, damage, message):
    damaged = damage(badge)
    for read in (unbake_png, lambda data: bake_png(data, CREDENTIAL), baking.png_size):
        with pytest.raises(BakingError) as caught:
            read(damaged)
        assert message in str(caught.value)
        assert not isinstance(caught.value, NotBakedError)


def test_a_huge_input_is_refused_before_it_is_read(badge, monkeypatch):
    monkeypatch.setattr(baking, "MAX_IMAGE_BYTES", len(badge) - 1)
    with pytest.raises(BakingError, match=f"The image is {len(badge)} bytes"):
        unbake_png(badge)
    with pytest.raises(BakingError, match=f"The image is {len(badge)} bytes"):
        unbake_svg(b" " * len(badge))
    monkeypatch.setattr(baking, "MAX_IMAGE_BYTES", len(badge))
    with pytest.raises(NotBakedError):
        unbake_png(badge)


def test_a_compression_bomb_is_not_inflated(badge):
    bomb = zlib.compress(b"{" * (baking.MAX_TEXT_BYTES + 1), 9)
    chunk = text_chunk(b"iTXt", b"openbadgecredential\0\1\0\0\0" + bomb)

    with pytest.raises(BakingError, match="compressed text is over"):
        unbake_png(with_chunk_before_iend(badge, chunk))


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"openbadgecredential\0\1\0\0\0not deflate", "compressed text cannot be read"),
        (b"openbadgecredential\0\1\0\0\0" + zlib.compress(b"{}")[:-3], "is cut short"),
        (b"openbadgecredential\0\2\0\0\0{}", "unknown compression method"),
        (b"openbadgecredential\0\0\0\0\0\xff\xfe", "not valid UTF-8"),
        (b"openbadgecredential\0\0\0no-terminators", "credential chunk is damaged"),
        (b"openbadgecredential\0", "credential chunk is damaged"),
    ],
)
def test_a_damaged_credential_chunk_is_refused_with_a_reason(badge, payload, message):
    with pytest.raises(BakingError, match=message):
        unbake_png(with_chunk_before_iend(badge, text_chunk(b"iTXt", payload)))


@pytest.mark.parametrize("keyword", ["", "x" * 80, "tab\there", "clé"])
def test_an_invalid_keyword_is_refused(badge, keyword):
    with pytest.raises(BakingError, match="1 to 79 printable ASCII"):
        bake_png(badge, CREDENTIAL, keyword=keyword)


def test_text_that_is_not_unicode_is_refused(badge):
    with pytest.raises(BakingError, match="not valid Unicode"):
        bake_png(badge, "lone \ud800 surrogate")


# --- SVG -----------------------------------------------------------------------------------


def svg_wrapper(badge):
    return baking.svg_wrapping_png(badge, width=256, height=256, title="Data & <Stories>")


def test_a_baked_svg_reads_back_with_an_xml_parser(badge):
    baked = bake_svg(svg_wrapper(badge), CREDENTIAL)

    root = ElementTree.fromstring(baked)  # noqa: S314  # our own output
    assert root.tag == f"{{{SVG_NS}}}svg"
    credentials = root.findall(f"{{{OB3_NS}}}credential")
    assert [element.text for element in credentials] == [CREDENTIAL]
    # The first thing inside the svg element, its prefix declared on the root as the spec shows.
    assert root[0] is credentials[0]
    assert b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink' in baked
    assert f'xmlns:openbadges="{OB3_NS}"><openbadges:credential><![CDATA['.encode() in baked
    # The `]]>` in the credential did not end its section.
    assert b"]]]]><![CDATA[>" in baked
    # The picture is still there.
    assert root.find(f"{{{SVG_NS}}}title").text == "Data & <Stories>"
    assert root.find(f"{{{SVG_NS}}}image").get("href").startswith("data:image/png;base64,iVBOR")
    assert unbake_svg(baked) == CREDENTIAL


def test_svg_carriage_returns_read_back_byte_for_byte():
    text = "line one\r\nline two\r"

    baked = bake_svg(f'<svg xmlns="{SVG_NS}"/>', text)

    assert unbake_svg(baked) == text
    assert ElementTree.fromstring(baked)[0].text == text  # noqa: S314


def test_baking_an_svg_again_replaces_its_credential(badge):
    once = bake_svg(svg_wrapper(badge), "first")

    twice = bake_svg(once, CREDENTIAL)

    assert twice.count(b"<openbadges:credential") == 1
    assert unbake_svg(twice) == CREDENTIAL
    assert twice.count(b"xmlns:openbadges") == 1


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # An empty root is opened up, under its own name.
        (f'<svg xmlns="{SVG_NS}"/>', f'<svg xmlns="{SVG_NS}" xmlns:openbadges="{OB3_NS}">'),
        (
            f'<s:svg xmlns:s="{SVG_NS}" data-x="a>b"/>',
            f'<s:svg xmlns:s="{SVG_NS}" data-x="a>b" xmlns:openbadges="{OB3_NS}">',
        ),
        # A root binding the prefix to Open Badges 2.0's namespace keeps it; the element
        # declares its own.
        (
            f'<svg xmlns="{SVG_NS}" xmlns:openbadges="http://openbadges.org"><g/></svg>',
            f'<svg xmlns="{SVG_NS}" xmlns:openbadges="http://openbadges.org">'
            f'<openbadges:credential xmlns:openbadges="{OB3_NS}">',
        ),
        # An empty credential element under another prefix is replaced.
        (
            f'<svg xmlns="{SVG_NS}" xmlns:o="{OB3_NS}"><g/><o:credential/></svg>',
            f'<svg xmlns="{SVG_NS}" xmlns:o="{OB3_NS}" xmlns:openbadges="{OB3_NS}">',
        ),
    ],
)
def test_svgs_of_other_shapes_bake(source, expected):
    baked = bake_svg(source, CREDENTIAL)

    assert baked.decode().replace("  ", " ").startswith(expected)
    assert unbake_svg(baked) == CREDENTIAL
    root = ElementTree.fromstring(baked)  # noqa: S314
    assert [e.text for e in root.iter(f"{{{OB3_NS}}}credential")] == [CREDENTIAL]


def test_an_svg_baked_elsewhere_with_whitespace_reads_as_its_json():
    # As the Open Badges 3.0 specification shows it.
    credential = json.dumps({"name": "Data storytelling"}, indent=2)
    svg = (
        f'<svg xmlns="{SVG_NS}" xmlns:openbadges="{OB3_NS}">\n'
        f"  <openbadges:credential>\n    <![CDATA[{credential}]]>\n  </openbadges:credential>\n"
        "</svg>"
    )

    assert json.loads(unbake_svg(svg)) == {"name": "Data storytelling"}


def test_an_unbaked_svg_says_so():
    with pytest.raises(NotBakedError, match="carries no openbadges:credential"):
        unbake_svg(f'<svg xmlns="{SVG_NS}"><circle r="1"/></svg>')


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (b"", "The file is empty."),
        (b"   \n", "The file is empty."),
        (b"<svg", "not a well-formed SVG document (unclosed token, line 1)"),
        (b"\x89PNG\r\n\x1a\n", "not a well-formed SVG document"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><g></svg>', "mismatched tag"),
        (b"<html><body/></html>", "its root is not an svg element"),
        # An svg element outside the SVG namespace is not an SVG document.
        (b"<svg><g/></svg>", "its root is not an svg element"),
        (
            b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg">&b;</svg>',
            "with a DOCTYPE or entities are not read",
        ),
        (
            b'<!DOCTYPE svg SYSTEM "file:///etc/passwd"><svg xmlns="http://www.w3.org/2000/svg"/>',
            "with a DOCTYPE or entities are not read",
        ),
        (
            f'<svg xmlns="{SVG_NS}" xmlns:o="{OB3_NS}"><o:credential>a</o:credential>'
            f"<o:credential>b</o:credential></svg>".encode(),
            "carries 2 openbadges:credential elements",
        ),
        (b"\xff\xfe<\x00s\x00", "not a well-formed SVG document"),
    ],
)
def test_a_malformed_svg_is_refused_with_a_reason(svg, message):
    with pytest.raises(BakingError) as caught:
        unbake_svg(svg)
    assert message in str(caught.value)
    assert not isinstance(caught.value, NotBakedError)


def test_an_svg_credential_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(baking, "MAX_TEXT_BYTES", 10)
    svg = f'<svg xmlns="{SVG_NS}" xmlns:o="{OB3_NS}"><o:credential>{"x" * 11}</o:credential></svg>'
    with pytest.raises(BakingError, match="credential is over 10 characters"):
        unbake_svg(svg)
    assert unbake_svg(svg.replace("x" * 11, "x" * 10)) == "x" * 10


@pytest.mark.parametrize("text", ["bell \x07", "not a character \ufffe"])
def test_text_xml_cannot_hold_is_refused_rather_than_baked_broken(text):
    with pytest.raises(BakingError, match="characters an XML document cannot hold"):
        bake_svg(f'<svg xmlns="{SVG_NS}"/>', text)


def test_an_svg_in_another_encoding_is_not_baked():
    svg = f'<?xml version="1.0" encoding="UTF-16"?><svg xmlns="{SVG_NS}"/>'
    with pytest.raises(BakingError, match="Only SVG documents encoded as UTF-8"):
        bake_svg(svg, CREDENTIAL)
    declared = f'<?xml version="1.0" encoding="utf-8"?><svg xmlns="{SVG_NS}"/>'
    assert unbake_svg(bake_svg(declared, CREDENTIAL)) == CREDENTIAL
