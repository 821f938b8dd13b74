"""Baked badge images: a credential carried inside its badge's PNG or SVG (Open Badges baking).

Open Badges 3.0 (section 5.3) puts the signed credential, as issued, in a PNG's `iTXt` chunk
with the keyword `openbadgecredential`, or in an SVG's `openbadges:credential` element; Open
Badges 2.0 puts its assertion (here, the hosted assertion's URL) in an `iTXt` chunk with the
keyword `openbadges`.

PNGs are baked as bytes: the chunks are read, checked (length and CRC) and copied, the text
chunk goes in just before `IEND`, and no pixel is decoded or re-encoded, so baking costs a
scan of the file rather than a compression. The unbake functions read images that anyone
may upload (the verification page), so every malformed, truncated, oversized or hostile
input raises a `BakingError` saying what is wrong, never anything else.
"""

from __future__ import annotations

import base64
import re
import struct
import zlib
from dataclasses import dataclass, field
from xml.parsers import expat

# Open Badges 3.0's keyword and namespace; 2.0's keyword (its SVG form is not made here).
OB3_PNG_KEYWORD = "openbadgecredential"
OB2_PNG_KEYWORD = "openbadges"
OB3_SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A badge image is at most 2 MB when uploaded (credentials.validators); what the verification
# page accepts is its own, smaller limit. This one only stops a runaway input.
MAX_IMAGE_BYTES = 16 * 1024 * 1024
# A signed credential is a few kilobytes; a compressed iTXt chunk may not inflate past this.
MAX_TEXT_BYTES = 4 * 1024 * 1024
# PNG's own limit on a chunk's length (2^31 - 1).
_MAX_CHUNK_LENGTH = 0x7FFFFFFF
_CHUNK_TYPE = re.compile(rb"[A-Za-z]{4}")


class BakingError(ValueError):
    """An image that cannot be baked or unbaked; the message says why, for the person who sent it."""


class NotBakedError(BakingError):
    """A well-formed image that carries no credential."""


@dataclass(frozen=True)
class _Chunk:
    type: bytes
    # Offsets into the image: the chunk from its length field to the end of its CRC, and its data.
    start: int
    end: int
    data_start: int
    data_end: int


def _check_size(data: bytes) -> None:
    if len(data) > MAX_IMAGE_BYTES:
        raise BakingError(
            f"The image is {len(data)} bytes; images of more than {MAX_IMAGE_BYTES} bytes "
            "are not read."
        )


def _png_chunks(data: bytes | memoryview) -> list[_Chunk]:
    """Every chunk of a PNG up to and including IEND, each one's length and CRC checked."""
    if len(data) == 0:
        raise BakingError("The file is empty.")
    if bytes(data[:8]) != PNG_SIGNATURE:
        raise BakingError("This is not a PNG image (it does not start with the PNG signature).")
    view = memoryview(data)
    chunks: list[_Chunk] = []
    offset = 8
    while True:
        if offset + 8 > len(view):
            raise BakingError("The PNG image is truncated: it ends before its IEND chunk.")
        (length,) = struct.unpack_from(">I", view, offset)
        chunk_type = bytes(view[offset + 4 : offset + 8])
        if length > _MAX_CHUNK_LENGTH:
            raise BakingError(f"The PNG image is damaged: a chunk claims {length} bytes.")
        if not _CHUNK_TYPE.fullmatch(chunk_type):
            raise BakingError("The PNG image is damaged: a chunk has an invalid type.")
        data_start = offset + 8
        data_end = data_start + length
        end = data_end + 4
        if end > len(view):
            raise BakingError(
                f"The PNG image is truncated: its {chunk_type.decode('ascii')} chunk is cut short."
            )
        (crc,) = struct.unpack_from(">I", view, data_end)
        if zlib.crc32(view[data_end - length - 4 : data_end]) != crc:
            raise BakingError(
                f"The PNG image is damaged: the CRC of its {chunk_type.decode('ascii')} chunk "
                "does not match."
            )
        if not chunks and chunk_type != b"IHDR":
            raise BakingError("The PNG image is damaged: its first chunk is not IHDR.")
        chunks.append(_Chunk(chunk_type, offset, end, data_start, data_end))
        offset = end
        # Whatever follows IEND is not part of the image; baking leaves it out.
        if chunk_type == b"IEND":
            return chunks


def png_size(image: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its IHDR chunk (after checking every chunk)."""
    _check_size(image)
    view = memoryview(image)
    header = _png_chunks(view)[0]
    if header.data_end - header.data_start != 13:
        raise BakingError("The PNG image is damaged: its IHDR chunk has the wrong length.")
    width, height = struct.unpack_from(">II", view, header.data_start)
    return width, height


def _text_keyword(view: memoryview, chunk: _Chunk) -> bytes:
    # tEXt, zTXt and iTXt all start with a keyword of 1 to 79 Latin-1 bytes and a NUL.
    head = bytes(view[chunk.data_start : min(chunk.data_end, chunk.data_start + 80)])
    return head.split(b"\0", 1)[0] if b"\0" in head else b""


def _itxt_chunk(keyword: str, text: str) -> bytes:
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BakingError("The text to bake is not valid Unicode.") from error
    # Keyword, NUL, compression flag 0 and method 0 (uncompressed, so any reader can find it),
    # an empty language tag and an empty translated keyword, each ended by NUL, then the text.
    data = keyword.encode("latin-1") + b"\0\0\0\0\0" + encoded
    if len(data) > _MAX_CHUNK_LENGTH:
        raise BakingError("The text to bake is too long for a PNG chunk.")
    body = b"iTXt" + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def bake_png(image: bytes, text: str, *, keyword: str = OB3_PNG_KEYWORD) -> bytes:
    """`image` with `text` in an iTXt chunk named `keyword`, replacing any chunk of that name.

    The other chunks are copied as they are, pixels untouched; the new chunk goes just before
    IEND. Raises BakingError for anything that is not a whole, undamaged PNG.
    """
    _check_size(image)
    if not 1 <= len(keyword) <= 79 or not keyword.isascii() or not keyword.isprintable():
        raise BakingError("A PNG text keyword is 1 to 79 printable ASCII characters.")
    view = memoryview(image)
    chunks = _png_chunks(view)
    name = keyword.encode("ascii")
    parts: list[bytes | memoryview] = [view[:8]]
    for chunk in chunks:
        if chunk.type in (b"iTXt", b"tEXt", b"zTXt") and _text_keyword(view, chunk) == name:
            continue
        if chunk.type == b"IEND":
            parts.append(_itxt_chunk(keyword, text))
        parts.append(view[chunk.start : chunk.end])
    return b"".join(parts)


def _read_text_chunk(view: memoryview, chunk: _Chunk) -> str:
    data = bytes(view[chunk.data_start : chunk.data_end])
    # Past the keyword and its NUL (checked by the caller).
    rest = data[data.index(b"\0") + 1 :]
    if chunk.type == b"tEXt":
        # Open Badges 1.x baked into tEXt, whose text is Latin-1.
        return rest.decode("latin-1")
    if chunk.type == b"zTXt":
        if rest[:1] != b"\0":
            raise BakingError("The PNG text chunk uses an unknown compression method.")
        return _inflate(rest[1:]).decode("latin-1")
    if len(rest) < 2:
        raise BakingError("The PNG image's credential chunk is damaged.")
    compressed, method = rest[0], rest[1]
    fields = rest[2:].split(b"\0", 2)
    if len(fields) != 3:
        raise BakingError("The PNG image's credential chunk is damaged.")
    payload = fields[2]
    if compressed not in (0, 1) or (compressed and method != 0):
        raise BakingError("The PNG text chunk uses an unknown compression method.")
    if compressed:
        payload = _inflate(payload)
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BakingError("The credential in the PNG image is not valid UTF-8 text.") from error


def _inflate(payload: bytes) -> bytes:
    # Bounded: a few bytes of deflate can claim gigabytes.
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(payload, MAX_TEXT_BYTES)
    except zlib.error as error:
        raise BakingError("The PNG image's compressed text cannot be read.") from error
    if inflater.unconsumed_tail:
        raise BakingError(
            f"The PNG image's compressed text is over {MAX_TEXT_BYTES} bytes; it is not read."
        )
    if not inflater.eof:
        raise BakingError("The PNG image's compressed text is cut short.")
    return text


def unbake_png(image: bytes, *, keyword: str = OB3_PNG_KEYWORD) -> str:
    """The text a PNG carries under `keyword` (iTXt; tEXt and zTXt as Open Badges 1.x used).

    Raises NotBakedError for a sound PNG without one, BakingError for a damaged or unreadable
    one, and for one that carries two (Open Badges allows exactly one).
    """
    _check_size(image)
    view = memoryview(image)
    name = keyword.encode("latin-1")
    found = [
        chunk
        for chunk in _png_chunks(view)
        if chunk.type in (b"iTXt", b"tEXt", b"zTXt") and _text_keyword(view, chunk) == name
    ]
    if not found:
        raise NotBakedError(f"This PNG image carries no “{keyword}” text: it is not baked.")
    if len(found) > 1:
        raise BakingError(
            f"This PNG image carries {len(found)} “{keyword}” texts; a baked badge has one."
        )
    return _read_text_chunk(view, found[0])


# Characters XML 1.0 allows in a document.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _cdata(text: str) -> str:
    if _NOT_XML_CHAR.search(text):
        raise BakingError("The text to bake has characters an XML document cannot hold.")
    # `]]>` would end the section early: split it across two sections. A carriage return
    # would be read back as a line feed (XML normalises line ends), so it goes in as a
    # character reference between sections, and the text reads back byte for byte.
    body = text.replace("]]>", "]]]]><![CDATA[>").replace("\r", "]]>&#13;<![CDATA[")
    return f"<![CDATA[{body}]]>"


@dataclass
class _SvgScan:
    root_start: int = -1
    # What the root binds the prefix `openbadges` to, if it does.
    root_openbadges_uri: str | None = None
    credential_spans: list[tuple[int, int]] = field(default_factory=list)
    credential_texts: list[str] = field(default_factory=list)


class _SvgReader:
    """Reads an SVG with expat, refusing DTDs and entities (so no entity expansion attacks)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.scan = _SvgScan()
        self._depth = 0
        self._in_credential = 0
        self._credential_start = -1
        self._text: list[str] = []
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartDoctypeDeclHandler = self._refuse_dtd
        parser.EntityDeclHandler = self._refuse_dtd
        parser.StartNamespaceDeclHandler = self._namespace
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters
        parser.buffer_text = True
        self._parser = parser

    def read(self) -> _SvgScan:
        try:
            self._parser.Parse(self.data, True)
        except expat.ExpatError as error:
            raise BakingError(
                f"This is not a well-formed SVG document ({expat.errors.messages[error.code]}, "
                f"line {error.lineno})."
            ) from None
        except RecursionError:
            raise BakingError("The SVG document is nested too deeply to read.") from None
        if self.scan.root_start < 0:
            raise BakingError("This is not an SVG document.")
        return self.scan

    def _refuse_dtd(self, *_args: object) -> None:
        raise BakingError("SVG documents with a DOCTYPE or entities are not read.")

    def _namespace(self, prefix: str | None, uri: str) -> None:
        # Declarations come before their element's start: at depth 0, the root's.
        if self._depth == 0 and prefix == "openbadges":
            self.scan.root_openbadges_uri = uri

    def _start(self, name: str, _attributes: dict[str, str]) -> None:
        if self._depth == 0:
            if name != f"{SVG_NAMESPACE} svg":
                raise BakingError("This is not an SVG document (its root is not an svg element).")
            self.scan.root_start = self._parser.CurrentByteIndex
        self._depth += 1
        if name == f"{OB3_SVG_NAMESPACE} credential":
            if self._in_credential == 0:
                self._credential_start = self._parser.CurrentByteIndex
                self._text = []
            self._in_credential += 1

    def _end(self, name: str) -> None:
        self._depth -= 1
        if name == f"{OB3_SVG_NAMESPACE} credential":
            self._in_credential -= 1
            if self._in_credential == 0:
                start_tag_end = _tag_end(self.data, self._credential_start)
                if self.data[start_tag_end - 2 : start_tag_end] == b"/>":
                    end = start_tag_end
                else:
                    # expat is at the start of the end tag.
                    end = _tag_end(self.data, self._parser.CurrentByteIndex)
                self.scan.credential_spans.append((self._credential_start, end))
                self.scan.credential_texts.append("".join(self._text))

    def _characters(self, text: str) -> None:
        if self._in_credential:
            if sum(map(len, self._text)) + len(text) > MAX_TEXT_BYTES:
                raise BakingError(f"The SVG's credential is over {MAX_TEXT_BYTES} characters.")
            self._text.append(text)


def _tag_end(data: bytes, start: int) -> int:
    """The offset just past the tag that starts at `start` (`>` inside quoted values skipped)."""
    quote = 0
    for index in range(start, len(data)):
        byte = data[index]
        if quote:
            if byte == quote:
                quote = 0
        elif byte in (0x22, 0x27):
            quote = byte
        elif byte == 0x3E:
            return index + 1
    raise BakingError("The SVG document is cut short.")


def _svg_bytes(svg: bytes | str) -> bytes:
    data = svg.encode("utf-8") if isinstance(svg, str) else bytes(svg)
    _check_size(data)
    if not data.strip():
        raise BakingError("The file is empty.")
    return data


def _utf8_only(data: bytes) -> None:
    # Offsets found by expat are spliced here as bytes; only an ASCII-compatible encoding keeps
    # the markup where those offsets say.
    declaration = re.match(rb"\s*<\?xml[^>]*encoding\s*=\s*[\"']([^\"']+)", data)
    if declaration and declaration.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii"):
        raise BakingError("Only SVG documents encoded as UTF-8 can be baked.")


def bake_svg(svg: bytes | str, text: str) -> bytes:
    """`svg` with `text` as its one openbadges:credential element (UTF-8 bytes).

    The element goes first inside the root svg element, holding the text in CDATA; an
    openbadges:credential already there is replaced. Raises BakingError for a document that
    is not a well-formed SVG.
    """
    data = _svg_bytes(svg)
    _utf8_only(data)
    scan = _SvgReader(data).read()
    declaration = f' xmlns:openbadges="{OB3_SVG_NAMESPACE}"'
    # Open Badges declares the prefix on the root. A root that already binds it to something
    # else (Open Badges 2.0's namespace) keeps that, and the element declares its own.
    on_root = scan.root_openbadges_uri is None
    on_element = "" if on_root or scan.root_openbadges_uri == OB3_SVG_NAMESPACE else declaration
    element = (
        f"<openbadges:credential{on_element}>{_cdata(text)}</openbadges:credential>"
    ).encode()
    parts: list[bytes] = []
    position = 0
    for start, end in scan.credential_spans:
        parts.append(data[position:start])
        position = end
    parts.append(data[position:])
    kept = b"".join(parts)
    root_end = _tag_end(kept, scan.root_start)
    empty = kept[root_end - 2 : root_end] == b"/>"
    tag_close = root_end - 2 if empty else root_end - 1
    opening = kept[:tag_close] + (declaration.encode() if on_root else b"") + b">"
    if empty:
        # <svg .../>: opened up to hold the element, and closed under the root's own name.
        name = re.match(rb"<([^\s/>]+)", kept[scan.root_start :])
        if name is None:  # expat read an element here
            raise BakingError("This is not a well-formed SVG document.")
        return opening + element + b"</" + name.group(1) + b">" + kept[root_end:]
    return opening + element + kept[root_end:]


def unbake_svg(svg: bytes | str) -> str:
    """The text of an SVG's openbadges:credential element.

    Raises NotBakedError for a well-formed SVG without one, BakingError for anything else
    (not XML, not SVG, a DTD or entities, more than one credential).
    """
    data = _svg_bytes(svg)
    scan = _SvgReader(data).read()
    texts = scan.credential_texts
    if not texts:
        raise NotBakedError("This SVG image carries no openbadges:credential: it is not baked.")
    if len(texts) > 1:
        raise BakingError(
            f"This SVG image carries {len(texts)} openbadges:credential elements; "
            "a baked badge has one."
        )
    return texts[0]


def svg_wrapping_png(png: bytes, *, width: int, height: int, title: str) -> str:
    """An SVG that shows `png` (embedded as a data URL), for badges that exist only as PNGs."""
    encoded = base64.b64encode(png).decode("ascii")
    return (
        f'<svg xmlns="{SVG_NAMESPACE}" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f"<title>{escape_xml(title)}</title>"
        # href for SVG 2, xlink:href for the viewers that only know SVG 1.1.
        f'<image width="{width}" height="{height}" href="data:image/png;base64,{encoded}" '
        f'xlink:href="data:image/png;base64,{encoded}"/></svg>'
    )


def escape_xml(text: str) -> str:
    """`text` for XML character data or a quoted attribute, without characters XML forbids."""
    cleaned = _NOT_XML_CHAR.sub("", text)
    return (
        cleaned.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )
