"""Tests that start a real Celery worker process against the local Redis.

They need Redis at UNBUNDLED_TEST_REDIS_URL (default redis://127.0.0.1:6379/15). Without it they
skip, unless UNBUNDLED_REQUIRE_SERVICES=1 (set by CI), which turns the skip into a failure so
these tests can never silently stop running. Each test gets its own queue, so parallel runs
on the same Redis do not take each other's tasks.
"""

import os
import uuid

import pytest
import redis

from tests.assessments.conftest import draft, micro_credential  # noqa: F401 - shared fixtures
from tests.integration.harness import (
    delete_queue,
    publishing_to,
    purge_queue,
    start_worker,
    stop_worker,
)
from tests.integration.smtp_server import SmtpServer

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "celery_worker: starts a real Celery worker process against the local Redis"
    )


def _services_unavailable(reason):
    if os.environ.get("UNBUNDLED_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (UNBUNDLED_REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("UNBUNDLED_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        _services_unavailable(
            f"Redis at {url} does not answer PING ({error}); start redis-server or point "
            "UNBUNDLED_TEST_REDIS_URL at one"
        )
    finally:
        client.close()
    return url


@pytest.fixture
def worker_queue(redis_url, transactional_db):
    """A fresh queue that this process publishes to for the test, and that workers consume.

    It needs transactional_db: a worker is another process, so it only sees committed rows.
    """
    queue = f"unbundled-test-{uuid.uuid4().hex}"
    with publishing_to(redis_url, queue):
        purge_queue(queue)
        try:
            yield queue
        finally:
            delete_queue(queue)


@pytest.fixture
def start_test_worker(redis_url, worker_queue, tmp_path):
    """Start a worker on the test's queue (again, after one was killed); all stop at the end."""
    started = []

    def start(**options):
        running = start_worker(
            broker_url=redis_url,
            queue=worker_queue,
            tmp_path=tmp_path / f"worker-{len(started)}",
            **options,
        )
        started.append(running)
        return running

    yield start
    for running in started:
        stop_worker(running)


@pytest.fixture
def worker(start_test_worker):
    """A running worker writing e-mails to files; this process publishes to its queue."""
    return start_test_worker()


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    yield server
    server.stop()
