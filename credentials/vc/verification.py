"""Verify a credential document step by step, as an employer's verifier does.

    result = verify_credential_text(pasted_or_uploaded_text)
    result.verdict            # Verdict.VALID, TAMPERED, EXPIRED, REVOKED, UNSIGNED, ...
    for step in result.steps: # in order: what was checked, passed / failed / not checked, why
        print(step.title, step.result, step.explanation)

The steps (standards digest §1.4), each reported whatever the others found, except where a
step cannot mean anything without an earlier one (a proof is not checked on text that is not
JSON, nor on JSON-LD that has no canonical form):

1. JSON: the text parses, as one object, within VERIFY_MAX_BYTES, MAX_DEPTH and MAX_NODES.
2. JSON-LD: it expands, in safe mode, with the bundled contexts only (an unknown context is
   an error, never a fetch; a property no context defines would go unsigned, so it fails).
3. Schema: it is valid against 1EdTech's OB 3.0 AchievementCredential JSON Schema (bundled).
   A VC 1.1-shaped credential (2023's OB 3.0) is not checked: that schema is for VC 2.0.
4. Proof: eddsa-rdfc-2022 or Ed25519Signature2020 (proofs.verify), by a did:key anywhere or
   a did:web of this site, resolved from the database; a did:web elsewhere is never fetched,
   and the step says it cannot be resolved from here.
5. Status: the revocation bit in a status list of this site (status_list.check_status).
6. Dates: validFrom (issuanceDate) reached, validUntil (expirationDate) not passed.
7. Issuer: whether the issuer is one of this site's. Informative: a credential of another
   site can be valid; this says only whether its issuer is known here.

The verdict is the most serious thing found, in Verdict's order. Never raises for any input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from jsonschema import Draft201909Validator
from jsonschema.exceptions import best_match

from credentials.models import Issuer, SigningKey
from credentials.vc.baking import PNG_SIGNATURE, unbake_png, unbake_svg
from credentials.vc.canonical import CanonicalizationError, JsonValue, check_expands
from credentials.vc.contexts import VC_V1
from credentials.vc.identity import ISSUERS_PATH_SEGMENT, resolve_verification_method, site_did_web
from credentials.vc.proofs import FailedStep, verify
from credentials.vc.status_list import StatusOutcome, check_status

SCHEMA_FILE = (
    Path(__file__).resolve().parent / "schemas" / "ob_v3p0_achievementcredential_schema.json"
)
# Credentials nest a few levels (credential, subject, achievement, alignment, ...); deeper
# input is refused before pyld, whose recursion would otherwise hit Python's limit.
MAX_DEPTH = 32
# A credential has tens of objects and lists. This bounds the JSON-LD work one request can
# ask for: canonicalization grows faster than linearly with blank nodes (pyld takes about
# half a second for 800 of them, and minutes for 10,000).
MAX_NODES = 500
_LONE_SURROGATES = re.compile("[\ud800-\udfff]")
# How much of a schema error's text is shown (it can quote a whole oversized value).
MAX_MESSAGE_LENGTH = 300


class StepName(StrEnum):
    """The steps, in the order they run; stable values, for programs and templates."""

    JSON = "json"
    JSON_LD = "json_ld"
    SCHEMA = "schema"
    PROOF = "proof"
    STATUS = "status"
    DATES = "dates"
    ISSUER = "issuer"


STEP_TITLES = {
    StepName.JSON: "Readable JSON",
    StepName.JSON_LD: "JSON-LD",
    StepName.SCHEMA: "Open Badges 3.0 schema",
    StepName.PROOF: "Signature",
    StepName.STATUS: "Revocation",
    StepName.DATES: "Validity dates",
    StepName.ISSUER: "Issuer",
}


class StepResult(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not_checked"


class Verdict(StrEnum):
    """The outcome; where several apply, the first in this order is the verdict."""

    # The signature does not match (or is not the issuer's key): first, because a changed
    # credential may also have become malformed, and the change is what matters.
    TAMPERED = "tampered"
    MALFORMED = "malformed"  # not JSON, not JSON-LD we can read, or not an OB 3.0 credential
    UNSIGNED = "unsigned"  # no proof at all
    UNVERIFIED = "unverified"  # the proof could not be checked here (e.g. a remote did:web)
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    VALID = "valid"


VERDICT_LABELS = {
    Verdict.TAMPERED: "Signature invalid",
    Verdict.MALFORMED: "Malformed",
    Verdict.UNSIGNED: "Unsigned",
    Verdict.UNVERIFIED: "Not verified",
    Verdict.REVOKED: "Revoked",
    Verdict.EXPIRED: "Expired",
    Verdict.NOT_YET_VALID: "Not yet valid",
    Verdict.VALID: "Valid",
}

VERDICT_SUMMARIES = {
    Verdict.MALFORMED: "This is not a credential that can be checked: see the step that failed.",
    Verdict.UNSIGNED: "It has no signature, so nothing shows who issued it or that it is "
    "unchanged.",
    Verdict.TAMPERED: "Signature invalid: it was changed after it was signed, or it was not "
    "signed by its issuer.",
    Verdict.UNVERIFIED: "Its signature could not be checked here, so it is not verified.",
    Verdict.REVOKED: "The signature is genuine, but the issuer has revoked it.",
    Verdict.EXPIRED: "The signature is genuine, but it has expired.",
    Verdict.NOT_YET_VALID: "The signature is genuine, but it is not valid yet.",
    Verdict.VALID: "Genuine, unchanged since it was signed, and current.",
}


@dataclass(frozen=True)
class Step:
    name: StepName
    result: StepResult
    # For people: what was checked and what was found, in plain words.
    explanation: str
    # The verdict this step alone calls for, if it found something wrong.
    verdict: Verdict | None = None

    @property
    def title(self) -> str:
        return STEP_TITLES[self.name]


@dataclass(frozen=True)
class CredentialVerification:
    verdict: Verdict
    steps: tuple[Step, ...]
    checked_at: datetime
    # The verification method of a proof that verified, for the record.
    verification_method: str | None = None

    @property
    def is_valid(self) -> bool:
        return self.verdict is Verdict.VALID

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    @property
    def summary(self) -> str:
        return VERDICT_SUMMARIES[self.verdict]

    def as_json(self) -> dict[str, JsonValue]:
        """The result as the API answers it; stable keys."""
        return {
            "verdict": str(self.verdict),
            "verdict_label": self.label,
            "summary": self.summary,
            "checked_at": self.checked_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "steps": [
                {
                    "name": str(step.name),
                    "title": step.title,
                    "result": str(step.result),
                    "explanation": step.explanation,
                }
                for step in self.steps
            ],
        }


@dataclass
class _Run:
    """The steps found so far, and the document once there is one."""

    now: datetime
    steps: list[Step] = field(default_factory=list)
    verification_method: str | None = None

    def add(
        self, name: StepName, result: StepResult, explanation: str, verdict: Verdict | None = None
    ) -> None:
        # Explanations quote the input (a context's URL, an issuer's id), and JSON's "\ud800"
        # escapes make lone surrogates, which no page or JSON answer can encode as UTF-8.
        readable = _LONE_SURROGATES.sub("\ufffd", explanation)
        self.steps.append(Step(name, result, readable, verdict))

    def skip_rest(self, reason: str) -> None:
        done = {step.name for step in self.steps}
        for name in StepName:
            if name not in done:
                self.add(name, StepResult.NOT_CHECKED, reason)

    def finish(self) -> CredentialVerification:
        found = {step.verdict for step in self.steps if step.verdict is not None}
        verdict = next((verdict for verdict in Verdict if verdict in found), Verdict.VALID)
        return CredentialVerification(
            verdict=verdict,
            steps=tuple(self.steps),
            checked_at=self.now,
            verification_method=self.verification_method if verdict is Verdict.VALID else None,
        )


def max_input_bytes() -> int:
    return int(settings.VERIFY_MAX_BYTES)


def describe_size(size: int) -> str:
    """A byte count for people: 1 MB, 1.2 MB, 250 KB."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, size // 1000)} KB"


def verify_credential_text(
    text: str | bytes, *, now: datetime | None = None
) -> CredentialVerification:
    """Every step for a credential given as JSON text (pasted, uploaded, or stored)."""
    run = _Run(now=now or timezone.now())
    document = _parse(text, run)
    if document is None:
        run.skip_rest("Not checked: there is no credential to check without readable JSON.")
        return run.finish()
    return _verify_document(document, run)


def verify_credential_document(
    document: Mapping[str, Any], *, now: datetime | None = None
) -> CredentialVerification:
    """Every step for a credential already parsed (its JSON step passes by construction)."""
    run = _Run(now=now or timezone.now())
    run.add(StepName.JSON, StepResult.PASSED, "The credential is a JSON object.")
    return _verify_document(document, run)


def credential_from_file(data: bytes) -> str | bytes:
    """The credential an uploaded file holds: a JSON file as it is, or what a baked badge
    image (PNG or SVG, Open Badges 3.0 baking) carries.

    Raises baking.BakingError (NotBakedError for an image that carries no credential) with
    a message for the person who sent it.
    """
    if data.startswith(PNG_SIGNATURE):
        return unbake_png(data)
    # JSON never starts with "<"; an SVG (or any XML) does, after an optional BOM and space.
    if data.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        return unbake_svg(data)
    return data


# --- 1. JSON ----------------------------------------------------------------------------------


def _parse(text: str | bytes, run: _Run) -> dict[str, Any] | None:
    limit = max_input_bytes()
    size = len(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    if size > limit:
        run.add(
            StepName.JSON,
            StepResult.FAILED,
            f"The credential is {describe_size(size)}; this verifier reads up to "
            f"{describe_size(limit)}.",
            Verdict.MALFORMED,
        )
        return None
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            run.add(
                StepName.JSON,
                StepResult.FAILED,
                "The file is not UTF-8 text, so it is not a JSON credential.",
                Verdict.MALFORMED,
            )
            return None
    try:
        document = json.loads(text.removeprefix("\ufeff"), parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        run.add(
            StepName.JSON,
            StepResult.FAILED,
            f"This is not JSON: {error.msg} at line {error.lineno}, column {error.colno}.",
            Verdict.MALFORMED,
        )
        return None
    except ValueError as error:  # NaN or Infinity, or an integer too long to read
        run.add(StepName.JSON, StepResult.FAILED, f"This is not JSON: {error}", Verdict.MALFORMED)
        return None
    except RecursionError:
        document = None  # nested too deeply for the parser
    problem = _too_complex(document) if document is not None else _TOO_DEEP
    if problem is not None:
        run.add(StepName.JSON, StepResult.FAILED, problem, Verdict.MALFORMED)
        return None
    if not isinstance(document, dict):
        run.add(
            StepName.JSON,
            StepResult.FAILED,
            f"The JSON is {_json_kind(document)}, not an object: a credential is one object "
            "({ … }).",
            Verdict.MALFORMED,
        )
        return None
    run.add(StepName.JSON, StepResult.PASSED, "The credential is a JSON object.")
    return document


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number.")


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return "a constant"
    return "a number"


_TOO_DEEP = f"The JSON is nested more than {MAX_DEPTH} levels deep; no credential is."
_TOO_BIG = (
    f"The JSON holds more than {MAX_NODES} objects and lists; a credential holds tens, so "
    "this verifier reads no more."
)


def _too_complex(value: object) -> str | None:
    """Why `value` is too deep or too large to read as a credential, or None; iterative."""
    pending: list[tuple[object, int]] = [(value, 1)]
    nodes = 0
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        nodes += 1
        if depth > MAX_DEPTH:
            return _TOO_DEEP
        if nodes > MAX_NODES:
            return _TOO_BIG
        pending.extend((child, depth + 1) for child in children)
    return None


# --- 2 to 7 -----------------------------------------------------------------------------------


def _verify_document(document: Mapping[str, Any], run: _Run) -> CredentialVerification:
    problem = _too_complex(document)
    if problem is not None:
        run.add(StepName.JSON_LD, StepResult.FAILED, problem, Verdict.MALFORMED)
        run.skip_rest("Not checked: the document is too large or too deep to read.")
        return run.finish()
    is_json_ld = _check_json_ld(document, run)
    _check_schema(document, run)
    _check_proof(document, run, is_json_ld=is_json_ld)
    _check_status(document, run)
    _check_dates(document, run)
    _check_issuer(document, run)
    return run.finish()


def _check_json_ld(document: Mapping[str, Any], run: _Run) -> bool:
    if "@context" not in document:
        run.add(
            StepName.JSON_LD,
            StepResult.FAILED,
            "It has no @context, so it is not JSON-LD, and not a verifiable credential.",
            Verdict.MALFORMED,
        )
        return False
    try:
        check_expands(document)
    except CanonicalizationError as error:
        if error.unknown_context:
            explanation = (
                f"It uses the context {error.unknown_context}, which is not one this verifier "
                "has; contexts are never fetched from other sites, so it cannot be read here."
            )
        else:
            explanation = error.reason
        run.add(StepName.JSON_LD, StepResult.FAILED, explanation, Verdict.MALFORMED)
        return False
    # pyld recurses over the document; _too_deep keeps it well inside Python's limit, but a
    # pathological shape must still be a clear failure, not an error page.
    except RecursionError:
        run.add(
            StepName.JSON_LD,
            StepResult.FAILED,
            "The document is too deeply nested to read as JSON-LD.",
            Verdict.MALFORMED,
        )
        return False
    run.add(
        StepName.JSON_LD,
        StepResult.PASSED,
        "Every property is defined by one of its contexts, all of which this verifier knows.",
    )
    return True


@lru_cache(maxsize=1)
def _schema_validator() -> Any:  # jsonschema is untyped (ignore_missing_imports)
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return Draft201909Validator(schema)


def _check_schema(document: Mapping[str, Any], run: _Run) -> None:
    contexts = document.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    if first == VC_V1:
        run.add(
            StepName.SCHEMA,
            StepResult.NOT_CHECKED,
            "It is a VC 1.1-shaped credential (Open Badges 3.0 as first published); the "
            "schema bundled here is for the VC 2.0 shape, so it was not checked against it.",
        )
        return
    error = best_match(_schema_validator().iter_errors(document))
    if error is None:
        run.add(
            StepName.SCHEMA,
            StepResult.PASSED,
            "It has the shape of an Open Badges 3.0 AchievementCredential (1EdTech's schema).",
        )
        return
    where = "/".join(str(part) for part in error.absolute_path) or "the top level"
    message = error.message
    if len(message) > MAX_MESSAGE_LENGTH:
        message = message[:MAX_MESSAGE_LENGTH] + "…"
    run.add(
        StepName.SCHEMA,
        StepResult.FAILED,
        f"It is not an Open Badges 3.0 AchievementCredential: at {where}, {message}",
        Verdict.MALFORMED,
    )


_DID_WEB = re.compile(r"^did:web:(?P<host>[^:#]+)")


def _remote_did_web(method: str) -> str | None:
    """The host of a did:web that is not this site's, or None."""
    match = _DID_WEB.match(method)
    if match is None:
        return None
    ours = _DID_WEB.match(site_did_web())
    host = unquote(match["host"]).lower()
    if ours is not None and host == unquote(ours["host"]).lower():
        return None
    return host


def _check_proof(document: Mapping[str, Any], run: _Run, *, is_json_ld: bool) -> None:
    proofs = document.get("proof")
    if proofs is None or proofs == []:
        run.add(
            StepName.PROOF,
            StepResult.FAILED,
            "It has no proof: it is unsigned, so nothing shows who issued it or that it is "
            "unchanged.",
            Verdict.UNSIGNED,
        )
        return
    if not is_json_ld:
        run.add(
            StepName.PROOF,
            StepResult.NOT_CHECKED,
            "Not checked: a signature covers the JSON-LD's canonical form, which a document "
            "that fails the JSON-LD step does not have.",
        )
        return
    # proofs.verify resolves keys only from did:key and this site's database: nothing is
    # fetched. A did:web elsewhere comes back as KEY_NOT_FOUND, said plainly below.
    result = verify(document, resolve_key=resolve_verification_method)
    method = result.verification_method or ""
    if result.verified:
        run.verification_method = method
        run.add(
            StepName.PROOF,
            StepResult.PASSED,
            f"The signature matches: signed with {method}, and unchanged since.",
        )
    elif result.failed_step in (FailedStep.SIGNATURE_INVALID, FailedStep.KEY_PURPOSE):
        run.add(
            StepName.PROOF,
            StepResult.FAILED,
            f"Signature invalid. {result.reason}",
            Verdict.TAMPERED,
        )
    elif result.failed_step is FailedStep.KEY_NOT_FOUND and (host := _remote_did_web(method)):
        run.add(
            StepName.PROOF,
            StepResult.NOT_CHECKED,
            f"The signing key {method} is a did:web of {host}, which cannot be resolved from "
            "here: this site fetches nothing from other sites, so the signature was not "
            f"checked. Check it with a verifier that may fetch {host}'s DID document.",
            Verdict.UNVERIFIED,
        )
    elif result.failed_step is FailedStep.KEY_NOT_FOUND:
        run.add(
            StepName.PROOF,
            StepResult.FAILED,
            f"{result.reason} Only did:key and this site's own did:web keys are resolved here.",
            Verdict.UNVERIFIED,
        )
    elif result.failed_step in (FailedStep.UNKNOWN_CONTEXT, FailedStep.CANONICALIZATION):
        run.add(StepName.PROOF, StepResult.FAILED, result.reason, Verdict.MALFORMED)
    else:
        run.add(StepName.PROOF, StepResult.FAILED, result.reason, Verdict.UNVERIFIED)


def _check_status(document: Mapping[str, Any], run: _Run) -> None:
    status = check_status(document)
    if status.outcome is StatusOutcome.NOT_REVOKED:
        run.add(StepName.STATUS, StepResult.PASSED, f"Not revoked: {status.reason}")
    elif status.outcome is StatusOutcome.REVOKED:
        run.add(
            StepName.STATUS,
            StepResult.FAILED,
            f"Revoked: its bit is set in {status.status_list_credential}. {status.reason}",
            Verdict.REVOKED,
        )
    elif status.outcome is StatusOutcome.INVALID:
        run.add(StepName.STATUS, StepResult.FAILED, status.reason, Verdict.UNVERIFIED)
    else:
        run.add(StepName.STATUS, StepResult.NOT_CHECKED, status.reason)


def _parse_date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # An XML Schema dateTime without an offset: read as UTC, as the VC data model suggests.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _show(moment: datetime) -> str:
    return date_format(moment.astimezone(UTC), "j F Y, H:i") + " UTC"


def _check_dates(document: Mapping[str, Any], run: _Run) -> None:
    start_name = "validFrom" if "validFrom" in document else "issuanceDate"
    end_name = "validUntil" if "validUntil" in document else "expirationDate"
    start = _parse_date(document.get(start_name))
    if start is None:
        run.add(
            StepName.DATES,
            StepResult.FAILED,
            "It has no readable validFrom (or issuanceDate): a credential says when it "
            "becomes valid, as a date and time such as 2026-01-15T10:00:00Z.",
            Verdict.MALFORMED,
        )
        return
    end = None
    if end_name in document:
        end = _parse_date(document[end_name])
        if end is None:
            run.add(
                StepName.DATES,
                StepResult.FAILED,
                f"Its {end_name} is not a date and time such as 2026-01-15T10:00:00Z.",
                Verdict.MALFORMED,
            )
            return
    if start > run.now:
        run.add(
            StepName.DATES,
            StepResult.FAILED,
            f"Not valid yet: it is valid from {_show(start)}.",
            Verdict.NOT_YET_VALID,
        )
    elif end is not None and end <= run.now:
        run.add(
            StepName.DATES,
            StepResult.FAILED,
            f"Expired: it was valid until {_show(end)}.",
            Verdict.EXPIRED,
        )
    elif end is not None:
        run.add(
            StepName.DATES,
            StepResult.PASSED,
            f"Valid from {_show(start)} until {_show(end)}.",
        )
    else:
        run.add(
            StepName.DATES,
            StepResult.PASSED,
            f"Valid from {_show(start)}; it does not expire.",
        )


def _issuer_id(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def known_issuer(issuer_id: str) -> Issuer | None:
    """The issuer of this site that `issuer_id` (its did:web, or a did:key of its keys) names."""
    site = site_did_web()
    prefix = f"{site}:{ISSUERS_PATH_SEGMENT}:"
    if issuer_id.startswith(prefix):
        return Issuer.objects.filter(slug=issuer_id.removeprefix(prefix)).first()
    if issuer_id.startswith("did:key:"):
        key = (
            SigningKey.objects.select_related("issuer")
            .filter(public_key_multibase=issuer_id.removeprefix("did:key:"))
            .first()
        )
        return key.issuer if key is not None else None
    return None


def _check_issuer(document: Mapping[str, Any], run: _Run) -> None:
    issuer_id = _issuer_id(document)
    if issuer_id is None:
        run.add(
            StepName.ISSUER,
            StepResult.FAILED,
            "It names no issuer (an issuer with an id).",
            Verdict.MALFORMED,
        )
        return
    issuer = known_issuer(issuer_id)
    if issuer is not None:
        run.add(
            StepName.ISSUER,
            StepResult.PASSED,
            f"{issuer.name} ({issuer_id}) issues credentials on {settings.SITE_NAME}.",
        )
    elif issuer_id == site_did_web():
        run.add(StepName.ISSUER, StepResult.PASSED, f"It was issued by {settings.SITE_NAME}.")
    else:
        host = urlsplit(issuer_id).hostname if "://" in issuer_id else None
        where = f" (on {host})" if host else ""
        run.add(
            StepName.ISSUER,
            StepResult.NOT_CHECKED,
            f"The issuer {issuer_id}{where} is not one of {settings.SITE_NAME}'s issuers; "
            "who they are is for you to judge. A valid signature shows only that whoever "
            "holds that key issued it.",
        )
