"""Settings for the Celery worker process that tests/integration starts.

tests.settings, pointed at the database the test process is using (test_<name> on PostgreSQL,
the per-run file on SQLite) and consuming from the test's own queue. conftest.py passes both in
the environment.
"""

import json
import os

from tests.settings import *  # noqa: F403

DATABASES = {"default": json.loads(os.environ["UNBUNDLED_TEST_WORKER_DATABASE"])}
# tests.settings runs tasks eagerly; the worker must publish follow-up tasks (the sweep's
# sends) to the broker like a production worker does.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["UNBUNDLED_TEST_WORKER_QUEUE"]
# No pidbox queue for remote control: nothing lingers on the shared Redis after the test.
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
