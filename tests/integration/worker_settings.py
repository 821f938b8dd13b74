"""Settings for the Celery worker process that tests/integration starts.

tests.settings, pointed at the database the test process is using (test_<name> on PostgreSQL,
the per-run file on SQLite) and consuming from the test's own queue. conftest.py passes both in
the environment.
"""

import json
import os
from datetime import timedelta

from tests.settings import *  # noqa: F403

DATABASES = {"default": json.loads(os.environ["UNBUNDLED_TEST_WORKER_DATABASE"])}
# tests.settings runs tasks eagerly; the worker must publish follow-up tasks (the sweep's
# sends) to the broker like a production worker does.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["UNBUNDLED_TEST_WORKER_QUEUE"]
# The test process's secret, so the worker signs with the keys the test made.
SIGNING_SECRET = os.environ["UNBUNDLED_TEST_WORKER_SIGNING_SECRET"]
# No pidbox queue for remote control: nothing lingers on the shared Redis after the test.
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False

# What a test changes for its worker (see harness.worker_environment): durations in seconds,
# so an outage test runs a whole retry chain in seconds instead of hours.
_overrides = json.loads(os.environ.get("UNBUNDLED_TEST_WORKER_OVERRIDES", "{}"))
for _name in (
    "NOTIFICATION_EMAIL_GIVE_UP_AFTER",
    "NOTIFICATION_EMAIL_RETRY_BACKOFF",
    "NOTIFICATION_EMAIL_RETRY_BACKOFF_MAX",
    "NOTIFICATION_EMAIL_TASK_RETRY_MAX",
    "NOTIFICATION_EMAIL_SEND_LEASE",
    "NOTIFICATION_EMAIL_SWEEP_GRACE",
):
    if _name in _overrides:
        globals()[_name] = timedelta(seconds=_overrides[_name])
# With --beat the worker runs only the outbox sweep, this often.
CELERY_BEAT_SCHEDULE = {
    "send-pending-notifications": {
        "task": "portfolio.tasks.send_pending_notifications",
        "schedule": float(_overrides.get("SWEEP_EVERY", 300)),
    }
}
