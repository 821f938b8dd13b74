"""The typed records an issued credential keeps about its award, and their one codec."""

import dataclasses
import re

import pytest

from credentials.models import IssuedCredential
from credentials.records import (
    EvidenceRecord,
    InvalidCredentialRecord,
    dump_evidence,
    dump_rubric_results,
    load_evidence,
    load_rubric_results,
)
from tests.credentials.conftest import EVIDENCE_SNAPSHOT, RUBRIC_RESULTS, issue
from tests.factories import UserFactory

# Exactly what approve_application stored before the records existed (and still stores).
STORED_EVIDENCE = [
    {
        "id": 17,
        "title": "Survey results",
        "kind": "file",
        "description": "The raw answers.",
        "url": "",
    },
    {
        "id": 18,
        "title": "Pilot notes",
        "kind": "link",
        "description": "",
        "url": "https://example.org/pilot",
    },
]
STORED_RESULTS = [
    {
        "criterion": "Question design",
        "level": "Meets",
        "required_level": "Meets",
        "comment": "Clear.",
    },
    {"criterion": "Sampling", "level": "Exceeds", "required_level": None, "comment": ""},
]


def evidence(**changes):
    return dataclasses.replace(EVIDENCE_SNAPSHOT[0], **changes)


def result(**changes):
    return dataclasses.replace(RUBRIC_RESULTS[0], **changes)


def test_records_survive_the_round_trip_through_json():
    assert load_evidence(dump_evidence(EVIDENCE_SNAPSHOT)) == EVIDENCE_SNAPSHOT
    assert load_rubric_results(dump_rubric_results(RUBRIC_RESULTS)) == RUBRIC_RESULTS


def test_the_json_keeps_the_shape_credentials_were_always_stored_in():
    assert load_evidence(STORED_EVIDENCE) == [
        EvidenceRecord(
            submitted_evidence_id=17,
            title="Survey results",
            kind="file",
            description="The raw answers.",
            url="",
        ),
        EvidenceRecord(
            submitted_evidence_id=18,
            title="Pilot notes",
            kind="link",
            description="",
            url="https://example.org/pilot",
        ),
    ]
    assert dump_evidence(load_evidence(STORED_EVIDENCE)) == STORED_EVIDENCE
    assert dump_rubric_results(load_rubric_results(STORED_RESULTS)) == STORED_RESULTS
    assert load_rubric_results(STORED_RESULTS)[1].required_level is None


def test_a_credential_stored_before_the_records_reads_on_its_page(client, micro_credential):
    credential = issue(UserFactory(), micro_credential)
    IssuedCredential.objects.filter(pk=credential.pk).update(
        evidence_snapshot=STORED_EVIDENCE, rubric_results=STORED_RESULTS
    )
    text = client.get(f"/c/{credential.public_id}/").text
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td data-label="Level reached">([^<]+)</td>'
        r'<td data-label="Level required">([^<]+)</td></tr>',
        text,
    )
    assert rows == [("Question design", "Meets", "Meets"), ("Sampling", "Exceeds", "—")]
    assert re.findall(r'<span class="cited-title">([^<]+)</span>', text) == [
        "Survey results",
        "Pilot notes",
    ]
    assert '<span class="small muted">(Link)</span>' in text
    assert "The raw answers." not in text
    assert "Clear." not in text


def test_issuing_stores_the_records_through_the_codec(micro_credential):
    credential = issue(UserFactory(), micro_credential)
    credential.refresh_from_db()
    assert credential.evidence_snapshot == dump_evidence(EVIDENCE_SNAPSHOT)
    assert credential.rubric_results == dump_rubric_results(RUBRIC_RESULTS)
    assert credential.evidence_snapshot[0] == {
        "id": 1,
        "title": "Sales dashboard",
        "kind": "image",
        "description": "Only for the assessor.",
        "url": "",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"submitted_evidence_id": "1"}, "submitted_evidence_id must be a positive whole number"),
        ({"submitted_evidence_id": True}, "submitted_evidence_id must be a positive whole number"),
        ({"submitted_evidence_id": 0}, "submitted_evidence_id must be a positive whole number"),
        ({"title": "  "}, "title must not be empty."),
        ({"title": None}, "title must be text, not NoneType."),
        ({"kind": "video"}, "kind must be one of file, image, link, reflection, not 'video'."),
        ({"description": None}, "description must be text, not NoneType."),
        ({"url": 3}, "url must be text, not int."),
    ],
)
def test_a_malformed_evidence_record_is_refused_when_made(changes, message):
    with pytest.raises(InvalidCredentialRecord, match=re.escape(message)):
        evidence(**changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"criterion": ""}, "criterion must not be empty."),
        ({"level": 2}, "level must be text, not int."),
        ({"required_level": ""}, "required_level must not be empty."),
        ({"comment": None}, "comment must be text, not NoneType."),
    ],
)
def test_a_malformed_rubric_result_is_refused_when_made(changes, message):
    with pytest.raises(InvalidCredentialRecord, match=re.escape(message)):
        result(**changes)


def test_a_result_without_a_pass_mark_is_well_formed():
    assert result(required_level=None).required_level is None


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ({"id": 1}, "evidence_snapshot must be a list, not dict."),
        (["Survey"], "evidence_snapshot[0] must be an object, not str."),
        (
            [STORED_EVIDENCE[0], {"id": 2, "title": "Notes", "kind": "file"}],
            "evidence_snapshot[1] has the wrong keys (missing: ['description', 'url'], "
            "unknown: []).",
        ),
        (
            [STORED_EVIDENCE[0] | {"file": "x.pdf"}],
            "evidence_snapshot[0] has the wrong keys (missing: [], unknown: ['file']).",
        ),
        (
            [STORED_EVIDENCE[0], STORED_EVIDENCE[1] | {"kind": "Link"}],
            "evidence_snapshot[1]: kind must be one of file, image, link, reflection, not 'Link'.",
        ),
    ],
)
def test_stored_evidence_of_the_wrong_shape_is_refused_with_where_and_why(stored, message):
    with pytest.raises(InvalidCredentialRecord) as refused:
        load_evidence(stored)
    assert str(refused.value) == message


def test_stored_rubric_results_of_the_wrong_shape_are_refused_with_where_and_why():
    with pytest.raises(InvalidCredentialRecord) as refused:
        load_rubric_results([STORED_RESULTS[0], STORED_RESULTS[1] | {"level": None}])
    assert str(refused.value) == "rubric_results[1]: level must be text, not NoneType."


def test_records_cannot_be_changed_after_they_are_made():
    with pytest.raises(dataclasses.FrozenInstanceError):
        EVIDENCE_SNAPSHOT[0].title = "Something else"


def test_the_library_item_is_kept_when_known_and_left_out_when_not():
    with_item = evidence(library_item_id=42)
    assert dump_evidence([with_item])[0]["library_item"] == 42
    assert load_evidence(dump_evidence([with_item])) == [with_item]
    # Without one, the stored shape is exactly the one credentials always had.
    assert "library_item" not in dump_evidence([evidence()])[0]
    assert load_evidence(STORED_EVIDENCE)[0].library_item_id is None


@pytest.mark.parametrize("value", [0, -3, "42", True, 4.0])
def test_a_library_item_must_be_an_identifier(value):
    with pytest.raises(InvalidCredentialRecord) as refused:
        load_evidence([STORED_EVIDENCE[0] | {"library_item": value}])
    assert str(refused.value) == (
        f"evidence_snapshot[0]: library_item_id must be a positive whole number, not {value!r}."
    )


def test_a_files_digest_is_kept_when_known_and_left_out_when_not():
    digest = "0123456789abcdef" * 4
    with_digest = evidence(sha256=digest)
    assert dump_evidence([with_digest])[0]["sha256"] == digest
    assert load_evidence(dump_evidence([with_digest])) == [with_digest]
    assert "sha256" not in dump_evidence([evidence()])[0]
    assert load_evidence(STORED_EVIDENCE)[0].sha256 is None


@pytest.mark.parametrize("value", ["", "ABCDEF" * 10 + "ABCD", "0" * 63, "g" * 64, "0" * 65])
def test_a_digest_must_be_64_lowercase_hex_digits(value):
    with pytest.raises(InvalidCredentialRecord) as refused:
        load_evidence([STORED_EVIDENCE[0] | {"sha256": value}])
    assert str(refused.value) == (
        f"evidence_snapshot[0]: sha256 must be 64 lowercase hexadecimal digits, not {value!r}."
    )


def test_a_digest_must_be_text():
    with pytest.raises(InvalidCredentialRecord) as refused:
        load_evidence([STORED_EVIDENCE[0] | {"sha256": 10**63}])
    assert str(refused.value) == "evidence_snapshot[0]: sha256 must be text, not int."
