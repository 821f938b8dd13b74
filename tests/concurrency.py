"""Helpers for tests that race two database connections on PostgreSQL.

Row locks, unique-index waits and aborted transactions behave as in production only on
PostgreSQL (SQLite locks the whole file), so these tests run in the suite's PostgreSQL pass
(`.ci/run` runs the suite on both). Each racing call runs in its own thread, which Django
gives its own connection; the test waits until PostgreSQL reports the expected number of
sessions blocked on a lock before letting the first one go, so the interleaving is forced,
not hoped for.
"""

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from django.db import connection, connections

requires_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks and unique-index waits need PostgreSQL; the suite's PostgreSQL run covers it",
)


def blocked_sessions() -> int:
    """How many sessions of this test database are waiting for a lock right now."""
    with connections["default"].cursor() as cursor:
        # The activity view is read once per transaction unless the snapshot is dropped, and
        # the caller is usually inside the transaction that holds the lock.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            # A session waiting on another's row or unique-index entry waits for that
            # transaction's id, a lock with no database of its own, so ask pg_stat_activity.
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        (count,) = cursor.fetchone()
    return int(count)


def wait_until_blocked(sessions: int, *, timeout: float = 10.0) -> None:
    """Return once `sessions` sessions wait for a lock; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while blocked_sessions() < sessions:
        if time.monotonic() > deadline:
            pytest.fail(f"expected {sessions} session(s) waiting for a lock within {timeout}s")
        time.sleep(0.01)


def _closing_connection[T](call: Callable[[], T]) -> Callable[[], T]:
    def run() -> T:
        try:
            return call()
        finally:
            # A thread's connection left open would keep the test database from being dropped.
            connections.close_all()

    return run


class Racer:
    """Runs calls in threads of their own, each on its own database connection."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=4)

    def start[T](self, call: Callable[[], T]) -> Future[T]:
        return self._pool.submit(_closing_connection(call))

    def close(self) -> None:
        self._pool.shutdown(wait=True)


@pytest.fixture
def racer(transactional_db):
    """A Racer for a test whose threads must see each other's committed rows."""
    running = Racer()
    yield running
    running.close()
