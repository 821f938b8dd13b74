"""The credential that Digital Bazaar's JavaScript libraries signed, kept as a fixture.

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
    print(f"wrote {FIXTURE.name}")


if __name__ == "__main__":
    main()
