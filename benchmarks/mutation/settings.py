"""Test settings for the mutation run: tests.settings on a test database that is kept.

Each mutant runs its tests in a process forked from the driver, with pytest-django's
--reuse-db, so the migrations run once per worker slot rather than once per mutant. The
driver points each slot at its own file (MUTATION_TEST_DB) so parallel slots never share
a SQLite database.
"""

import os
from pathlib import Path

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES

_state_dir = Path(os.environ.get("MUTATION_STATE_DIR", "var/mutation"))
DATABASES["default"]["TEST"] = {"NAME": str(_state_dir / "test-db-0.sqlite3")}
