"""Bulk issuance: checking the list, issuing it in resumable chunks, and its progress."""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credentials import bulk_issuance
from credentials.bulk_issuance import (
    bulk_signer,
    check_learner_list,
    decode_learner_file,
    issue_bulk_chunk,
    issue_bulk_credentials,
    resume_bulk_issuances,
    start_bulk_issuance,
)
from credentials.exceptions import IssuanceNotAllowed
from credentials.models import (
    BulkIssuance,
    CredentialDocument,
    IssuedCredential,
    StatusList,
)
from credentials.services import generate_signing_key
from credentials.vc.identity import resolve_verification_method
from credentials.vc.proofs import verify
from portfolio.models import Event, Notification
from tests.credentials.conftest import issue
from tests.factories import UserFactory


def learners(count, prefix="cohort"):
    return [UserFactory(email=f"{prefix}{n}@example.org") for n in range(count)]


def listed(users):
    return [(line, user) for line, user in enumerate(users, start=1)]


@pytest.fixture
def signing_issuer(issuer):
    generate_signing_key(issuer_id=issuer.pk, by=None)
    return issuer


def start(micro_credential, users, by, django_capture_on_commit_callbacks, *, execute=True):
    with django_capture_on_commit_callbacks(execute=execute):
        return start_bulk_issuance(
            micro_credential_id=micro_credential.pk, learners=listed(users), by=by
        )


# --- Checking the list ----------------------------------------------------------------------


def test_the_list_names_each_row_that_cannot_be_issued(micro_credential, staff_of_issuer):
    ok = UserFactory(email="ok@example.org")
    holder = UserFactory(email="holder@example.org")
    issue(holder, micro_credential)
    UserFactory(email="employer@example.org", employer=True)
    UserFactory(email="gone@example.org", is_active=False)
    text = (
        "email,name\n"
        "OK@example.org,Ok\n"
        "not-an-address\n"
        "\n"
        "nobody@example.org\n"
        "holder@example.org\n"
        "ok@example.org\n"
        "employer@example.org\n"
        "gone@example.org\n"
    )
    checked = check_learner_list(text, micro_credential=micro_credential)
    assert checked.learners == [(2, ok)]
    assert [(e.line, e.value, e.message) for e in checked.errors] == [
        (3, "not-an-address", "This is not an e-mail address."),
        (5, "nobody@example.org", "No active learner account has this address."),
        (6, "holder@example.org", "This learner already holds it."),
        (7, "ok@example.org", "Repeats line 2."),
        (8, "employer@example.org", "No active learner account has this address."),
        (9, "gone@example.org", "No active learner account has this address."),
    ]


def test_a_learner_waiting_in_another_batch_is_refused(
    micro_credential, staff_of_issuer, django_capture_on_commit_callbacks
):
    [waiting] = learners(1)
    start(
        micro_credential,
        [waiting],
        staff_of_issuer,
        django_capture_on_commit_callbacks,
        execute=False,
    )
    checked = check_learner_list(waiting.email, micro_credential=micro_credential)
    assert checked.learners == []
    assert [e.message for e in checked.errors] == ["This learner is in a batch still issuing it."]


def test_a_revoked_holder_may_be_issued_again(micro_credential, staff_of_issuer):
    from tests.credentials.conftest import revoke

    holder = UserFactory(email="holder@example.org")
    revoke(issue(holder, micro_credential))
    checked = check_learner_list("holder@example.org", micro_credential=micro_credential)
    assert checked.learners == [(1, holder)]
    assert checked.errors == []


def test_the_list_is_checked_in_a_fixed_number_of_queries(micro_credential, staff_of_issuer):
    def queries(count):
        users = learners(count, prefix=f"q{count}-")
        with CaptureQueriesContext(connection) as captured:
            checked = check_learner_list(
                "\n".join(u.email for u in users), micro_credential=micro_credential
            )
        assert len(checked.learners) == count
        return len(captured)

    assert queries(3) == queries(9) == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfeo\x00k\x00", "The file is not UTF-8 text (byte 1)."),
        (b"a" * (bulk_issuance.MAX_FILE_BYTES + 1), "a list may be at most 512 KB"),
    ],
)
def test_a_file_that_is_not_utf8_or_too_large_is_refused(data, message):
    with pytest.raises(ValidationError) as error:
        decode_learner_file(data)
    assert message in error.value.messages[0]


def test_a_utf8_file_with_a_byte_order_mark_is_read():
    assert decode_learner_file("\ufeffemail\nané@example.org\n".encode()) == (
        "email\nané@example.org\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The list has no e-mail addresses."),
        ("email\n\n", "The list has no e-mail addresses."),
        ("a@example.org\x00\n", "The file is not a CSV file (it holds binary data)."),
        ('"a@example.org\n', "could not be read as CSV"),
    ],
)
def test_an_unreadable_list_is_refused_whole(micro_credential, text, message):
    with pytest.raises(ValidationError) as error:
        check_learner_list(text, micro_credential=micro_credential)
    assert message in error.value.messages[0]


def test_a_list_longer_than_the_limit_is_refused(micro_credential, monkeypatch):
    monkeypatch.setattr(bulk_issuance, "MAX_ROWS", 3)
    with pytest.raises(ValidationError) as error:
        check_learner_list(
            "a@x.org\nb@x.org\nc@x.org\nd@x.org\n", micro_credential=micro_credential
        )
    assert error.value.messages == ["The list has more than 3 rows: split it into several batches."]
    assert (
        len(
            check_learner_list(
                "a@x.org\nb@x.org\nc@x.org\n", micro_credential=micro_credential
            ).errors
        )
        == 3
    )


# --- Issuing ----------------------------------------------------------------------------------


def test_a_batch_issues_signs_and_records_each_credential(
    signing_issuer,
    micro_credential,
    staff_of_issuer,
    django_capture_on_commit_callbacks,
):
    users = learners(5)
    batch = start(
        micro_credential, users, staff_of_issuer, django_capture_on_commit_callbacks, execute=False
    )
    # Three chunks: 2, 2 and the last one.
    with django_capture_on_commit_callbacks(execute=True):
        issue_bulk_credentials(batch_id=batch.pk, chunk_size=2)
    batch.refresh_from_db()
    assert batch.status == BulkIssuance.Status.FINISHED
    assert batch.finished_at is not None
    rows = list(batch.rows.order_by("line"))
    assert [row.state for row in rows] == ["issued"] * 5
    credentials = IssuedCredential.objects.filter(micro_credential=micro_credential)
    assert sorted(credentials.values_list("learner_id", flat=True)) == sorted(u.pk for u in users)
    assert {row.credential.learner_id for row in rows} == {u.pk for u in users}
    assert {c.award_reference for c in credentials} == {
        f"bulk:{batch.public_id}:{row.pk}" for row in rows
    }
    # Distinct bits from the issuer's one open list, advanced by five.
    status_list = StatusList.objects.get(issuer=signing_issuer)
    assert status_list.allocated == 5
    assert len({c.status_list_index for c in credentials}) == 5
    # Each credential is signed, and its document verifies with its status entry.
    for credential in credentials:
        document = json.loads(credential.documents.get(format="ob3").content)
        assert document["credentialStatus"]["statusListIndex"] == str(credential.status_list_index)
        assert document["credentialSubject"]["achievement"]["name"] == "Data Storytelling"
        assert verify(document, resolve_key=resolve_verification_method).verified
    # Recorded as single issuance records it, and each learner told.
    verbs = list(
        Event.objects.filter(scope=f"issuer:{signing_issuer.pk}").values_list("verb", flat=True)
    )
    assert verbs.count("credential.issued") == 5
    assert verbs.count("credential.signed") == 5
    assert verbs.count("bulk_issuance.started") == 1
    assert verbs.count("bulk_issuance.finished") == 1
    issued_by = Event.objects.filter(verb="credential.issued").values_list("actor_id", flat=True)
    assert set(issued_by) == {staff_of_issuer.pk}
    told = Notification.objects.filter(kind="credential_issued")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(u.pk for u in users)
    finished = Event.objects.get(verb="bulk_issuance.finished")
    assert finished.payload == {"issued": 5, "skipped": 0}


def test_a_chunk_that_fails_is_rolled_back_and_the_retry_resumes_without_duplicates(
    signing_issuer, micro_credential, staff_of_issuer, django_capture_on_commit_callbacks
):
    users = learners(5)
    batch = start(
        micro_credential, users, staff_of_issuer, django_capture_on_commit_callbacks, execute=False
    )
    signer = bulk_signer(batch.pk)
    assert issue_bulk_chunk(batch_id=batch.pk, signer=signer, size=2) == 3
    # The worker dies while signing the second chunk (after its credentials were written).
    with (
        mock.patch.object(bulk_issuance, "_sign", side_effect=RuntimeError("worker lost")),
        pytest.raises(RuntimeError),
    ):
        issue_bulk_chunk(batch_id=batch.pk, signer=signer, size=2)
    assert batch.rows.filter(state="issued").count() == 2
    assert IssuedCredential.objects.filter(micro_credential=micro_credential).count() == 2
    assert StatusList.objects.get(issuer=signing_issuer).allocated == 2
    # The retried task picks up at the first waiting row.
    issue_bulk_credentials(batch_id=batch.pk)
    issued = IssuedCredential.objects.filter(micro_credential=micro_credential)
    assert issued.count() == 5
    assert sorted(issued.values_list("learner_id", flat=True)) == sorted(u.pk for u in users)
    assert CredentialDocument.objects.filter(credential__in=issued).count() == 5
    assert Event.objects.filter(verb="credential.issued").count() == 5
    assert StatusList.objects.get(issuer=signing_issuer).allocated == 5
    # A task delivered once more finds nothing to do.
    issue_bulk_credentials(batch_id=batch.pk)
    assert issued.count() == 5
    assert Event.objects.filter(verb="bulk_issuance.finished").count() == 1


def test_a_learner_awarded_it_meanwhile_is_skipped_with_a_note(
    micro_credential, staff_of_issuer, django_capture_on_commit_callbacks
):
    first, meanwhile, deactivated = learners(3)
    batch = start(
        micro_credential,
        [first, meanwhile, deactivated],
        staff_of_issuer,
        django_capture_on_commit_callbacks,
        execute=False,
    )
    issue(meanwhile, micro_credential)
    deactivated.is_active = False
    deactivated.save()
    issue_bulk_credentials(batch_id=batch.pk)
    rows = {row.learner_id: row for row in batch.rows.all()}
    assert rows[first.pk].state == "issued"
    assert (rows[meanwhile.pk].state, rows[meanwhile.pk].note) == (
        "skipped",
        "Already held when issued.",
    )
    assert (rows[deactivated.pk].state, rows[deactivated.pk].note) == (
        "skipped",
        "The account is deactivated.",
    )
    assert IssuedCredential.objects.filter(learner=meanwhile).count() == 1
    assert not IssuedCredential.objects.filter(learner=deactivated).exists()
    assert Event.objects.get(verb="bulk_issuance.finished").payload == {"issued": 1, "skipped": 2}


def test_an_issuer_without_a_key_issues_unsigned(
    micro_credential, staff_of_issuer, django_capture_on_commit_callbacks
):
    users = learners(2)
    batch = start(micro_credential, users, staff_of_issuer, django_capture_on_commit_callbacks)
    assert batch.rows.filter(state="issued").count() == 2
    assert not CredentialDocument.objects.exists()
    progress = bulk_issuance.get_bulk_progress(batch)
    assert (progress.issued, progress.signed, progress.percent) == (2, 0, 100)


def test_an_author_who_left_the_staff_issues_nothing_more(
    micro_credential, staff_of_issuer, django_capture_on_commit_callbacks
):
    batch = start(
        micro_credential,
        learners(2),
        staff_of_issuer,
        django_capture_on_commit_callbacks,
        execute=False,
    )
    micro_credential.issuer.staff.remove(staff_of_issuer)
    issue_bulk_credentials(batch_id=batch.pk)
    assert not IssuedCredential.objects.exists()
    assert list(batch.rows.values_list("state", flat=True)) == ["skipped", "skipped"]
    assert set(batch.rows.values_list("note", flat=True)) == {
        "Not issued: it is no longer published, or the batch's author left the staff."
    }
    assert BulkIssuance.objects.get(pk=batch.pk).status == "finished"


@pytest.mark.parametrize("who", ["assessor", "other_staff", "superuser", "learner"])
def test_only_the_issuers_staff_may_start_a_batch(micro_credential, staff_of_issuer, who):
    from tests.factories import IssuerFactory

    actor = {
        "assessor": lambda: UserFactory(assessor=True),
        "other_staff": lambda: _staff_of(IssuerFactory()),
        "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
        "learner": lambda: UserFactory(),
    }[who]()
    micro_credential.issuer.assessors.add(actor) if who == "assessor" else None
    with pytest.raises(IssuanceNotAllowed):
        start_bulk_issuance(
            micro_credential_id=micro_credential.pk, learners=listed(learners(1)), by=actor
        )
    assert not BulkIssuance.objects.exists()


def _staff_of(issuer):
    user = UserFactory(issuer_staff=True)
    issuer.staff.add(user)
    return user


def test_an_empty_batch_is_refused(micro_credential, staff_of_issuer):
    with pytest.raises(IssuanceNotAllowed, match="no learners"):
        start_bulk_issuance(
            micro_credential_id=micro_credential.pk, learners=[], by=staff_of_issuer
        )
    assert not BulkIssuance.objects.exists()


def test_a_chunk_takes_the_same_queries_for_n_and_3n_rows(
    signing_issuer, micro_credential, staff_of_issuer, django_capture_on_commit_callbacks
):
    def chunk_queries(count):
        batch = start(
            micro_credential,
            learners(count, prefix=f"n{count}-"),
            staff_of_issuer,
            django_capture_on_commit_callbacks,
            execute=False,
        )
        signer = bulk_signer(batch.pk)
        with CaptureQueriesContext(connection) as captured:
            assert issue_bulk_chunk(batch_id=batch.pk, signer=signer, size=count) == 0
        assert batch.rows.filter(state="issued").count() == count
        return len(captured)

    # The issuer's status list is opened by a first batch, so both measure the same work.
    chunk_queries(1)
    assert chunk_queries(2) == chunk_queries(6) == 28


def test_the_sweep_enqueues_only_stalled_batches(
    micro_credential, staff_of_issuer, django_capture_on_commit_callbacks, time_machine
):
    stalled = start(
        micro_credential,
        learners(1, "s"),
        staff_of_issuer,
        django_capture_on_commit_callbacks,
        execute=False,
    )
    time_machine.shift(bulk_issuance.STALLED_AFTER + timedelta(seconds=1))
    fresh = start(
        micro_credential,
        learners(1, "f"),
        staff_of_issuer,
        django_capture_on_commit_callbacks,
        execute=False,
    )
    assert resume_bulk_issuances() == 1
    assert BulkIssuance.objects.get(pk=stalled.pk).status == "finished"
    assert BulkIssuance.objects.get(pk=fresh.pk).status == "queued"
    assert resume_bulk_issuances() == 0
    assert BulkIssuance.objects.filter(progressed_at__lte=timezone.now()).count() == 2
