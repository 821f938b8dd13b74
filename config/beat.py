"""Celery beat's scheduler: Celery's own, with its schedule file kept by dbm.dumb.

Celery keeps beat's schedule (when each periodic job last ran) in a shelve, and from Python 3.13
shelve picks dbm.sqlite3, which opens the file in WAL mode. On a loaded machine beat has been
seen dying at start-up with "locking protocol" (SQLite giving up on a WAL read lock after ten
seconds of retries), and a beat that dies runs no sweep: pending e-mails and lost bulk issuances
would wait for a restart. dbm.dumb is a pair of plain files with no locking to lose, which is all
beat needs: it is the file's only reader and writer (bin/worker runs exactly one beat).
"""

import dbm.dumb
import shelve
from collections.abc import MutableMapping
from typing import Any, cast

from celery.beat import PersistentScheduler


class Scheduler(PersistentScheduler):
    schedule_filename: str  # set by PersistentScheduler, missing from Celery's type stubs

    def _open_schedule(self) -> shelve.Shelf[Any]:
        # dbm.dumb keys are str or bytes; the shelf only ever hands it bytes.
        # The shelf owns the file from here on: PersistentScheduler.close() closes it.
        database = dbm.dumb.open(self.schedule_filename, "c")  # noqa: SIM115
        return shelve.Shelf(cast(MutableMapping[bytes, bytes], database), writeback=True)
