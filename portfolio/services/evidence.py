"""Writes to the evidence library. (Signatures fixed; bodies being written.)"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.files.uploadedfile import UploadedFile

from portfolio.models import EvidenceItem, Skill, User


def create_evidence(
    *,
    owner: User,
    kind: str,
    title: str,
    description: str = "",
    work_done_on: date | None = None,
    skills: Iterable[Skill] = (),
    upload: UploadedFile[bytes] | None = None,
    url: str = "",
    body: str = "",
) -> EvidenceItem:
    """Add an item to the owner's library.

    For kind "file" or "image" the upload's bytes decide the stored kind: image content is
    re-encoded without metadata and given a thumbnail. Raises ValidationError (with the message
    the user should see) for refused uploads.
    """
    raise NotImplementedError


def update_evidence(
    *,
    item: EvidenceItem,
    by: User,
    title: str,
    description: str = "",
    work_done_on: date | None = None,
    skills: Iterable[Skill] = (),
    upload: UploadedFile[bytes] | None = None,
    url: str = "",
    body: str = "",
) -> EvidenceItem:
    """Change an item; a new upload replaces the stored file (and its thumbnail)."""
    raise NotImplementedError


def delete_evidence(*, item: EvidenceItem, by: User) -> None:
    """Remove an item and its stored files."""
    raise NotImplementedError
