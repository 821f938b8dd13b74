"""The credentials app's idempotent tasks are redelivered after a worker dies, and retried
while the database is away."""

import pytest
from django.db import DatabaseError

from credentials import tasks


@pytest.mark.parametrize(
    "task",
    [tasks.sign_credential, tasks.issue_bulk_credentials, tasks.refresh_directory_entries],
    ids=lambda task: task.name.rsplit(".", 1)[-1],
)
def test_idempotent_tasks_are_acknowledged_late_and_retried_on_database_errors(task):
    assert task.acks_late is True
    assert task.autoretry_for == (DatabaseError,)
    assert task.retry_backoff is True
    assert task.max_retries == 8


def test_one_shared_decorator_still_makes_a_task_of_each_function():
    names = {
        tasks.sign_credential.name,
        tasks.issue_bulk_credentials.name,
        tasks.refresh_directory_entries.name,
    }
    assert names == {
        "credentials.tasks.sign_credential",
        "credentials.tasks.issue_bulk_credentials",
        "credentials.tasks.refresh_directory_entries",
    }
