"""Each evidence file frozen at submission records the SHA-256 of the frozen copy, read in
chunks, and the credential an approval issues keeps it in its evidence record."""

import hashlib
import io

import pytest
from django.core.files.base import ContentFile, File

from assessments.models import SubmittedEvidence
from assessments.services import applying, reviewing
from credentials.records import load_evidence
from portfolio.digests import CHUNK_SIZE, sha256_of_stored_file
from portfolio.storage import private_storage
from tests.assessments.conftest import scores_at
from tests.factories import EvidenceItemFactory, pdf_bytes

pytestmark = pytest.mark.django_db


def _draft_with(learner, micro_credential, items):
    application = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    for criterion in micro_credential.criteria_set.all():
        applying.save_response(
            application_id=application.pk,
            by=learner,
            criterion_id=criterion.pk,
            statement="How I meet it.",
            self_assessed_level_id=criterion.required_level_id,
            evidence_item_ids=[item.pk for item in items],
        )
    return application


def test_submitting_records_the_digest_of_each_frozen_file(learner, micro_credential):
    report = EvidenceItemFactory(owner=learner, pdf=True)
    note = EvidenceItemFactory(owner=learner)
    application = _draft_with(learner, micro_credential, [report, note])

    applying.submit_application(application_id=application.pk, by=learner)

    frozen = SubmittedEvidence.objects.get(application=application, source_item=report)
    with frozen.file.open("rb") as stored:
        assert frozen.sha256 == hashlib.sha256(stored.read()).hexdigest()
    assert frozen.sha256 == hashlib.sha256(pdf_bytes()).hexdigest()
    # A reflection has no file, so no digest.
    assert SubmittedEvidence.objects.get(application=application, source_item=note).sha256 == ""


def test_an_unchanged_file_keeps_its_digest_next_round_and_a_new_file_gets_its_own(
    learner, assessor, micro_credential
):
    kept = EvidenceItemFactory(owner=learner, pdf=True)
    replaced = EvidenceItemFactory(owner=learner, image=True)
    application = _draft_with(learner, micro_credential, [kept, replaced])
    applying.submit_application(application_id=application.pk, by=learner)
    first = {e.source_item_id: e.sha256 for e in SubmittedEvidence.objects.filter(round=1)}
    reviewing.claim_application(application_id=application.pk, by=assessor)
    reviewing.request_changes(
        application_id=application.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="More, please.",
    )
    replaced.file.save("other.pdf", ContentFile(b"%PDF-1.4 another file"))
    replaced.title = "Replaced"
    replaced.save()

    applying.submit_application(application_id=application.pk, by=learner)

    second = {e.source_item_id: e.sha256 for e in SubmittedEvidence.objects.filter(round=2)}
    assert second[kept.pk] == first[kept.pk] != ""
    assert second[replaced.pk] == hashlib.sha256(b"%PDF-1.4 another file").hexdigest()
    assert second[replaced.pk] != first[replaced.pk]


def test_the_issued_credential_records_each_files_digest(
    learner, assessor, micro_credential, django_capture_on_commit_callbacks
):
    report = EvidenceItemFactory(owner=learner, pdf=True)
    note = EvidenceItemFactory(owner=learner)
    application = _draft_with(learner, micro_credential, [report, note])
    with django_capture_on_commit_callbacks(execute=True):
        applying.submit_application(application_id=application.pk, by=learner)
        reviewing.claim_application(application_id=application.pk, by=assessor)
        approved = reviewing.approve_application(
            application_id=application.pk, by=assessor, scores=scores_at(micro_credential, 2)
        )

    records = {r.library_item_id: r for r in load_evidence(approved.credential.evidence_snapshot)}
    assert records[report.pk].sha256 == hashlib.sha256(pdf_bytes()).hexdigest()
    assert records[note.pk].sha256 is None


class ChunkSpy(File):
    """A stored file that remembers how much each read asked for."""

    def __init__(self, content: bytes) -> None:
        self.content = io.BytesIO(content)
        super().__init__(self.content)
        self.reads: list[int] = []

    def read(self, size: int = -1) -> bytes:
        self.reads.append(size)
        return self.content.read(size)


def test_a_stored_file_is_hashed_in_chunks_never_read_whole(monkeypatch):
    content = bytes(range(256)) * (3 * CHUNK_SIZE // 256 + 7)
    storage = private_storage()
    name = storage.save("digests/large.bin", ContentFile(content))
    spy = ChunkSpy(content)
    monkeypatch.setattr(storage, "open", lambda stored, mode="rb": spy if stored == name else None)

    assert sha256_of_stored_file(storage, name) == hashlib.sha256(content).hexdigest()
    assert len(spy.reads) >= 4
    assert all(0 < size <= CHUNK_SIZE for size in spy.reads)
