from contextlib import contextmanager

from config.celery import app as celery_app


@contextmanager
def broker_unavailable():
    """Make Celery publish to a port where nothing listens, as when Redis is down."""
    keys = ("task_always_eager", "broker_url", "broker_transport_options")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(
        task_always_eager=False,
        broker_url="redis://127.0.0.1:9/0",
        broker_transport_options={"max_retries": 0},
    )
    _reset_connection_pool()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        _reset_connection_pool()


def _reset_connection_pool():
    # The producer pool keeps the broker URL it was created with; drop it, as app.close()
    # does (closing it instead would poison kombu's shared pool registry for that URL).
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def eager_errors_contained():
    """Let eager tasks fail (and retry) without raising into the test.

    Eager retries re-apply the task without passing apply(throw=False) on, so the global
    task_eager_propagates has to be off for the duration.
    """
    saved = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    try:
        yield
    finally:
        celery_app.conf.task_eager_propagates = saved
