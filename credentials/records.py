"""What an issued credential records about how it was awarded: typed, with one codec.

`assessments` builds these records when it approves an application and hands them to
credentials.services.issue_credential, which stores them as JSON on IssuedCredential. The
receiving app owns the contract: a record is checked when it is made, and the codec below is
the only code that writes or reads that JSON, so what is read back is what was checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from portfolio.models import EvidenceItem


class InvalidCredentialRecord(ValueError):
    """A record that does not have the shape a credential stores: a programming error."""


_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _require_text(value: object, name: str) -> None:
    if not isinstance(value, str):
        raise InvalidCredentialRecord(f"{name} must be text, not {type(value).__name__}.")


def _require_filled(value: object, name: str) -> None:
    _require_text(value, name)
    if isinstance(value, str) and not value.strip():
        raise InvalidCredentialRecord(f"{name} must not be empty.")


def _require_identifier(value: object, name: str) -> None:
    # bool is an int to Python, never an identifier to us.
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidCredentialRecord(f"{name} must be a positive whole number, not {value!r}.")


@dataclass(frozen=True)
class EvidenceRecord:
    """One piece of evidence the credential was awarded on, frozen at submission."""

    # The frozen copy (assessments' SubmittedEvidence), not the learner's library item,
    # which may have changed or gone since.
    submitted_evidence_id: int
    title: str
    kind: str
    # Shown to nobody but the assessor and the learner: the public page cites the title and
    # kind only.
    description: str
    url: str
    # The item in the learner's library it was copied from, so the credential's page can link
    # to it while the learner shows it publicly. None when the item is gone, and for
    # credentials issued before this was recorded.
    library_item_id: int | None = None
    # Hex SHA-256 of the frozen file (portfolio.digests), None for evidence without a file
    # and for credentials issued before digests were recorded.
    sha256: str | None = None

    def __post_init__(self) -> None:
        _require_identifier(self.submitted_evidence_id, "submitted_evidence_id")
        _require_filled(self.title, "title")
        if self.kind not in EvidenceItem.Kind.values:
            raise InvalidCredentialRecord(
                f"kind must be one of {', '.join(EvidenceItem.Kind.values)}, not {self.kind!r}."
            )
        _require_text(self.description, "description")
        _require_text(self.url, "url")
        if self.library_item_id is not None:
            _require_identifier(self.library_item_id, "library_item_id")
        if self.sha256 is not None:
            _require_text(self.sha256, "sha256")
            if not _SHA256_HEX.fullmatch(self.sha256):
                raise InvalidCredentialRecord(
                    f"sha256 must be 64 lowercase hexadecimal digits, not {self.sha256!r}."
                )

    @property
    def kind_label(self) -> str:
        return str(EvidenceItem.Kind(self.kind).label)


@dataclass(frozen=True)
class RubricResultRecord:
    """The level an assessor placed the evidence at on one criterion of the rubric."""

    criterion: str
    level: str
    # None for a criterion without a pass mark.
    required_level: str | None
    # The assessor's note to the learner; never shown on the public page.
    comment: str

    def __post_init__(self) -> None:
        _require_filled(self.criterion, "criterion")
        _require_filled(self.level, "level")
        if self.required_level is not None:
            _require_filled(self.required_level, "required_level")
        _require_text(self.comment, "comment")


# --- The codec ------------------------------------------------------------------------
# The stored JSON is a list of objects, one per record, under these keys. The shape is the
# one credentials were issued with from the start, so every stored row reads as it is; keys
# added since ("library_item", "sha256") are optional, written only when there is something
# to say.

type JsonList = list[dict[str, object]]


def _dump_evidence_record(record: EvidenceRecord) -> dict[str, object]:
    entry: dict[str, object] = {
        "id": record.submitted_evidence_id,
        "title": record.title,
        "kind": record.kind,
        "description": record.description,
        "url": record.url,
    }
    if record.library_item_id is not None:
        entry["library_item"] = record.library_item_id
    if record.sha256 is not None:
        entry["sha256"] = record.sha256
    return entry


def dump_evidence(records: Sequence[EvidenceRecord]) -> JsonList:
    return [_dump_evidence_record(record) for record in records]


def dump_rubric_results(records: Sequence[RubricResultRecord]) -> JsonList:
    return [
        {
            "criterion": record.criterion,
            "level": record.level,
            "required_level": record.required_level,
            "comment": record.comment,
        }
        for record in records
    ]


_EVIDENCE_KEYS = frozenset({"id", "title", "kind", "description", "url"})
_EVIDENCE_OPTIONAL_KEYS = frozenset({"library_item", "sha256"})
_RESULT_KEYS = frozenset({"criterion", "level", "required_level", "comment"})


def _entries(
    data: object, keys: frozenset[str], what: str, optional: frozenset[str] = frozenset()
) -> list[Mapping[str, object]]:
    if not isinstance(data, list):
        raise InvalidCredentialRecord(f"{what} must be a list, not {type(data).__name__}.")
    entries: list[Mapping[str, object]] = []
    for position, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise InvalidCredentialRecord(
                f"{what}[{position}] must be an object, not {type(entry).__name__}."
            )
        if not keys <= set(entry) <= keys | optional:
            missing, unknown = sorted(keys - set(entry)), sorted(set(entry) - keys - optional)
            raise InvalidCredentialRecord(
                f"{what}[{position}] has the wrong keys (missing: {missing}, unknown: {unknown})."
            )
        entries.append(entry)
    return entries


def _loaded[T](what: str, position: int, make: Callable[..., T], **values: object) -> T:
    # The records check their own fields, so the JSON's values go in unchecked here.
    try:
        return make(**values)
    except InvalidCredentialRecord as error:
        raise InvalidCredentialRecord(f"{what}[{position}]: {error}") from None


def load_evidence(data: object) -> list[EvidenceRecord]:
    """The records stored as `data`; raises InvalidCredentialRecord naming what is wrong."""
    return [
        _loaded(
            "evidence_snapshot",
            position,
            EvidenceRecord,
            submitted_evidence_id=entry["id"],
            title=entry["title"],
            kind=entry["kind"],
            description=entry["description"],
            url=entry["url"],
            library_item_id=entry.get("library_item"),
            sha256=entry.get("sha256"),
        )
        for position, entry in enumerate(
            _entries(data, _EVIDENCE_KEYS, "evidence_snapshot", _EVIDENCE_OPTIONAL_KEYS)
        )
    ]


def load_rubric_results(data: object) -> list[RubricResultRecord]:
    """The records stored as `data`; raises InvalidCredentialRecord naming what is wrong."""
    return [
        _loaded(
            "rubric_results",
            position,
            RubricResultRecord,
            criterion=entry["criterion"],
            level=entry["level"],
            required_level=entry["required_level"],
            comment=entry["comment"],
        )
        for position, entry in enumerate(_entries(data, _RESULT_KEYS, "rubric_results"))
    ]
