"""The JavaScript implementation (tests/interop/vc.mjs), driven from Python.

    with JavaScript() as js:
        js.call("verify", credential=signed)   # {"verified": True, "errors": []}

One long-lived `node vc.mjs serve` process answers one JSON request a line, so the tests and
benchmarks/signing.py pay for Node's start-up once. `npm ci` in tests/interop installs what it
needs (bin/test does it when Node is installed; .ci/run installs Node and npm).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from types import TracebackType
from typing import Any

INTEROP = Path(__file__).resolve().parent
SCRIPT = INTEROP / "vc.mjs"
NODE_MODULES = INTEROP / "node_modules"
# Set by CI: the interoperability tests must run, never skip.
REQUIRE_FLAG = "UNBUNDLED_REQUIRE_INTEROP"


class JavaScriptError(RuntimeError):
    """The JavaScript side raised; the message is its stack trace."""


def node_path() -> str | None:
    return shutil.which("node")


def interop_required() -> bool:
    return os.environ.get(REQUIRE_FLAG) == "1"


def missing_reason() -> str | None:
    """Why the JavaScript side cannot run here, or None when it can."""
    if node_path() is None:
        return "Node.js is not installed (apt-get install nodejs npm)"
    if not (NODE_MODULES / "@digitalbazaar" / "vc").is_dir():
        return "the JavaScript packages are not installed: run `npm ci` in tests/interop"
    return None


class JavaScript:
    """A running `node vc.mjs serve`; use as a context manager, or call close()."""

    def __init__(self) -> None:
        node = node_path()
        if node is None:
            raise JavaScriptError(missing_reason() or "no node")
        self._process = subprocess.Popen(  # noqa: S603  # our own script, no shell
            [node, str(SCRIPT), "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=INTEROP,
        )

    def call(self, command: str, **request: Any) -> Any:  # JSON in, JSON out
        assert self._process.stdin is not None  # set by Popen(PIPE)
        assert self._process.stdout is not None
        # ensure_ascii: every character reaches Node exactly, lone surrogates included.
        self._process.stdin.write(json.dumps({"command": command, **request}) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise JavaScriptError(f"node exited with {self._process.wait()}")
        reply = json.loads(line)
        if not reply["ok"]:
            raise JavaScriptError(reply["error"])
        return reply["result"]

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> JavaScript:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
