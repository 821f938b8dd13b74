"""Credentials signed and verified per second: ours (pyld) against Digital Bazaar's JavaScript.

    .venv/bin/python -m benchmarks.signing [--count 50] [--rounds 5] [--profile]

One process each, on the same machine in the same run: Python calls proofs.sign / proofs.verify
in this process; the JavaScript side (tests/interop/vc.mjs, `npm ci` in tests/interop first)
runs @digitalbazaar/vc issue / verifyCredential with the eddsa-rdfc-2022 cryptosuite in one
long-lived Node process, timing its own loop (so Node's start-up and the pipe are not counted).
Rounds interleave Python and JavaScript, sign and verify; each side warms up first (contexts
processed, caches filled, JIT warm). Both sign and verify the same OB 3.0 credential
(tests/interop/corpus.py: issuer Profile, hashed-e-mail identifier, achievement with criteria,
alignment, result, evidence, credentialSchema), with a did:key verification method.

Prints each round's rates, then the ratio of medians, ours / theirs, for signing and for
verifying. Target: at least 1.0. --profile prints where Python's signing time goes (cProfile);
--plain-pyld measures pyld without credentials/vc/canonical.py's remembered contexts.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50, help="operations per measurement")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile Python's signing")
    parser.add_argument(
        "--plain-pyld",
        action="store_true",
        help="measure plain pyld, without canonical.py's remembered contexts (the baseline)",
    )
    arguments = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()

    from credentials.vc import canonical
    from credentials.vc.proofs import ResolvedKey, sign, verify
    from tests.interop import corpus
    from tests.interop.node import JavaScript, missing_reason

    if arguments.plain_pyld:
        from pyld.jsonld import JsonLdProcessor

        canonical._Processor._process_context = JsonLdProcessor._process_context  # type: ignore[method-assign]
    reason = missing_reason()
    if reason is not None:
        raise SystemExit(f"Cannot run the JavaScript side: {reason}.")

    credential = corpus.credential("Data analysis — foundations")
    key = corpus.private_key()
    resolved = ResolvedKey(key.public_key(), corpus.DID_KEY, is_assertion_method=True)

    def resolve(_method: str) -> ResolvedKey:
        return resolved

    def sign_once() -> dict[str, Any]:
        return sign(
            credential,
            private_key=key,
            verification_method=corpus.DID_KEY_METHOD,
            created=corpus.CREATED,
        )

    signed = sign_once()

    def python_seconds(operation: str, count: int) -> float:
        started = time.perf_counter()
        if operation == "sign":
            for _ in range(count):
                sign_once()
        else:
            for _ in range(count):
                if not verify(signed, resolve_key=resolve).verified:
                    raise SystemExit("Python did not verify its own credential.")
        return time.perf_counter() - started

    if arguments.profile:
        profiler = cProfile.Profile()
        profiler.runcall(python_seconds, "sign", arguments.count)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        return

    rates: dict[tuple[str, str], list[float]] = {}
    with JavaScript() as js:
        common = {
            "seed": corpus.SEED,
            "verificationMethod": corpus.DID_KEY_METHOD,
            "created": corpus.CREATED_TEXT,
        }
        js_signed = js.call("sign", credential=credential, **common)
        if js_signed["proof"]["proofValue"] != signed["proof"]["proofValue"]:
            raise SystemExit("Python and JavaScript signed the credential differently.")

        def javascript_seconds(operation: str, count: int) -> float:
            request = {"operation": operation, "count": count, **common}
            request["credential"] = credential if operation == "sign" else signed
            return float(js.call("bench", **request)["seconds"])

        # Warm-up: contexts processed and cached on both sides, V8's JIT warm.
        for operation in ("sign", "verify"):
            python_seconds(operation, 10)
            javascript_seconds(operation, 30)

        count = arguments.count
        print(f"{count} operations per measurement, {arguments.rounds} rounds")
        for round_number in range(1, arguments.rounds + 1):
            line = []
            for operation in ("sign", "verify"):
                for side, measure in (("python", python_seconds), ("js", javascript_seconds)):
                    rate = count / measure(operation, count)
                    rates.setdefault((side, operation), []).append(rate)
                    line.append(f"{side} {operation} {rate:7.1f}/s")
            print(f"round {round_number}: " + ", ".join(line))

    print("RATIOS (ours / JavaScript, medians; target >= 1.0)")
    for operation in ("sign", "verify"):
        ours = statistics.median(rates[("python", operation)])
        theirs = statistics.median(rates[("js", operation)])
        print(f"  {operation}: {ours:.1f}/s vs {theirs:.1f}/s = {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
