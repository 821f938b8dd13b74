"""Freezing a round: the evidence and statements an assessor reviews, copied at submission."""

from __future__ import annotations

import hashlib
import json
import uuid

from django.core.files.storage import Storage
from django.utils import timezone

from assessments.models import Application, CriterionResponse, SubmittedEvidence, SubmittedStatement
from portfolio.digests import sha256_of_stored_file
from portfolio.models import EvidenceItem
from portfolio.storage import private_storage


def _fingerprint_evidence(item: EvidenceItem) -> str:
    payload = {
        "kind": item.kind,
        "title": item.title,
        "description": item.description,
        "work_done_on": item.work_done_on.isoformat() if item.work_done_on else None,
        "url": item.url,
        "body": item.body,
        "file": item.file.name,
        "skills": sorted(skill.name for skill in item.skills.all()),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _copy_file(storage: Storage, source_name: str, saved: list[str]) -> str:
    extension = source_name.rsplit(".", 1)[-1] if "." in source_name else "bin"
    with storage.open(source_name, "rb") as source:
        name = storage.save(
            f"submitted/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}", source
        )
    saved.append(name)
    return name


def freeze_round(application: Application, responses: list[CriterionResponse]) -> None:
    """Copy the linked evidence and the statements into this round's snapshot."""
    storage = private_storage()
    previous = {
        (snapshot.source_item_id, snapshot.fingerprint): snapshot
        for snapshot in SubmittedEvidence.objects.filter(
            application=application, round=application.round - 1
        )
    }
    saved_files: list[str] = []
    frozen: dict[int, SubmittedEvidence] = {}
    try:
        for response in responses:
            for item in response.evidence_items.all():
                if item.pk in frozen:
                    continue
                fingerprint = _fingerprint_evidence(item)
                unchanged = previous.get((item.pk, fingerprint))
                snapshot = SubmittedEvidence(
                    application=application,
                    round=application.round,
                    source_item=item,
                    fingerprint=fingerprint,
                    kind=item.kind,
                    title=item.title,
                    description=item.description,
                    work_done_on=item.work_done_on,
                    url=item.url,
                    body=item.body,
                    original_filename=item.original_filename,
                    content_type=item.content_type,
                    skill_names=sorted(skill.name for skill in item.skills.all()),
                )
                if unchanged is not None:
                    # Same content as last round: share the frozen copy rather than copy again.
                    snapshot.file = unchanged.file
                    snapshot.thumbnail = unchanged.thumbnail
                    snapshot.sha256 = unchanged.sha256
                else:
                    if item.file.name:
                        snapshot.file = _copy_file(storage, item.file.name, saved_files)
                    if item.thumbnail.name:
                        snapshot.thumbnail = _copy_file(storage, item.thumbnail.name, saved_files)
                if snapshot.file.name and not snapshot.sha256:
                    # The frozen copy itself is hashed, read back from storage: what the
                    # assessor opens is what the digest vouches for.
                    snapshot.sha256 = sha256_of_stored_file(storage, snapshot.file.name)
                snapshot.save()
                frozen[item.pk] = snapshot
        for response in responses:
            statement = SubmittedStatement.objects.create(
                application=application,
                round=application.round,
                criterion=response.criterion,
                statement=response.statement,
                self_assessed_level_id=response.self_assessed_level_id,
            )
            statement.evidence.set([frozen[item.pk] for item in response.evidence_items.all()])
    except Exception:
        # The rows roll back with the transaction; the copied files would not.
        for name in saved_files:
            storage.delete(name)
        raise
