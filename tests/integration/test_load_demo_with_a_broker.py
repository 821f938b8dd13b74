import io
import uuid

import pytest
import redis
from django.core.management import call_command

from config.celery import app as celery_app
from portfolio.models import Notification
from tests.integration.harness import delete_queue, publishing_to

pytestmark = pytest.mark.celery_worker


@pytest.mark.django_db(transaction=True)  # on_commit hooks run, as in a real load
def test_load_demo_with_a_broker_queues_no_email(redis_url):
    queue = f"unbundled-test-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(redis_url)
    with publishing_to(redis_url, queue):
        try:
            out = io.StringIO()
            call_command("load_demo", stdout=out)
            # What the worker would find on starting: kombu's Redis transport keeps a
            # queue's messages in a list named after it.
            queued = client.llen(queue)
            eager_after = celery_app.conf.task_always_eager
        finally:
            delete_queue(queue)
            client.close()

    assert queued == 0
    assert eager_after is False  # the production setting is back after the load
    notifications = Notification.objects.all()
    assert notifications.count() > 20  # the demo's events are in the inboxes
    assert not notifications.filter(email_state=Notification.EmailState.PENDING).exists()
    assert f"Notifications: {notifications.count()} (the demo's e-mails are not sent)" in (
        out.getvalue()
    )
