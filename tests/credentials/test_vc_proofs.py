"""eddsa-rdfc-2022 Data Integrity proofs: the official vector, round trips and tampering."""

import copy
import hashlib
import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from credentials.vc.canonical import (
    CanonicalizationError,
    UndefinedTermError,
    canonicalize,
    strip_control_characters,
)
from credentials.vc.keys import public_key_multibase
from credentials.vc.proofs import FailedStep, ProofError, ResolvedKey, sign, verify

VECTORS = Path(__file__).parent / "vc_vectors"
# 1EdTech's published test key and the proofValue its implementation guide expects.
VECTOR_SEED = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"
VECTOR_METHOD = (
    "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
)
VECTOR_CREATED = datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC)
VECTOR_PROOF_VALUE = (
    "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCr"
)
ISSUER = "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a test of signing tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def vector_key():
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(VECTOR_SEED))


def vector_credential():
    return json.loads((VECTORS / "credential.json").read_text())


def resolver_for(private_key, controller, *, is_assertion_method=True):
    def resolve(method):
        return ResolvedKey(private_key.public_key(), controller, is_assertion_method)

    return resolve


def credential(issuer=ISSUER):
    """A richer OB 3.0 credential than the vector: arrays, numbers, nested objects, Unicode."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        ],
        "id": "https://badges.example.org/c/0d1b9a1e-5d55-4c3e-a0f1-7b2b6cf0b0a4/",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": 'Institut Öffentlich "Q"'},
        "validFrom": "2026-01-15T10:00:00Z",
        "validUntil": "2029-01-15T10:00:00Z",
        "name": "Data analysis — foundations",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": "s4lt",
                    "identityHash": "sha256$" + "ab" * 32,
                }
            ],
            "achievement": {
                "id": "https://badges.example.org/credentials/data-analysis/",
                "type": ["Achievement"],
                "name": "Data analysis",
                "description": "Cleans data,\tcharts it and\nexplains it: a \\ backslash.",
                "criteria": {"narrative": "Assessed against a rubric."},
                "achievementType": "MicroCredential",
                "creditsAvailable": 5,
            },
        },
        "credentialSchema": [
            {
                "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
                "type": "1EdTechJsonSchemaValidator2019",
            }
        ],
    }


def signed_credential(private_key=None):
    private_key = private_key or vector_key()
    return sign(
        credential(),
        private_key=private_key,
        verification_method=f"{ISSUER}#{ISSUER.removeprefix('did:key:')}",
    )


# --- The official test vector -----------------------------------------------------------


def test_the_canonical_document_is_byte_for_byte_1edtechs():
    expected = (VECTORS / "document-canon.nq").read_text()

    assert canonicalize(vector_credential()) == expected
    assert hashlib.sha256(expected.encode()).hexdigest().startswith("87f65a76")


def test_the_canonical_proof_configuration_is_byte_for_byte_1edtechs():
    proof_config = {
        "@context": vector_credential()["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2010-01-01T19:23:24Z",
        "verificationMethod": VECTOR_METHOD,
        "proofPurpose": "assertionMethod",
    }

    assert canonicalize(proof_config) == (VECTORS / "proof-canon.nq").read_text()


def test_signing_the_vector_gives_1edtechs_proof_value():
    signed = sign(
        vector_credential(),
        private_key=vector_key(),
        verification_method=VECTOR_METHOD,
        created=VECTOR_CREATED,
    )

    assert signed["proof"] == {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2010-01-01T19:23:24Z",
        "verificationMethod": VECTOR_METHOD,
        "proofPurpose": "assertionMethod",
        "proofValue": VECTOR_PROOF_VALUE,
    }
    assert {k: v for k, v in signed.items() if k != "proof"} == vector_credential()


def test_the_vector_key_is_1edtechs_multikey():
    assert public_key_multibase(vector_key().public_key()) == (
        "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    )


def test_the_published_vector_verifies():
    signed = {
        **vector_credential(),
        "proof": {
            "type": "DataIntegrityProof",
            "created": "2010-01-01T19:23:24Z",
            "verificationMethod": VECTOR_METHOD,
            "cryptosuite": "eddsa-rdfc-2022",
            "proofPurpose": "assertionMethod",
            "proofValue": VECTOR_PROOF_VALUE,
        },
    }

    result = verify(
        signed, resolve_key=resolver_for(vector_key(), "https://example.edu/issuers/565049")
    )

    assert result.verified is True
    assert result.failed_step is None
    assert result.verification_method == VECTOR_METHOD


# --- Round trip and tampering ---------------------------------------------------------------


def test_a_signed_credential_verifies():
    result = verify(signed_credential(), resolve_key=resolver_for(vector_key(), ISSUER))

    assert result.verified is True
    assert result.reason.startswith(f"Signed by {ISSUER}")


def test_signing_defaults_created_to_now_to_the_second(time_machine):
    time_machine.move_to(datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC))

    assert signed_credential()["proof"]["created"] == "2026-03-04T05:06:07Z"


def _paths(value, prefix=()):
    """Every leaf of a JSON document, as a path of keys and indexes."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))
    else:
        yield prefix


def _tampered(path, value):
    if "type" in path:
        # Another defined type: an undefined one fails earlier, as canonicalization (below).
        return "Evidence"
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if value.startswith(("http", "did:", "urn:")):
        return value + "x"
    if value.endswith("Z") and value[:4].isdigit():
        return value.replace("2", "3", 1)
    return value + "."


LEAVES = [
    path
    for path in _paths(credential())
    # Changing a context is its own failure (below); the rest must break the signature.
    if path[0] != "@context"
]


@pytest.mark.parametrize("path", LEAVES, ids=lambda path: ".".join(map(str, path)))
def test_changing_any_one_field_fails_as_signature_invalid(path):
    signed = signed_credential()
    tampered = copy.deepcopy(signed)
    holder = tampered
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = _tampered(path, holder[path[-1]])
    assert tampered != signed

    result = verify(tampered, resolve_key=resolver_for(vector_key(), tampered_issuer(tampered)))

    assert result.verified is False
    if "type" in path and result.failed_step == FailedStep.CANONICALIZATION:
        # Another type brings other type-scoped terms: the object's own properties become
        # undefined, which safe mode refuses before any signature is checked.
        assert "No context defines" in result.reason
    else:
        assert result.failed_step == FailedStep.SIGNATURE_INVALID
        assert "changed after it was signed" in result.reason


def tampered_issuer(document):
    # The issuer check runs before the signature; keep the resolver's controller in step so
    # that a changed issuer id is caught by the signature, as every other field is.
    return document["issuer"]["id"]


@pytest.mark.parametrize(
    "field", ["created", "verificationMethod"], ids=["created", "verificationMethod"]
)
def test_changing_the_proof_configuration_fails_as_signature_invalid(field):
    signed = signed_credential()
    signed["proof"][field] = (
        signed["proof"][field].replace("Z", "z", 1)
        if field == "created"
        else signed["proof"][field] + "x"
    )

    result = verify(signed, resolve_key=resolver_for(vector_key(), ISSUER))

    assert result.failed_step == FailedStep.SIGNATURE_INVALID


def test_adding_a_property_no_context_defines_fails_canonicalization():
    signed = signed_credential()
    signed["credentialSubject"]["favouriteColour"] = "green"

    result = verify(signed, resolve_key=resolver_for(vector_key(), ISSUER))

    assert result.failed_step == FailedStep.CANONICALIZATION
    assert "favouriteColour" in result.reason


def test_a_context_that_is_not_bundled_fails_as_unknown_context_without_a_fetch():
    signed = signed_credential()
    signed["@context"].append("https://contexts.example.org/extra/v1")

    result = verify(signed, resolve_key=resolver_for(vector_key(), ISSUER))

    assert result.failed_step == FailedStep.UNKNOWN_CONTEXT
    assert "https://contexts.example.org/extra/v1" in result.reason


def test_another_key_fails_as_signature_invalid():
    result = verify(
        signed_credential(), resolve_key=resolver_for(Ed25519PrivateKey.generate(), ISSUER)
    )

    assert result.failed_step == FailedStep.SIGNATURE_INVALID


def test_an_unresolvable_key_fails_as_key_not_found():
    result = verify(signed_credential(), resolve_key=lambda method: None)

    assert result.verified is False
    assert result.failed_step == FailedStep.KEY_NOT_FOUND
    assert "could not be resolved" in result.reason
    assert result.verification_method == signed_credential()["proof"]["verificationMethod"]


def test_a_key_not_listed_for_assertions_fails_its_purpose():
    result = verify(
        signed_credential(),
        resolve_key=resolver_for(vector_key(), ISSUER, is_assertion_method=False),
    )

    assert result.failed_step == FailedStep.KEY_PURPOSE


def test_a_key_controlled_by_someone_other_than_the_issuer_fails_its_purpose():
    result = verify(
        signed_credential(), resolve_key=resolver_for(vector_key(), "did:web:elsewhere.example")
    )

    assert result.failed_step == FailedStep.KEY_PURPOSE
    assert "not by the issuer" in result.reason


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("proof"), "The document has no proof."),
        (lambda d: d.update(proof=[]), "The document has no proof."),
        (lambda d: d.update(proof="z123"), "The proof is not an object."),
        (lambda d: d["proof"].pop("verificationMethod"), "The proof names no verificationMethod."),
        (lambda d: d["proof"].update(cryptosuite="ecdsa-rdfc-2019"), "Only DataIntegrityProof"),
        (
            lambda d: d["proof"].update(proofPurpose="authentication"),
            "purpose is not assertionMethod",
        ),
        (lambda d: d["proof"].update(proofValue="u" + "A" * 86), "not multibase base58btc"),
        (lambda d: d["proof"].update(proofValue="z0OIl"), "not multibase base58btc"),
    ],
)
def test_a_malformed_proof_fails_the_proof_step_with_a_reason(change, expected):
    signed = signed_credential()
    change(signed)

    result = verify(signed, resolve_key=resolver_for(vector_key(), ISSUER))

    assert result.verified is False
    assert result.failed_step == FailedStep.PROOF
    assert expected in result.reason


def test_one_valid_proof_among_several_is_enough():
    signed = signed_credential()
    forged = {
        **signed["proof"],
        "proofValue": signed_credential(Ed25519PrivateKey.generate())["proof"]["proofValue"],
    }
    signed["proof"] = [forged, signed["proof"]]

    assert verify(signed, resolve_key=resolver_for(vector_key(), ISSUER)).verified is True
    signed["proof"] = [forged]
    assert verify(signed, resolve_key=resolver_for(vector_key(), ISSUER)).failed_step == (
        FailedStep.SIGNATURE_INVALID
    )


# --- What sign refuses, and what it cleans ------------------------------------------------


def test_sign_refuses_a_document_that_has_a_proof_or_no_context():
    with pytest.raises(ProofError, match="already has a proof"):
        sign(signed_credential(), private_key=vector_key(), verification_method=VECTOR_METHOD)
    without_context = {k: v for k, v in credential().items() if k != "@context"}
    with pytest.raises(ProofError, match="no @context"):
        sign(without_context, private_key=vector_key(), verification_method=VECTOR_METHOD)


def test_sign_refuses_a_property_no_context_defines_rather_than_leave_it_unsigned():
    document = credential()
    document["credentialSubject"]["favouriteColour"] = "green"

    with pytest.raises(UndefinedTermError, match="favouriteColour"):
        sign(document, private_key=vector_key(), verification_method=VECTOR_METHOD)


def test_sign_refuses_a_type_that_only_a_missing_context_would_define():
    document = credential()
    document["@context"].remove("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json")

    with pytest.raises(UndefinedTermError, match="1EdTechJsonSchemaValidator2019"):
        sign(document, private_key=vector_key(), verification_method=VECTOR_METHOD)


def test_sign_refuses_an_unknown_context_naming_it():
    document = credential()
    document["@context"].append("https://contexts.example.org/extra/v1")

    with pytest.raises(CanonicalizationError) as raised:
        sign(document, private_key=vector_key(), verification_method=VECTOR_METHOD)

    assert raised.value.unknown_context == "https://contexts.example.org/extra/v1"


def test_signing_strips_c0_control_characters_but_keeps_tab_newline_and_return():
    document = credential()
    document["name"] = "Form\x0cfeed\x00 bell\x07 del\x7f tab\t lf\n cr\r"

    signed = sign(document, private_key=vector_key(), verification_method=VECTOR_METHOD)

    assert signed["name"] == "Formfeed bell del tab\t lf\n cr\r"
    assert document["name"].startswith("Form\x0c")  # the caller's document is left alone
    assert verify(signed, resolve_key=resolver_for(vector_key(), ISSUER)).verified is True


def test_strip_control_characters_reaches_keys_lists_and_nested_objects():
    cleaned = strip_control_characters({"a\x01": ["x\x1fy", {"b": "c\x0bd"}, 3, None, True]})

    assert cleaned == {"a": ["xy", {"b": "cd"}, 3, None, True]}


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("@context", 5, "@context must be an object"),
        ("@context", [[1]], "@context must be an object"),
        ("@context", "not a url", "invalid relative IRI 'not a url'"),
        ("@context", {"@vocab": 3}, '"@vocab" in a @context must be a string'),
        ("credentialSubject", {"@id": 5}, '"@id" value must be a string'),
        ("name", "lone \ud800 surrogate", "not valid Unicode"),
    ],
)
def test_malformed_json_ld_fails_canonicalization_with_a_reason_never_an_exception(
    field, value, expected
):
    signed = signed_credential()
    signed[field] = value

    result = verify(signed, resolve_key=resolver_for(vector_key(), ISSUER))

    assert result.verified is False
    assert result.failed_step == FailedStep.CANONICALIZATION
    assert expected in result.reason
