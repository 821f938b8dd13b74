"""Bulk issuance run by a real Celery worker, and resumed after one is killed mid-batch."""

from unittest import mock

import pytest

from credentials import tasks
from credentials.bulk_issuance import start_bulk_issuance
from credentials.models import (
    BulkIssuance,
    BulkIssuanceRow,
    CredentialDocument,
    IssuedCredential,
    StatusList,
)
from credentials.services import generate_signing_key
from portfolio.models import Event
from tests.factories import IssuerFactory, MicroCredentialFactory, UserFactory
from tests.integration.harness import kill_worker

pytestmark = pytest.mark.celery_worker


@pytest.fixture
def staff_and_micro_credential(transactional_db):
    issuer = IssuerFactory()
    generate_signing_key(issuer_id=issuer.pk, by=None)
    staff = UserFactory(issuer_staff=True)
    issuer.staff.add(staff)
    return staff, MicroCredentialFactory(issuer=issuer)


def _start(staff, micro_credential, count, **task_options):
    learners = [(n, UserFactory(email=f"bulk{n}@example.org")) for n in range(1, count + 1)]
    # The service's own enqueue is held back, to enqueue with the test's chunk size.
    with mock.patch.object(tasks.issue_bulk_credentials, "delay"):
        batch = start_bulk_issuance(
            micro_credential_id=micro_credential.pk, learners=learners, by=staff
        )
    tasks.issue_bulk_credentials.delay(batch_id=batch.pk, **task_options)
    return batch


def _status(batch):
    return BulkIssuance.objects.get(pk=batch.pk).status


def test_the_worker_issues_and_signs_a_batch(worker, staff_and_micro_credential):
    staff, micro_credential = staff_and_micro_credential
    batch = _start(staff, micro_credential, 7, chunk_size=3)

    worker.wait_for(lambda: _status(batch) == "finished", "the batch finished")

    issued = IssuedCredential.objects.filter(micro_credential=micro_credential)
    assert issued.count() == 7
    assert CredentialDocument.objects.filter(credential__in=issued, format="ob3").count() == 7
    assert set(batch.rows.values_list("state", flat=True)) == {"issued"}
    assert Event.objects.filter(verb="credential.issued").count() == 7


def test_a_worker_killed_mid_batch_leaves_whole_chunks_and_the_next_one_finishes(
    start_test_worker, staff_and_micro_credential
):
    staff, micro_credential = staff_and_micro_credential
    first = start_test_worker()
    batch = _start(staff, micro_credential, 60, chunk_size=1)
    rows = BulkIssuanceRow.objects.filter(batch=batch)
    first.wait_for(lambda: rows.filter(state="issued").count() >= 2, "a few rows issued")
    kill_worker(first)

    # Only whole chunks were committed: each issued row has its signed credential, no more.
    issued_rows = rows.filter(state="issued").count()
    assert 2 <= issued_rows < 60
    issued = IssuedCredential.objects.filter(micro_credential=micro_credential)
    assert issued.count() == issued_rows
    assert CredentialDocument.objects.filter(credential__in=issued).count() == issued_rows

    # What the beat sweep does for a stalled batch; the message the dead worker held would
    # also come back, once Redis's visibility timeout passed.
    tasks.issue_bulk_credentials.delay(batch_id=batch.pk, chunk_size=7)
    second = start_test_worker()
    second.wait_for(lambda: _status(batch) == "finished", "the batch finished")

    assert issued.count() == 60
    assert issued.values("learner_id").distinct().count() == 60
    assert CredentialDocument.objects.filter(credential__in=issued).count() == 60
    assert Event.objects.filter(verb="credential.issued").count() == 60
    assert StatusList.objects.get(issuer=micro_credential.issuer).allocated == 60
    assert set(rows.values_list("state", flat=True)) == {"issued"}
