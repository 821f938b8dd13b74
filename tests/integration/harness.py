"""A real Celery worker process for the integration tests, and the test process's side of it.

The worker runs `celery -A config worker` with tests.integration.worker_settings, on the same
database as the test, consuming one queue of its own on the local Redis and writing e-mails
with Django's file-based backend into a directory the test reads.
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from tests.celery_helpers import broker_unavailable

REPO_ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 30
POLL_SECONDS = 0.1
# Django's file-based e-mail backend ends every message with this line.
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def reset_producers():
    """Make the next publish use the current configuration.

    The app caches its connection pool, and app.amqp its producer pool and queues (with the
    default queue), from their first use; a new broker URL or queue needs fresh ones.
    """
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@contextmanager
def publishing_to(broker_url, queue):
    """Let this process publish tasks to a real broker instead of running them eagerly."""
    keys = ("task_always_eager", "broker_url", "task_default_queue")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(task_always_eager=False, broker_url=broker_url, task_default_queue=queue)
    reset_producers()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        reset_producers()


@contextmanager
def broker_outage():
    """tests.celery_helpers.broker_unavailable, then back to the real broker.

    broker_unavailable restores the settings but not app.amqp's producer pool, which would
    keep publishing to the dead port.
    """
    with broker_unavailable():
        yield
    reset_producers()


def read_mails(mail_dir):
    """The e-mails written so far, oldest file first; a message still being written is left out."""
    mails = []
    for path in sorted(mail_dir.iterdir()):
        *complete, _unfinished = path.read_bytes().split(MAIL_SEPARATOR)
        mails += [message_from_bytes(raw, policy=policy.default) for raw in complete]
    return mails


def _queue(name):
    return celery_app.amqp.queues[name]


def purge_queue(name):
    with celery_app.connection_for_write() as conn:
        _queue(name).bind(conn.default_channel).purge()


def delete_queue(name):
    # Declaring first lets kombu's Redis transport remove the queue's binding as well.
    with celery_app.connection_for_write() as conn:
        queue = _queue(name).bind(conn.default_channel)
        queue.declare()
        queue.delete()


@dataclass
class Worker:
    process: subprocess.Popen
    queue: str
    mail_dir: Path
    log_path: Path

    def log(self):
        return self.log_path.read_text(errors="replace")

    def wait_for(self, condition: Callable[[], object], what: str):
        """Poll condition until it returns something truthy, for at most WAIT_SECONDS."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            result = condition()
            if result:
                return result
            if self.process.poll() is not None:
                pytest.fail(
                    f"The Celery worker exited ({self.process.returncode}) while waiting for "
                    f"{what}. Its log:\n{self.log()}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"No {what} after {WAIT_SECONDS} s. The worker's log:\n{self.log()}")
            time.sleep(POLL_SECONDS)

    def count_in_log(self, text):
        return self.log().count(text)

    def wait_for_mails(self, count):
        """Wait until the worker has written count e-mails; more than that fails the test."""

        def written():
            mails = read_mails(self.mail_dir)
            return mails if len(mails) >= count else None

        mails = self.wait_for(written, f"{count} e-mail(s) in {self.mail_dir}")
        assert len(mails) == count, [m["Subject"] for m in mails]
        return mails


def worker_environment(*, broker_url, queue, mail_dir, smtp_port=None, overrides=None):
    """The test's environment, with what makes the worker share its database and queue.

    E-mail goes to files in mail_dir, or with smtp_port to an SMTP server on that loopback
    port. overrides (setting name to value, seconds for durations) go to worker_settings.
    """
    database = {
        key: connection.settings_dict[key]
        for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
    }
    database["NAME"] = str(database["NAME"])
    # Closed after every task, so the test's teardown can flush or drop the database.
    database["CONN_MAX_AGE"] = 0
    env = {key: value for key, value in os.environ.items() if key != "EMAIL_HOST"}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.integration.worker_settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        CELERY_BROKER_URL=broker_url,
        UNBUNDLED_TEST_WORKER_QUEUE=queue,
        UNBUNDLED_TEST_WORKER_DATABASE=json.dumps(database),
        UNBUNDLED_SITE_URL=settings.SITE_URL,
        UNBUNDLED_TEST_WORKER_OVERRIDES=json.dumps(overrides or {}),
        # The worker opens the signing keys this process made (tests.settings' secret is
        # random per process).
        UNBUNDLED_TEST_WORKER_SIGNING_SECRET=settings.SIGNING_SECRET,
    )
    if smtp_port is None:
        env.update(
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(mail_dir),
        )
    else:
        env.update(
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            EMAIL_USE_TLS="0",
            EMAIL_TIMEOUT="5",
        )
    return env


def start_worker(*, broker_url, queue, tmp_path, smtp_port=None, overrides=None, beat=False):
    """Start a worker; with beat, it also runs the periodic jobs (worker_settings' schedule)."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir(parents=True)
    log_path = tmp_path / "worker.log"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        f"--queues={queue}",
        f"--hostname={queue}@%h",
        # A test worker needs no cluster chatter with other workers on the same Redis.
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    if beat:
        command += ["--beat", f"--schedule={tmp_path / 'beat-schedule'}"]
    env = worker_environment(
        broker_url=broker_url,
        queue=queue,
        mail_dir=mail_dir,
        smtp_port=smtp_port,
        overrides=overrides,
    )
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - a fixed command line
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: embedded beat is a child process, and must go with it.
            start_new_session=True,
        )
    return Worker(process=process, queue=queue, mail_dir=mail_dir, log_path=log_path)


def stop_worker(worker):
    if worker.process.poll() is None:
        # SIGTERM is Celery's warm shutdown: it finishes the task in hand, then exits.
        worker.process.terminate()
        try:
            worker.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()
    # Whatever the worker left running in its group (embedded beat after a kill -9).
    with suppress(ProcessLookupError):
        os.killpg(worker.process.pid, signal.SIGKILL)


def kill_worker(worker):
    """kill -9 the worker: no warm shutdown, no acknowledgement, no clean-up."""
    worker.process.send_signal(signal.SIGKILL)
    worker.process.wait()
