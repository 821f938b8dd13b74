"""Removing active content from uploaded PDFs before they are stored.

A PDF can carry JavaScript (document-level, in page and form-field actions, run on opening
through /OpenAction), actions that launch programs or send data elsewhere, and whole files
embedded inside it. None of it is needed to read a piece of evidence, and a viewer that
honours it runs it for whoever opens the file, so all of it is removed. Links to web pages
(URI actions) and links within the document stay.

qpdf (through pikepdf) parses the file, repairing what it can; the cleaned copy is what
is stored, so the stored bytes are always ones a well-kept parser has rewritten.
"""

from __future__ import annotations

import io
import warnings

import pikepdf
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Keys that hold scripts, automatic actions or embedded files, wherever they appear:
# /OpenAction (runs on opening), /AA (additional actions on pages, annotations, fields and
# the document), /JS (a script), /JavaScript and /EmbeddedFiles (name trees), /EF (the
# file streams of a file specification), /XFA (scriptable XML forms), /RichMediaContent.
_REMOVED_KEYS = ("/OpenAction", "/AA", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA")
_RICH_MEDIA_KEYS = ("/RichMediaContent", "/RichMediaSettings")
# Action types that run code, start programs, load other files or send data away.
_ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/ImportData",
        "/SubmitForm",
        "/GoToE",
        "/RichMediaExecute",
        "/Rendition",
        "/Movie",
        "/Sound",
    }
)
# Annotations that exist only to carry a file or media.
_ACTIVE_ANNOTATIONS = frozenset({"/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen"})


def _is_active_action(value: object) -> bool:
    return isinstance(value, pikepdf.Dictionary) and str(value.get("/S", "")) in _ACTIVE_ACTIONS


def _clean_dictionary(dictionary: pikepdf.Dictionary) -> None:
    for key in (*_REMOVED_KEYS, *_RICH_MEDIA_KEYS):
        if key in dictionary:
            del dictionary[key]
    # A link or a chained action (/Next) that would run one of the active actions.
    for key in ("/A", "/Next"):
        if key in dictionary and _is_active_action(dictionary[key]):
            del dictionary[key]
    if "/Next" in dictionary and isinstance(dictionary["/Next"], pikepdf.Array):
        kept = [action for action in dictionary["/Next"] if not _is_active_action(action)]
        dictionary["/Next"] = pikepdf.Array(kept)
    if "/Annots" in dictionary and isinstance(dictionary["/Annots"], pikepdf.Array):
        kept = [
            annotation
            for annotation in dictionary["/Annots"]
            if not (
                isinstance(annotation, pikepdf.Dictionary)
                and str(annotation.get("/Subtype", "")) in _ACTIVE_ANNOTATIONS
            )
        ]
        dictionary["/Annots"] = pikepdf.Array(kept)


def _walk(value: object, seen: set[tuple[int, int]]) -> None:
    """Clean every dictionary reachable from value, each indirect object once."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, pikepdf.Object) and current.is_indirect:
            if current.objgen in seen:
                continue
            seen.add(current.objgen)
        if isinstance(current, pikepdf.Stream):
            current = current.stream_dict
        if isinstance(current, pikepdf.Dictionary):
            _clean_dictionary(current)
            stack.extend(current[key] for key in current.keys())  # noqa: SIM118  # pikepdf's keys() is the documented way
        elif isinstance(current, pikepdf.Array):
            stack.extend(current)


def strip_active_content(data: bytes) -> bytes:
    """The PDF rewritten without scripts, automatic or outgoing actions, or embedded files.

    Raises ValidationError for a PDF that cannot be read at all (damaged beyond repair, or
    protected by a password that is needed to open it).
    """
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            # Everything a viewer reads (catalogue, pages, annotations, forms) hangs off it.
            _walk(pdf.trailer, set())
            output = io.BytesIO()
            with warnings.catch_warnings():
                # Advice about how Acrobat shows form widgets: about the learner's file, not
                # something our logs can act on.
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                # Not encrypted again: an owner password restricts nothing we need, and an
                # encrypted copy could hide what was removed from a later check. The same
                # upload always gives the same bytes (deterministic_id).
                pdf.save(
                    output, encryption=False, fix_metadata_version=False, deterministic_id=True
                )
    except pikepdf.PasswordError:
        raise ValidationError(
            _("This PDF needs a password to open. Save a copy without a password and upload that."),
            code="encrypted",
        ) from None
    except pikepdf.PdfError:
        raise ValidationError(
            _("This PDF is damaged and cannot be read."), code="damaged"
        ) from None
    return output.getvalue()
