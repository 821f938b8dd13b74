"""Writes to the evidence library.

Every refusal is an EvidenceError whose `field` names the argument it is about ("title",
"upload", "url", "body"), with the message the learner should see; the evidence forms use
the same names for their fields, so a view can put a refusal next to the field it concerns.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from http import HTTPStatus
from pathlib import PurePosixPath
from uuid import UUID

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portfolio.errors import PortfolioError
from portfolio.events import record_event
from portfolio.models import EvidenceItem, Skill, User
from portfolio.pdfs import strip_active_content
from portfolio.permissions import can_edit_evidence, can_keep_portfolio
from portfolio.storage import private_storage
from portfolio.uploads import (
    ALLOWED_IMAGES_TEXT,
    InspectedFile,
    inspect_upload,
    process_image,
    read_upload,
)
from portfolio.verbs import (
    EVIDENCE_CREATED,
    EVIDENCE_DELETED,
    EVIDENCE_UPDATED,
    EvidenceCreated,
    EvidenceDeleted,
    EvidenceUpdated,
)

logger = logging.getLogger(__name__)

LINK_SCHEMES = ("http", "https")
PDF_TYPE = "application/pdf"


class EvidenceError(PortfolioError):
    """A change to the evidence library refused; nothing was stored."""


def _refused(field: str, message: str, code: str) -> EvidenceError:
    return EvidenceError(message, code=f"evidence.{code}", field=field)


def _not_owner(message: str) -> EvidenceError:
    return EvidenceError(message, code="evidence.not_owner", status=HTTPStatus.FORBIDDEN)


@dataclass(frozen=True)
class _PreparedUpload:
    """An accepted upload, ready to store: the bytes to keep and what they are."""

    kind: str
    content: bytes
    thumbnail: bytes | None
    extension: str
    content_type: str
    original_filename: str


def link_error_message() -> str:
    return _("Enter a web address that starts with http:// or https://.")


def check_upload_fits_kind(*, kind: str, inspected: InspectedFile) -> None:
    """Refuse non-image content for an item the learner asked to be an image."""
    if kind == EvidenceItem.Kind.IMAGE and not inspected.is_image:
        raise ValidationError(
            _("Upload a %(images)s image; this file is %(what)s.")
            % {"images": ALLOWED_IMAGES_TEXT, "what": inspected.label_with_article},
            code="not_an_image",
        )


def _original_filename(name: str | None, extension: str) -> str:
    # Some browsers send a full client path; keep the last part, without control characters
    # (they have no business in a name that ends up in a header and on a page).
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    # No length check: Django's UploadedFile already cuts a name to 255 characters (the
    # column's length), keeping its extension, and nothing here makes a name longer.
    return base or f"evidence.{extension}"


def _prepare_upload(*, kind: str, upload: UploadedFile[bytes]) -> _PreparedUpload:
    """Read, inspect and clean an upload (images re-encoded, PDFs stripped of active content).

    Nothing is stored yet.
    """
    try:
        data = read_upload(upload)
        inspected = inspect_upload(data, original_name=upload.name or "")
        check_upload_fits_kind(kind=kind, inspected=inspected)
        if inspected.is_image:
            image = process_image(data)
            content, thumbnail = image.content, image.thumbnail
            extension, content_type = image.extension, image.content_type
        elif inspected.content_type == PDF_TYPE:
            content, thumbnail = strip_active_content(data), None
            extension, content_type = inspected.extension, inspected.content_type
        else:
            content, thumbnail = data, None
            extension, content_type = inspected.extension, inspected.content_type
    except ValidationError as error:
        # The upload checks are form validators too, so they speak ValidationError; their
        # codes ("empty", "html", "too_many_pixels", ...) become part of the stable code.
        raise _refused("upload", " ".join(error.messages), f"upload_{error.code}") from None
    return _PreparedUpload(
        kind=EvidenceItem.Kind.IMAGE if inspected.is_image else EvidenceItem.Kind.FILE,
        content=content,
        thumbnail=thumbnail,
        extension=extension,
        content_type=content_type,
        original_filename=_original_filename(upload.name, extension),
    )


def _clean_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise _refused("title", _("Give the evidence a title."), "title_missing")
    return title


def _clean_url(url: str) -> str:
    url = url.strip()
    if not url:
        raise _refused("url", _("Enter the address of the work you are linking to."), "url_missing")
    try:
        URLValidator(schemes=list(LINK_SCHEMES))(url)
    except ValidationError:
        # javascript:, data:, ftp: and the like are refused: a link must open a web page.
        raise _refused("url", link_error_message(), "url_invalid") from None
    return url


def _clean_body(body: str) -> str:
    if not body.strip():
        raise _refused("body", _("Write your reflection; it cannot be empty."), "body_missing")
    return body


def _check_fields(item: EvidenceItem) -> None:
    """The model's own field checks (lengths, dates), as a refusal about the first field."""
    try:
        item.full_clean(exclude={"owner", "skills", "file", "thumbnail"})
    except ValidationError as error:
        field, errors = next(iter(error.message_dict.items()))
        if field == NON_FIELD_ERRORS:
            raise EvidenceError(" ".join(errors), code="evidence.invalid") from None
        raise _refused(field, " ".join(errors), f"{field}_invalid") from None


def _store(item: EvidenceItem, prepared: _PreparedUpload, stored: list[str]) -> None:
    """Write the upload's files to storage, recording each name as soon as it exists."""
    # upload_to replaces everything but the extension with a random name.
    item.file.save(f"upload.{prepared.extension}", ContentFile(prepared.content), save=False)
    stored.append(item.file.name or "")
    if prepared.thumbnail is not None:
        item.thumbnail.save("thumbnail.webp", ContentFile(prepared.thumbnail), save=False)
        stored.append(item.thumbnail.name or "")
    else:
        item.thumbnail.name = ""
    item.kind = prepared.kind
    item.content_type = prepared.content_type
    item.original_filename = prepared.original_filename
    item.file_size = len(prepared.content)


def _delete_stored(names: Sequence[str | None]) -> None:
    storage = private_storage()
    for name in filter(None, names):
        try:
            storage.delete(name)
        except Exception:
            # Cleanup must never mask the error that triggered it, and each storage backend
            # raises its own errors (OSError, botocore's ClientError); an orphaned file is
            # untidy, not harmful.
            logger.exception("Could not delete stored evidence file %s", name)


def create_evidence(
    *,
    by: User,
    kind: str,
    title: str,
    description: str = "",
    work_done_on: date | None = None,
    skills: Iterable[Skill] = (),
    upload: UploadedFile[bytes] | None = None,
    url: str = "",
    body: str = "",
    submission_token: UUID | None = None,
) -> EvidenceItem:
    """Add an item to the library of `by`.

    For kind "file" or "image" the upload's bytes decide the stored kind: image content is
    re-encoded without metadata and given a thumbnail. Raises EvidenceError (with the message
    the user should see) for refused input, and with status 403 if `by` is not a learner. A refusal or failure leaves no row and no stored file behind.

    Idempotent per submission_token (the add form's per-render token): a second call with
    the learner's same token returns the item the first one made and stores nothing.
    """
    if not can_keep_portfolio(by):
        raise EvidenceError(
            _("Only learners keep an evidence library."),
            code="evidence.not_learner",
            status=HTTPStatus.FORBIDDEN,
        )
    if kind not in EvidenceItem.Kind.values:
        raise EvidenceError(
            _("Unknown kind of evidence: %(kind)s.") % {"kind": kind}, code="evidence.unknown_kind"
        )
    item = EvidenceItem(
        owner=by,
        kind=kind,
        title=_clean_title(title),
        description=description.strip(),
        work_done_on=work_done_on,
    )
    prepared: _PreparedUpload | None = None
    if kind in {EvidenceItem.Kind.FILE, EvidenceItem.Kind.IMAGE}:
        if upload is None:
            raise _refused("upload", _("Choose a file to upload."), "upload_missing")
        # Decoding and re-encoding happen before the transaction: no database lock is held
        # while Pillow works.
        prepared = _prepare_upload(kind=kind, upload=upload)
    elif kind == EvidenceItem.Kind.LINK:
        item.url = _clean_url(url)
    else:
        item.body = _clean_body(body)

    stored: list[str] = []
    try:
        if prepared is not None:
            _store(item, prepared, stored)
        _check_fields(item)
        item.submission_token = submission_token
        with transaction.atomic(durable=True):
            item.save()
            item.skills.set(list(skills))
            record_event(
                EVIDENCE_CREATED,
                by=by,
                target=item,
                owner=by,
                payload=EvidenceCreated(kind=item.kind, title=item.title),
            )
    except IntegrityError:
        _delete_stored(stored)
        # The unique (owner, submission_token) constraint, not a check ahead of the insert,
        # decides which of two simultaneous submissions of one form wins.
        first = _item_of_submission(by, submission_token)
        if first is None:
            raise
        return first
    except BaseException:
        # Django has no on-rollback hook: whatever reached storage goes now, or never.
        _delete_stored(stored)
        raise
    return item


def _item_of_submission(owner: User, submission_token: UUID | None) -> EvidenceItem | None:
    if submission_token is None:
        return None
    return EvidenceItem.objects.filter(owner=owner, submission_token=submission_token).first()


def update_evidence(
    *,
    item_id: int,
    by: User,
    title: str,
    description: str = "",
    work_done_on: date | None = None,
    skills: Iterable[Skill] = (),
    upload: UploadedFile[bytes] | None = None,
    url: str = "",
    body: str = "",
) -> EvidenceItem:
    """Change an item; a new upload replaces the stored file (and its thumbnail).

    The kind is fixed except between file and image, which follow the new upload's content
    (an image item still accepts images only). Without an upload the stored file is kept. The
    replaced files are deleted after commit. Raises EvidenceError for refused input, and with
    status 403 for anyone but the owner (or for an item that does not exist, alike), leaving
    the item and its files as they were.
    """
    item = EvidenceItem.objects.filter(pk=item_id).first()
    if item is None or not can_edit_evidence(by, item):
        raise _not_owner(_("Only the owner can change this evidence."))
    title = _clean_title(title)
    prepared: _PreparedUpload | None = None
    if item.kind in {EvidenceItem.Kind.FILE, EvidenceItem.Kind.IMAGE} and upload is not None:
        prepared = _prepare_upload(kind=item.kind, upload=upload)
    if item.kind == EvidenceItem.Kind.LINK:
        url = _clean_url(url)
    if item.kind == EvidenceItem.Kind.REFLECTION:
        body = _clean_body(body)

    stored: list[str] = []
    try:
        with transaction.atomic(durable=True):
            # Lock the row so two replacements cannot both miss the file the other stored.
            locked = EvidenceItem.objects.select_for_update().get(pk=item.pk)
            replaced = [locked.file.name, locked.thumbnail.name] if prepared else []
            locked.title = title
            locked.description = description.strip()
            locked.work_done_on = work_done_on
            changed = ["title", "description", "work_done_on", "updated_at"]
            if locked.kind == EvidenceItem.Kind.LINK:
                locked.url = url
                changed.append("url")
            if locked.kind == EvidenceItem.Kind.REFLECTION:
                locked.body = body
                changed.append("body")
            if prepared is not None:
                _store(locked, prepared, stored)
                changed += [
                    "kind",
                    "file",
                    "thumbnail",
                    "content_type",
                    "original_filename",
                    "file_size",
                ]
            _check_fields(locked)
            locked.save(update_fields=changed)
            locked.skills.set(list(skills))
            # `by` is the owner: can_edit_evidence lets nobody else through.
            record_event(
                EVIDENCE_UPDATED,
                by=by,
                target=locked,
                owner=by,
                payload=EvidenceUpdated(title=locked.title, file_replaced=prepared is not None),
            )
            if replaced:
                transaction.on_commit(partial(_delete_stored, replaced), robust=True)
    except BaseException:
        _delete_stored(stored)
        raise
    return locked


@transaction.atomic(durable=True)
def delete_evidence(*, item_id: int, by: User) -> None:
    """Remove an item and its stored files.

    The files are deleted after commit, so a rolled-back deletion keeps them. Idempotent: an
    item that is already gone is not an error. Raises EvidenceError (403) for anyone but the
    owner.
    """
    locked = EvidenceItem.objects.select_for_update().filter(pk=item_id).first()
    if locked is None:
        return
    if not can_edit_evidence(by, locked):
        raise _not_owner(_("Only the owner can delete this evidence."))
    names = [locked.file.name, locked.thumbnail.name]
    # Recorded first: deleting clears the instance's key.
    record_event(
        EVIDENCE_DELETED,
        by=by,
        target=locked,
        owner=by,
        payload=EvidenceDeleted(kind=locked.kind, title=locked.title),
    )
    locked.delete()
    transaction.on_commit(partial(_delete_stored, names), robust=True)
