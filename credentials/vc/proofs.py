"""Data Integrity proofs with the eddsa-rdfc-2022 cryptosuite (W3C VC-DI-EdDSA 1.0, §3.3).

`verify` also accepts the legacy Ed25519Signature2020 proofs that wallets and issuers made
before eddsa-rdfc-2022 (LEGACY_PROOF_TYPE); `sign` only ever makes eddsa-rdfc-2022.

    signed = sign(document, private_key=key, verification_method="did:web:…#key-1")
    result = verify(signed, resolve_key=resolve_verification_method)
    if not result.verified: print(result.failed_step, result.reason)

Signing (standards digest §6.1): the proof configuration (the proof without proofValue, with
the document's @context) and the document without its proof are each canonicalized (RDFC-1.0)
and hashed with SHA-256; the Ed25519 signature over hash(proof config) ‖ hash(document) is
the proofValue, multibase base58btc. `sign` first removes C0 control characters (other than
tab, newline and carriage return) from every string of the document (canonical.py says why),
so what it returns, and what must be stored and handed out, is the cleaned document.

Verification checks, in order, and stops at the first failure, which it names (FailedStep):
the proof's shape and suite, the verification method (resolved by the caller's resolver:
dids.resolve_verification_method for our own DIDs and any did:key), that it may make
assertions for its controller and that the controller is the credential's issuer (1EdTech's
verifier demands both), the canonical forms (an unknown context, or a property no context
defines, fails here), and the signature.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.utils import timezone

from credentials.vc.canonical import (
    CanonicalizationError,
    JsonValue,
    UndefinedTermError,
    canonicalize,
    strip_control_characters,
)
from credentials.vc.multibase import MultibaseError, decode_base58btc, encode_base58btc

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
# The legacy suite (W3C CCG Ed25519Signature2020, context ed25519-2020/v1): verified, never
# used to sign. It hashes exactly as eddsa-rdfc-2022 does (jsonld-signatures'
# LinkedDataSignature: canonical proof options with the document's @context, then the
# document, both URDNA2015 and SHA-256); only the proof's shape differs (no cryptosuite).
LEGACY_PROOF_TYPE = "Ed25519Signature2020"
PROOF_PURPOSE = "assertionMethod"
ED25519_SIGNATURE_LENGTH = 64


class ProofError(ValueError):
    """A document that cannot be signed as asked (it has a proof already, or no @context)."""


@dataclass(frozen=True)
class ResolvedKey:
    """What a resolver found for a verification method id."""

    public_key: Ed25519PublicKey
    # The DID (or URL) that controls the key: the issuer it may sign for.
    controller: str
    # The controller's document lists the method under assertionMethod (did:key always does).
    is_assertion_method: bool


type KeyResolver = Callable[[str], ResolvedKey | None]


class FailedStep(StrEnum):
    """The verification step that failed; stable values, for programs and templates."""

    PROOF = "proof"  # no proof, or not an eddsa-rdfc-2022 (or Ed25519Signature2020) assertion
    UNKNOWN_CONTEXT = "unknown_context"  # a context that is not bundled (never fetched)
    CANONICALIZATION = "canonicalization"  # not JSON-LD we can canonicalize, or undefined terms
    KEY_NOT_FOUND = "key_not_found"  # the verification method did not resolve to a key
    KEY_PURPOSE = "key_purpose"  # the key may not make assertions for the issuer
    SIGNATURE_INVALID = "signature_invalid"  # the document or proof changed, or another key


@dataclass(frozen=True)
class VerificationResult:
    verified: bool
    # None when verified.
    failed_step: FailedStep | None
    # For people: what failed and why, or what was checked.
    reason: str
    verification_method: str | None = None

    @classmethod
    def failure(
        cls, step: FailedStep, reason: str, verification_method: str | None = None
    ) -> VerificationResult:
        return cls(False, step, reason, verification_method)


def format_created(moment: datetime) -> str:
    """An XML Schema dateTime in UTC, to the second, as proofs and credentials write them."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hash_data(proof_config: Mapping[str, JsonValue], document: Mapping[str, JsonValue]) -> bytes:
    proof_hash = hashlib.sha256(canonicalize(proof_config).encode("utf-8")).digest()
    document_hash = hashlib.sha256(canonicalize(document).encode("utf-8")).digest()
    # The proof configuration's hash comes first (VC-DI-EdDSA §3.3.4).
    return proof_hash + document_hash


def sign(
    document: Mapping[str, JsonValue],
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime | None = None,
) -> dict[str, JsonValue]:
    """The document, cleaned of control characters, with an eddsa-rdfc-2022 `proof`.

    Raises ProofError for a document that already has a proof or has no @context, and
    CanonicalizationError (UndefinedTermError, or with `unknown_context`) for one whose
    JSON-LD is not fully defined by the bundled contexts: nothing is signed that a verifier
    would read differently.
    """
    if "proof" in document:
        raise ProofError("The document already has a proof.")
    if "@context" not in document:
        raise ProofError("The document has no @context.")
    cleaned = strip_control_characters(document)
    assert isinstance(cleaned, dict)  # noqa: S101  # a Mapping in, a dict out
    proof: dict[str, JsonValue] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": format_created(created or timezone.now()),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    signature = private_key.sign(_hash_data({"@context": cleaned["@context"], **proof}, cleaned))
    return {**cleaned, "proof": {**proof, "proofValue": encode_base58btc(signature)}}


def _issuer_id(document: Mapping[str, JsonValue]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, Mapping) and isinstance(issuer.get("id"), str):
        return str(issuer["id"])
    return None


def verify(document: Mapping[str, JsonValue], *, resolve_key: KeyResolver) -> VerificationResult:
    """Check the document's eddsa-rdfc-2022 proof; the result names the step that failed.

    A document with several proofs verifies when any one of them does (OB 3.0 §8.2); the
    result is then that proof's, or else the first proof's failure. Never raises for bad
    input: a malformed document is a failed PROOF or CANONICALIZATION step.
    """
    proofs = document.get("proof")
    if proofs is None:
        return VerificationResult.failure(FailedStep.PROOF, "The document has no proof.")
    candidates = proofs if isinstance(proofs, list) else [proofs]
    if not candidates:
        return VerificationResult.failure(FailedStep.PROOF, "The document has no proof.")
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    results = [_verify_one(unsecured, proof, resolve_key) for proof in candidates]
    return next((result for result in results if result.verified), results[0])


def _verify_one(
    unsecured: Mapping[str, JsonValue], proof: JsonValue, resolve_key: KeyResolver
) -> VerificationResult:
    if not isinstance(proof, Mapping):
        return VerificationResult.failure(FailedStep.PROOF, "The proof is not an object.")
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        return VerificationResult.failure(
            FailedStep.PROOF, "The proof names no verificationMethod."
        )
    is_data_integrity = proof.get("type") == PROOF_TYPE and proof.get("cryptosuite") == CRYPTOSUITE
    if not is_data_integrity and proof.get("type") != LEGACY_PROOF_TYPE:
        return VerificationResult.failure(
            FailedStep.PROOF,
            f"Only {PROOF_TYPE} proofs with the {CRYPTOSUITE} cryptosuite, and "
            f"{LEGACY_PROOF_TYPE} proofs, are checked here.",
            method,
        )
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        return VerificationResult.failure(
            FailedStep.PROOF, f"The proof's purpose is not {PROOF_PURPOSE}.", method
        )
    proof_value = proof.get("proofValue")
    try:
        signature = decode_base58btc(proof_value if isinstance(proof_value, str) else "")
    except MultibaseError as error:
        return VerificationResult.failure(
            FailedStep.PROOF, f"The proofValue is not multibase base58btc: {error}", method
        )
    if len(signature) != ED25519_SIGNATURE_LENGTH:
        return VerificationResult.failure(
            FailedStep.SIGNATURE_INVALID, "The proofValue is not an Ed25519 signature.", method
        )
    if "@context" not in unsecured:
        return VerificationResult.failure(
            FailedStep.CANONICALIZATION, "The document has no @context.", method
        )

    key = resolve_key(method)
    if key is None:
        return VerificationResult.failure(
            FailedStep.KEY_NOT_FOUND,
            f"The verification method {method} could not be resolved to a public key here.",
            method,
        )
    if not key.is_assertion_method:
        return VerificationResult.failure(
            FailedStep.KEY_PURPOSE,
            f"{method} is not listed under its controller's assertionMethod.",
            method,
        )
    issuer = _issuer_id(unsecured)
    if issuer is not None and issuer != key.controller:
        return VerificationResult.failure(
            FailedStep.KEY_PURPOSE,
            f"The key is controlled by {key.controller}, not by the issuer {issuer}.",
            method,
        )

    proof_config = {"@context": unsecured["@context"]} | {
        name: value for name, value in proof.items() if name != "proofValue"
    }
    try:
        hash_data = _hash_data(proof_config, unsecured)
    except UndefinedTermError as error:
        return VerificationResult.failure(FailedStep.CANONICALIZATION, error.reason, method)
    except CanonicalizationError as error:
        step = FailedStep.UNKNOWN_CONTEXT if error.unknown_context else FailedStep.CANONICALIZATION
        return VerificationResult.failure(step, error.reason, method)
    try:
        key.public_key.verify(signature, hash_data)
    except InvalidSignature:
        return VerificationResult.failure(
            FailedStep.SIGNATURE_INVALID,
            "The signature does not match: the credential was changed after it was signed, "
            "or it was signed with another key.",
            method,
        )
    return VerificationResult(True, None, f"Signed by {key.controller} with {method}.", method)
