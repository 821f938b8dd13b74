"""Data made once for a whole test module, kept in a transaction rolled back at its end.

Django's TestCase does this for setUpTestData: the module's data is written inside an outer
transaction, each test runs in a savepoint within it (pytest-django's ``db`` fixture), and the
outer transaction is rolled back when the module is done, so no other module ever sees it.
Worth it where making the data takes seconds (the demo data) and many tests only read it.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def rolled_back_at_the_end(django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        # Services open durable blocks; like Django's TestCase, mark the wrapper as the test's own.
        outer._from_testcase = True  # type: ignore[attr-defined]  # set by Django's TestCase too
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
