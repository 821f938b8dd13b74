"""The verifier (credentials.vc.verification): each step, and one verdict for each outcome."""

import copy
import json
import socket
from datetime import timedelta

import pytest

from credentials.models import CredentialDocument
from credentials.services import generate_signing_key, sign_credential
from credentials.vc.verification import (
    MAX_DEPTH,
    MAX_NODES,
    StepName,
    StepResult,
    Verdict,
    verify_credential_document,
    verify_credential_text,
)
from tests.credentials.conftest import NOW, issue, revoke
from tests.factories import UserFactory
from tests.interop import corpus, js_fixture


@pytest.fixture
def micro_credential(micro_credential):
    micro_credential.validity_months = 12
    micro_credential.save()
    return micro_credential


@pytest.fixture
def credential(micro_credential):
    credential = issue(UserFactory(), micro_credential)
    generate_signing_key(issuer_id=credential.issuer_id, by=None)
    sign_credential(credential_id=credential.pk)
    return credential


@pytest.fixture
def text(credential):
    return CredentialDocument.objects.get(credential=credential, format="ob3").content


@pytest.fixture
def document(text):
    return json.loads(text)


def results(verification):
    return {step.name: step.result for step in verification.steps}


def step(verification, name):
    return next(step for step in verification.steps if step.name == name)


def test_an_issued_credential_passes_every_step(text, credential):
    verification = verify_credential_text(text)

    assert verification.verdict is Verdict.VALID
    assert [step.name for step in verification.steps] == list(StepName)
    assert set(results(verification).values()) == {StepResult.PASSED}
    assert verification.checked_at == NOW
    assert credential.issuer.name in step(verification, StepName.ISSUER).explanation
    assert "Valid from 1 March 2026, 12:00 UTC until 1 March 2027" in (
        step(verification, StepName.DATES).explanation
    )


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path


def _signed_leaves(document):
    # Every value the signature covers, but the words that name contexts and types: changing
    # one of those makes the document unreadable JSON-LD (its own verdict, tested below).
    return [
        path
        for path in _leaves({k: v for k, v in document.items() if k != "proof"})
        if path[0] != "@context" and "type" not in path
    ]


def _changed(value):
    if isinstance(value, bool):
        return not value
    if not isinstance(value, str):
        return 7
    if value.startswith("2026-") or value.startswith("2027-"):
        return value.replace("202", "201", 1)  # still a date, ten years earlier
    return value + "x"


def test_changing_any_one_field_makes_the_signature_invalid(document):
    paths = _signed_leaves(document)
    assert len(paths) > 30
    for path in paths:
        changed = copy.deepcopy(document)
        target = changed
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = _changed(target[path[-1]])

        verification = verify_credential_document(changed)

        assert verification.verdict is Verdict.TAMPERED, path
        assert verification.label == "Signature invalid"
        assert step(verification, StepName.PROOF).explanation.startswith("Signature invalid.")


def test_another_issuer_named_on_a_signed_credential_is_a_forgery(document):
    document["issuer"]["id"] = "did:web:badges.example.net:issuers:someone"

    verification = verify_credential_document(document)

    assert verification.verdict is Verdict.TAMPERED
    assert "not by the issuer" in step(verification, StepName.PROOF).explanation


def test_a_revoked_credential_is_revoked(credential, text, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        revoke(credential)

    verification = verify_credential_text(text)

    assert verification.verdict is Verdict.REVOKED
    assert results(verification)[StepName.PROOF] is StepResult.PASSED
    assert results(verification)[StepName.STATUS] is StepResult.FAILED
    assert "Revoked" in step(verification, StepName.STATUS).explanation


def test_a_credential_past_its_valid_until_is_expired(text, credential):
    verification = verify_credential_text(text, now=credential.expires_at + timedelta(seconds=1))

    assert verification.verdict is Verdict.EXPIRED
    assert results(verification)[StepName.PROOF] is StepResult.PASSED
    assert step(verification, StepName.DATES).explanation == (
        "Expired: it was valid until 1 March 2027, 12:00 UTC."
    )
    # A second before, it was valid.
    assert verify_credential_text(text, now=credential.expires_at - timedelta(seconds=1)).is_valid


def test_a_credential_before_its_valid_from_is_not_valid_yet(text):
    verification = verify_credential_text(text, now=NOW - timedelta(days=1))

    assert verification.verdict is Verdict.NOT_YET_VALID
    assert "valid from 1 March 2026, 12:00 UTC" in step(verification, StepName.DATES).explanation


def test_revoked_outranks_expired(credential, text, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        revoke(credential)

    verification = verify_credential_text(text, now=credential.expires_at + timedelta(days=1))

    assert verification.verdict is Verdict.REVOKED
    assert results(verification)[StepName.DATES] is StepResult.FAILED


def test_a_credential_without_its_proof_is_unsigned(document):
    del document["proof"]

    verification = verify_credential_document(document)

    assert verification.verdict is Verdict.UNSIGNED
    assert "unsigned" in step(verification, StepName.PROOF).explanation
    # The other steps still ran.
    assert results(verification)[StepName.SCHEMA] is StepResult.PASSED


@pytest.mark.parametrize("fixture", [js_fixture.FIXTURE, js_fixture.FIXTURE_2020])
def test_a_credential_signed_in_javascript_verifies(db, fixture):
    verification = verify_credential_text(fixture.read_bytes())

    assert verification.verdict is Verdict.VALID, verification.steps
    assert step(verification, StepName.PROOF).result is StepResult.PASSED
    assert corpus.DID_KEY_METHOD in step(verification, StepName.PROOF).explanation
    # Not one of ours: said, and no reason to fail it.
    assert results(verification)[StepName.ISSUER] is StepResult.NOT_CHECKED
    assert "is not one of Unbundled's issuers" in step(verification, StepName.ISSUER).explanation


@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def test_a_remote_did_web_is_reported_not_resolved_without_fetching(no_network):
    signed = json.loads(js_fixture.FIXTURE.read_text(encoding="utf-8"))
    signed["issuer"]["id"] = "did:web:badges.example.net:issuers:elsewhere"
    signed["proof"]["verificationMethod"] = "did:web:badges.example.net:issuers:elsewhere#key-1"

    verification = verify_credential_document(signed)

    assert verification.verdict is Verdict.UNVERIFIED
    proof = step(verification, StepName.PROOF)
    assert proof.result is StepResult.NOT_CHECKED
    assert "did:web of badges.example.net, which cannot be resolved from here" in (
        proof.explanation
    )
    assert no_network == []


def test_our_own_did_web_resolves_from_the_database(text, no_network):
    verification = verify_credential_text(text)

    assert verification.verification_method.startswith("did:web:")
    assert verification.is_valid
    assert no_network == []


def test_a_key_our_issuer_never_had_is_not_found(document):
    document["proof"]["verificationMethod"] = document["proof"]["verificationMethod"] + "9"

    verification = verify_credential_document(document)

    assert verification.verdict is Verdict.UNVERIFIED
    assert results(verification)[StepName.PROOF] is StepResult.FAILED


def test_an_unknown_context_is_malformed_and_never_fetched(document, no_network):
    document["@context"].append("https://contexts.example.net/extra.jsonld")

    verification = verify_credential_document(document)

    assert verification.verdict is Verdict.MALFORMED
    assert "https://contexts.example.net/extra.jsonld, which is not one this verifier has" in (
        step(verification, StepName.JSON_LD).explanation
    )
    assert results(verification)[StepName.PROOF] is StepResult.NOT_CHECKED
    assert no_network == []


def test_a_property_no_context_defines_is_malformed(document):
    document["favouriteColour"] = "green"

    verification = verify_credential_document(document)

    assert verification.verdict is Verdict.MALFORMED
    assert "favouriteColour" in step(verification, StepName.JSON_LD).explanation


def test_a_credential_off_the_schema_is_malformed(document):
    # Unsigned, or the changed signature would be the verdict.
    del document["proof"]
    del document["credentialSubject"]["achievement"]

    verification = verify_credential_document(document)

    assert verification.verdict is Verdict.MALFORMED
    explanation = step(verification, StepName.SCHEMA).explanation
    assert explanation.startswith("It is not an Open Badges 3.0 AchievementCredential: at ")
    assert "achievement" in explanation


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "This is not JSON: Expecting value at line 1, column 1."),
        ("{", "This is not JSON: Expecting property name enclosed in double quotes"),
        ("[1, 2]", "The JSON is a list, not an object"),
        ('"credential"', "The JSON is a string, not an object"),
        ('{"a": NaN}', "This is not JSON: NaN is not a JSON number."),
        ("[" * 100_000 + "]" * 100_000, f"nested more than {MAX_DEPTH} levels deep"),
        ('{"a": ' * 40 + "1" + "}" * 40, f"nested more than {MAX_DEPTH} levels deep"),
        ('{"n": ' + "9" * 5000 + "}", "This is not JSON: Exceeds the limit"),
        ("[" + ", ".join(["{}"] * MAX_NODES) + "]", f"more than {MAX_NODES} objects and lists"),
        (b"\xff\xfe{}", "The file is not UTF-8 text"),
    ],
)
def test_what_is_not_a_credential_is_malformed_with_a_reason(db, text, message):
    verification = verify_credential_text(text)

    assert verification.verdict is Verdict.MALFORMED
    first = verification.steps[0]
    assert first.name is StepName.JSON
    assert first.result is StepResult.FAILED
    assert message in first.explanation
    assert all(s.result is StepResult.NOT_CHECKED for s in verification.steps[1:])
    assert len(verification.steps) == len(StepName)


def test_a_credential_just_within_the_node_limit_is_read(db):
    signed = json.loads(js_fixture.FIXTURE.read_text(encoding="utf-8"))
    nodes = 40  # what the fixture holds already, roughly; the evidence fills up the rest
    signed["evidence"] = [{"type": "Evidence", "name": str(n)} for n in range(2 * MAX_NODES)]
    too_many = verify_credential_document(signed)
    signed["evidence"] = signed["evidence"][: (MAX_NODES - nodes) // 2]
    within = verify_credential_document(signed)

    assert too_many.verdict is Verdict.MALFORMED
    assert f"more than {MAX_NODES} objects" in step(too_many, StepName.JSON_LD).explanation
    # Read, and found changed (the evidence was added after signing).
    assert within.verdict is Verdict.TAMPERED


def test_a_type_no_context_defines_is_malformed(document):
    del document["proof"]
    document["@context"] = document["@context"][:2] + document["@context"][3:]

    verification = verify_credential_document(document)

    assert verification.verdict is Verdict.MALFORMED
    assert "1EdTechJsonSchemaValidator2019" in step(verification, StepName.JSON_LD).explanation


def test_an_object_without_context_is_malformed(db):
    verification = verify_credential_text('{"name": "A badge"}')

    assert verification.verdict is Verdict.MALFORMED
    assert "no @context" in step(verification, StepName.JSON_LD).explanation
    assert "no proof" in step(verification, StepName.PROOF).explanation


def test_more_than_the_limit_is_refused_before_it_is_read(db, settings):
    settings.VERIFY_MAX_BYTES = 1000
    verification = verify_credential_text('{"name": "' + "x" * 1000 + '"}')

    assert verification.verdict is Verdict.MALFORMED
    assert verification.steps[0].explanation == (
        "The credential is 1 KB; this verifier reads up to 1 KB."
    )


def test_the_result_as_json(text):
    answer = verify_credential_text(text).as_json()

    assert answer["verdict"] == "valid"
    assert answer["checked_at"] == "2026-03-01T12:00:00Z"
    assert [s["name"] for s in answer["steps"]] == [
        "json",
        "json_ld",
        "schema",
        "proof",
        "status",
        "dates",
        "issuer",
    ]
    assert {s["result"] for s in answer["steps"]} == {"passed"}
    json.dumps(answer)
