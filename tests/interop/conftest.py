"""The JavaScript implementation for the interoperability tests, one process per test session.

They skip only where Node.js is absent and UNBUNDLED_REQUIRE_INTEROP is unset; CI sets it
(.ci/run installs Node and npm and runs `npm ci` through bin/test), so there they always run.
With Node but without the packages they fail: `npm ci` in tests/interop (bin/test runs it).
"""

from collections.abc import Iterator

import pytest

from tests.interop.node import REQUIRE_FLAG, JavaScript, interop_required, missing_reason, node_path


@pytest.fixture(scope="session")
def js() -> Iterator[JavaScript]:
    reason = missing_reason()
    if reason is not None:
        if node_path() is None and not interop_required():
            pytest.skip(reason)
        pytest.fail(f"{reason} ({REQUIRE_FLAG}=1, or Node.js is installed)")
    with JavaScript() as implementation:
        yield implementation
