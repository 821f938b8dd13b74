"""RDFC-1.0 canonical N-Quads of a JSON-LD document, with the bundled contexts only.

pyld implements the algorithm under its earlier name, URDNA2015; for the documents we sign the
output is byte-identical to RDFC-1.0 (1EdTech's Open Badges test vector is reproduced in
tests/credentials/test_vc_proofs.py). The one known difference is string escaping: pyld
escapes only backslash, tab, newline, carriage return and double quote, while RDFC-1.0 (and
the JavaScript verifiers) also escape the other C0 control characters. So everything we sign
first goes through `strip_control_characters` (proofs.sign does it), and those characters
never reach a canonical form we produce.

Speed: pyld already keeps each bundled context processed, but it processes the type- and
property-scoped contexts inside them (the OB 3.0 context has one per class) again for every
node of every document, because it keys that cache by a freshly cloned active context.
`_Processor` remembers the active context that processing a context yields, per (active
context, local context): the same input always gives the same output, and the output is never
changed afterwards, so a credential's contexts are processed once per process, not once per
node. That halves the time of a canonicalization (benchmarks/signing.py); the output is the
same bytes (tests/interop/test_canonical_nquads.py compares it with rdf-canonize).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pyld.jsonld import DEFAULT_BASE_IRI, JsonLdError, JsonLdProcessor

from credentials.vc.contexts import UnknownContextError, document_loader

# C0 controls other than tab, newline and carriage return, and DEL: the characters whose
# N-Quads escaping differs between pyld and RDFC-1.0 (standards digest §6.4).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

type JsonValue = str | int | float | bool | Sequence[JsonValue] | Mapping[str, JsonValue] | None


class CanonicalizationError(Exception):
    """The document could not be turned into canonical N-Quads; `reason` says why."""

    def __init__(self, reason: str, *, unknown_context: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        # The URL of a context that is not bundled, when that is the cause.
        self.unknown_context = unknown_context


class UndefinedTermError(CanonicalizationError):
    """A property no context defines: JSON-LD drops it, so it would go unsigned."""


# (id(active context), local context key, flags) -> (active context, local context, result).
# The first two are kept so that their ids cannot be reused while the entry exists.
_PROCESSED_CONTEXTS: dict[tuple[object, ...], tuple[object, object, object]] = {}
# Documents may carry inline context objects (each a new key): past this, start again.
_MAX_PROCESSED_CONTEXTS = 512


class _Processor(JsonLdProcessor):  # type: ignore[misc]  # pyld is untyped
    """pyld's processor, remembering what each (active context, local context) processes to."""

    def _process_context(
        self,
        active_ctx: Any,  # pyld's own untyped structures
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,  # pyld's signature
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        if isinstance(local_ctx, str):
            local_key: object = local_ctx
        elif isinstance(local_ctx, list) and all(isinstance(item, str) for item in local_ctx):
            local_key = tuple(local_ctx)
        else:
            local_key = id(local_ctx)
        key = (id(active_ctx), local_key, override_protected, propagate, validate_scoped)
        hit = _PROCESSED_CONTEXTS.get(key)
        if hit is not None and hit[0] is active_ctx and (hit[1] is local_ctx or hit[1] is None):
            return hit[2]
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if len(_PROCESSED_CONTEXTS) >= _MAX_PROCESSED_CONTEXTS:
            _PROCESSED_CONTEXTS.clear()
        # A list of URLs is matched by value (the document's list is new each time).
        kept_local = None if isinstance(local_key, str | tuple) else local_ctx
        _PROCESSED_CONTEXTS[key] = (active_ctx, kept_local, result)
        return result


def strip_control_characters(value: JsonValue) -> JsonValue:
    """`value` with C0 control characters (but tab, LF, CR) and DEL removed from every string.

    Object keys are cleaned too. Returns new lists and dicts; the input is not changed.
    """
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value)
    if isinstance(value, Mapping):
        return {
            CONTROL_CHARACTERS.sub("", key): strip_control_characters(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [strip_control_characters(item) for item in value]
    return value


def _unknown_context(error: BaseException | None) -> str | None:
    while error is not None:
        if isinstance(error, UnknownContextError):
            return error.url
        error = error.__cause__ or error.__context__
    return None


def _innermost_message(error: BaseException) -> str:
    """What went wrong at the bottom of pyld's chain of wrapped errors, in one line."""
    while (error.__cause__ or error.__context__) is not None:
        error = error.__cause__ or error.__context__  # type: ignore[assignment]  # checked above
    message = error.args[0] if error.args else type(error).__name__
    return str(message).rstrip(".")


def _relative_types(value: object, found: set[str]) -> set[str]:
    """@type values of an expanded document that did not become absolute IRIs."""
    if isinstance(value, list):
        for item in value:
            _relative_types(item, found)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "@type" and "@value" not in value:
                types = item if isinstance(item, list) else [item]
                # pyld resolves a relative type against its placeholder base (see canonicalize).
                found.update(
                    t.removeprefix(DEFAULT_BASE_IRI)
                    for t in types
                    if isinstance(t, str) and (":" not in t or t.startswith(DEFAULT_BASE_IRI))
                )
            elif key != "@value":
                _relative_types(item, found)
    return found


def check_expands(document: Mapping[str, JsonValue]) -> None:
    """Expand `document` with the bundled contexts in safe mode; raise what canonicalize would.

    Much cheaper than canonicalize (no blank-node labelling), for a verifier's JSON-LD step:
    UndefinedTermError for a property or type no context defines, CanonicalizationError
    (with `unknown_context` when that is the cause) for anything else that stops it.
    """
    dropped: list[str] = []
    processor = _Processor(on_property_dropped=dropped.append)
    try:
        expanded = processor.expand(document, {"documentLoader": document_loader})
    except (JsonLdError, ValueError, TypeError) as error:
        raise _as_canonicalization_error(error) from error
    if dropped:
        terms = ", ".join(sorted(set(dropped)))
        raise UndefinedTermError(f"No context defines these properties: {terms}.")
    relative = _relative_types(expanded, set())
    if relative:
        raise UndefinedTermError(
            f"No context defines these terms, used as types: {', '.join(sorted(relative))}."
        )


def _as_canonicalization_error(error: BaseException) -> CanonicalizationError:
    url = _unknown_context(error)
    if url is not None:
        return CanonicalizationError(
            f"The context {url} is not one of the bundled contexts.", unknown_context=url
        )
    return CanonicalizationError(f"The document is not valid JSON-LD: {_innermost_message(error)}.")


def canonicalize(document: Mapping[str, JsonValue], *, strict: bool = True) -> str:
    """The canonical N-Quads of `document`, expanded with the bundled contexts only.

    strict=True (JSON-LD "safe mode", as the JavaScript verifiers run it) raises
    UndefinedTermError for a property no context defines, instead of silently leaving it
    out of what is signed, and for a term that only became a relative IRI (a `type` such as
    1EdTechJsonSchemaValidator2019 without the extensions context), which pyld would
    resolve against its placeholder base and the JavaScript verifiers reject. Raises CanonicalizationError for anything else that stops it,
    with `unknown_context` set when the cause is a context that is not bundled.
    """
    dropped: list[str] = []
    processor = _Processor(on_property_dropped=dropped.append if strict else _ignore)
    try:
        nquads = processor.normalize(
            document,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": document_loader,
            },
        )
    # pyld raises ValueError and TypeError, besides its own error, for some malformed input.
    except (JsonLdError, ValueError, TypeError) as error:
        raise _as_canonicalization_error(error) from error
    if dropped:
        terms = ", ".join(sorted(set(dropped)))
        raise UndefinedTermError(f"No context defines these properties: {terms}.")
    if not isinstance(nquads, str):  # pragma: no cover - pyld returns a string for this format
        raise CanonicalizationError("pyld returned no N-Quads.")
    try:
        nquads.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (from a JSON "\\ud800" escape): no UTF-8 form to hash or sign.
        raise CanonicalizationError("The document holds text that is not valid Unicode.") from None
    if strict and f"<{DEFAULT_BASE_IRI}" in nquads:
        relative = sorted(set(re.findall(f"<{re.escape(DEFAULT_BASE_IRI)}([^>]*)>", nquads)))
        raise UndefinedTermError(
            f"No context defines these terms, used as types or IRIs: {', '.join(relative)}."
        )
    return nquads


def _ignore(_term: object) -> None:
    return None
