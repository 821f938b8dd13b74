"""Credentials that Digital Bazaar's JavaScript libraries signed, kept as fixtures.

One with an eddsa-rdfc-2022 proof (FIXTURE), one with the legacy Ed25519Signature2020 suite
(FIXTURE_2020: the JavaScript suite adds its context to the document), both by did:key.

Regenerate it (Ed25519 is deterministic, so the same input gives the same bytes; a test checks
that the JavaScript side still makes exactly this file):

    .venv/bin/python -m tests.interop.js_fixture
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.interop import corpus
from tests.interop.node import JavaScript

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "js_signed_credential.json"
FIXTURE_2020 = (
    Path(__file__).resolve().parent / "fixtures" / "js_signed_credential_ed25519signature2020.json"
)
TEXT = 'Signed in JavaScript: "quotes", \\ backslash, tab\t, newline\n, Ünïcödé, 🎓'


def request() -> dict[str, Any]:
    return {
        "credential": corpus.credential(TEXT),
        "seed": corpus.SEED,
        "verificationMethod": corpus.DID_KEY_METHOD,
        "created": corpus.CREATED_TEXT,
    }


def render(signed: object) -> str:
    return json.dumps(signed, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    with JavaScript() as js:
        FIXTURE.write_text(render(js.call("sign", **request())), encoding="utf-8")
        FIXTURE_2020.write_text(render(js.call("sign2020", **request())), encoding="utf-8")
    print(f"wrote {FIXTURE.name} and {FIXTURE_2020.name}")


if __name__ == "__main__":
    main()
