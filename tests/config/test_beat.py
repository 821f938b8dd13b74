"""Beat's schedule file: kept across restarts, and without SQLite (config/beat.py says why)."""

import dbm

from celery.beat import Service
from django.conf import settings

from config.beat import Scheduler
from config.celery import app


def open_scheduler(path):
    # As `celery beat` and `celery worker --beat` do: the scheduler named in the settings.
    return Service(
        app=app, scheduler_cls=app.conf.beat_scheduler, schedule_filename=str(path)
    ).scheduler


def test_beat_keeps_its_schedule_in_plain_files_not_sqlite(tmp_path):
    path = tmp_path / "celerybeat-schedule"
    scheduler = open_scheduler(path)
    scheduler.close()

    assert isinstance(scheduler, Scheduler)
    assert dbm.whichdb(str(path)) == "dbm.dumb"
    assert {file.name for file in tmp_path.iterdir()} >= {path.name + ".dat", path.name + ".dir"}
    assert not any(file.name.endswith(("-wal", "-shm")) for file in tmp_path.iterdir())


def test_when_each_job_last_ran_survives_a_restart(tmp_path):
    path = tmp_path / "celerybeat-schedule"
    scheduler = open_scheduler(path)
    assert set(scheduler.schedule) >= set(settings.CELERY_BEAT_SCHEDULE)
    job = "send-pending-notifications"
    ran_at = scheduler.schedule[job].last_run_at
    scheduler.schedule[job] = next(scheduler.schedule[job])  # what beat does when the job is due
    scheduler.close()

    restarted = open_scheduler(path)
    assert restarted.schedule[job].total_run_count == 1
    assert restarted.schedule[job].last_run_at >= ran_at
    restarted.close()
