"""Signed status lists: each credential's entry, the list served at its URL, re-signed when a
bit changes, and check_status reading a credential's bit through it."""

import json

import pytest
from django.db import transaction

from credentials import services
from credentials.models import StatusList
from credentials.vc.identity import resolve_verification_method
from credentials.vc.proofs import verify
from credentials.vc.status_list import (
    StatusOutcome,
    bit_is_set,
    check_status,
    decode_bitstring,
    published_status_list,
    sign_status_list,
    status_entry,
)
from tests.concurrency import requires_postgresql, wait_until_blocked
from tests.credentials.conftest import issue, revoke
from tests.factories import UserFactory

LIST_URL = "http://127.0.0.1:8000/status/northfield/revocation/1"
ISSUER_DID = "did:web:127.0.0.1%3A8000:issuers:northfield"


@pytest.fixture
def signing_issuer(issuer):
    services.generate_signing_key(issuer_id=issuer.pk, by=None)
    return issuer


@pytest.fixture
def credentials(signing_issuer, micro_credential):
    return [issue(UserFactory(), micro_credential) for _ in range(3)]


def served(client, url=LIST_URL):
    response = client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def bits_of(document):
    return decode_bitstring(document["credentialSubject"]["encodedList"])


def as_document(credential):
    """The part of an issued credential check_status reads."""
    return {"issuer": {"id": ISSUER_DID}, "credentialStatus": status_entry(credential)}


def test_a_credentials_entry_points_at_its_bit_in_its_list(credentials):
    credential = credentials[0]
    index = credential.status_list_index
    assert status_entry(credential) == {
        "id": f"{LIST_URL}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": LIST_URL,
    }


def test_the_list_is_a_signed_bitstring_status_list_credential(client, credentials):
    response = client.get("/status/northfield/revocation/1")

    assert response["Content-Type"] == "application/vc+ld+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == "public, max-age=60"
    document = json.loads(response.content)
    proof = document.pop("proof")
    assert document == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER_DID,
        "validFrom": "2026-03-01T12:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA",
        },
    }
    assert proof["verificationMethod"] == f"{ISSUER_DID}#key-1"
    result = verify({**document, "proof": proof}, resolve_key=resolve_verification_method)
    assert result.verified, result.reason
    assert len(bits_of(document)) * 8 == 131_072


def test_revoking_sets_the_credentials_bit_in_the_served_list_at_once(
    client, credentials, django_capture_on_commit_callbacks
):
    revoked, kept, _other = credentials
    before = served(client)
    with django_capture_on_commit_callbacks(execute=True):
        revoke(revoked)
    # The subscriber re-signed the list after commit: the stored copy has the bit.
    stored = json.loads(StatusList.objects.get().signed_document)
    assert bit_is_set(bits_of(stored), revoked.status_list_index)

    after = served(client)
    bits = bits_of(after)
    assert bit_is_set(bits, revoked.status_list_index)
    assert not bit_is_set(bits, kept.status_list_index)
    assert bits.count(0) == len(bits) - 1
    assert after["proof"]["proofValue"] != before["proof"]["proofValue"]
    assert verify(after, resolve_key=resolve_verification_method).verified


def test_the_signed_list_is_stored_and_served_again_while_no_bit_changes(
    client, credentials, time_machine, django_assert_num_queries
):
    first = served(client)
    time_machine.move_to("2026-03-02T08:00:00Z", tick=False)
    # The list, its revoked bits: no signing, no key read, no write.
    with django_assert_num_queries(2):
        again = served(client)
    assert again == first
    assert again["validFrom"] == "2026-03-01T12:00:00Z"


def test_a_list_whose_bits_changed_unseen_is_re_signed_when_read(client, credentials, time_machine):
    served(client)
    time_machine.move_to("2026-03-02T08:00:00Z", tick=False)
    # Revoked without the after-commit subscriber running (these tests do not run it):
    # the stored copy is stale, and the read notices.
    revoke(credentials[1])
    document = served(client)
    assert document["validFrom"] == "2026-03-02T08:00:00Z"
    assert bit_is_set(bits_of(document), credentials[1].status_list_index)


def test_a_list_of_an_issuer_without_a_key_is_unavailable_not_an_error(
    client, issuer, micro_credential, django_capture_on_commit_callbacks
):
    credential = issue(UserFactory(), micro_credential)
    # Revoking still works: the re-signing after commit fails quietly.
    with django_capture_on_commit_callbacks(execute=True):
        revoke(credential)
    response = client.get("/status/northfield/revocation/1")
    assert response.status_code == 503
    assert response["Retry-After"] == "300"
    assert b"no usable signing key" in response.content
    assert StatusList.objects.get().signed_document == ""


@pytest.mark.parametrize(
    "path",
    [
        "/status/northfield/revocation/2",
        "/status/northfield/suspension/1",
        "/status/nobody/revocation/1",
    ],
)
def test_a_list_that_does_not_exist_is_not_found(client, credentials, path):
    assert client.get(path).status_code == 404
    assert client.get("/status/northfield/revocation/1").status_code == 200


def test_the_list_answers_only_reads(client, credentials):
    assert client.post("/status/northfield/revocation/1").status_code == 405


# --- check_status ---------------------------------------------------------------------------


def test_a_credential_that_is_not_revoked_checks_as_such(credentials):
    check = check_status(as_document(credentials[0]))
    assert check.outcome == StatusOutcome.NOT_REVOKED
    assert (check.status_list_credential, check.index) == (
        LIST_URL,
        credentials[0].status_list_index,
    )


def test_a_revoked_credential_checks_as_revoked_and_its_neighbours_do_not(credentials):
    revoke(credentials[0])
    assert check_status(as_document(credentials[0])).outcome == StatusOutcome.REVOKED
    assert check_status(as_document(credentials[1])).outcome == StatusOutcome.NOT_REVOKED


def test_an_entry_among_others_is_found(credentials):
    revoke(credentials[0])
    entry = status_entry(credentials[0])
    document = {
        "issuer": ISSUER_DID,
        "credentialStatus": [
            {**entry, "statusPurpose": "suspension"},
            {"id": "https://example.org/list", "type": "1EdTechRevocationList"},
            entry,
        ],
    }
    assert check_status(document).outcome == StatusOutcome.REVOKED


def test_a_list_on_another_site_is_not_fetched_and_says_so(credentials):
    entry = status_entry(credentials[0]) | {
        "statusListCredential": "https://status.example.org/lists/1"
    }
    check = check_status({"issuer": ISSUER_DID, "credentialStatus": entry})
    assert check.outcome == StatusOutcome.REMOTE
    assert "another site" in check.reason
    assert "does not fetch" in check.reason


@pytest.mark.parametrize(
    ("change", "outcome", "reason"),
    [
        ({"credentialStatus": None}, StatusOutcome.NO_STATUS, "no revocation status"),
        ({"statusListIndex": 3}, StatusOutcome.INVALID, "string of digits"),
        ({"statusListIndex": "-1"}, StatusOutcome.INVALID, "string of digits"),
        ({"statusListIndex": "131072"}, StatusOutcome.INVALID, "outside the status list"),
        (
            {"statusListCredential": "http://127.0.0.1:8000/status/northfield/revocation/9"},
            StatusOutcome.UNAVAILABLE,
            "no status list",
        ),
        (
            {"statusListCredential": "http://127.0.0.1:8000/verify/"},
            StatusOutcome.UNAVAILABLE,
            "no status list",
        ),
        ({"issuer": "did:web:example.org"}, StatusOutcome.INVALID, "someone other than"),
    ],
)
def test_what_cannot_be_checked_says_why(credentials, change, outcome, reason):
    document = as_document(credentials[0])
    if "issuer" in change:
        document["issuer"] = change["issuer"]
    elif "credentialStatus" in change:
        del document["credentialStatus"]
    else:
        document["credentialStatus"] |= change
    check = check_status(document)
    assert check.outcome == outcome
    assert reason in check.reason


def test_a_stored_list_that_was_tampered_with_fails_its_proof(credentials):
    served_list = StatusList.objects.get()
    signed = json.loads(published_status_list(served_list))
    signed["validFrom"] = "2020-01-01T00:00:00Z"
    StatusList.objects.filter(pk=served_list.pk).update(signed_document=json.dumps(signed))
    check = check_status(as_document(credentials[0]))
    assert check.outcome == StatusOutcome.INVALID
    assert "proof does not verify" in check.reason


def test_without_a_key_the_status_is_unavailable(issuer, micro_credential):
    credential = issue(UserFactory(), micro_credential)
    check = check_status(as_document(credential))
    assert check.outcome == StatusOutcome.UNAVAILABLE
    assert "signing key" in check.reason


# --- Under concurrency, on PostgreSQL ---------------------------------------------------


@requires_postgresql
def test_a_signer_waiting_for_the_list_signs_the_revocation_committed_meanwhile(racer, credentials):
    revoked = credentials[0]
    status_list_id = StatusList.objects.get().pk
    with transaction.atomic():
        # Another signer holds the list: this one waits, and a revocation commits meanwhile
        # (its own re-signing after commit then waits for the list too).
        StatusList.objects.select_for_update().get(pk=status_list_id)
        signing = racer.start(lambda: sign_status_list(status_list_id))
        wait_until_blocked(1)
        revoking = racer.start(lambda: revoke(revoked))
        wait_until_blocked(2)
    signed = json.loads(signing.result(timeout=30))
    revoking.result(timeout=30)
    # It read the bits after taking the lock: the revocation is in them, and stored.
    assert bit_is_set(bits_of(signed), revoked.status_list_index)
    stored = json.loads(StatusList.objects.get().signed_document)
    assert bit_is_set(bits_of(stored), revoked.status_list_index)
    assert bits_of(stored).count(0) == 16_384 - 1
