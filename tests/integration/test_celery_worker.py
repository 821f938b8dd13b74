from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from assessments.models import Application
from assessments.services import applying
from portfolio import tasks
from portfolio.models import Notification
from tests.integration.harness import broker_outage, read_mails

pytestmark = pytest.mark.celery_worker


def sent(note):
    note.refresh_from_db()
    return note.email_state == Notification.EmailState.SENT


def assert_new_application_email(mail, *, assessor, micro_credential):
    queue_link = settings.SITE_URL + reverse("assessments:queue")
    assert mail["To"] == assessor.email
    assert mail["Subject"] == f"New application: {micro_credential.title}"
    text = mail.get_body(("plain",)).get_content()
    assert f"has applied for {micro_credential.title}" in text
    assert queue_link in text
    assert f'href="{queue_link}"' in mail.get_body(("html",)).get_content()


def test_worker_emails_the_assessor_when_an_application_is_submitted(
    worker, draft, learner, assessor, micro_credential
):
    applying.submit_application(application_id=draft.pk, by=learner)

    [mail] = worker.wait_for_mails(1)

    assert_new_application_email(mail, assessor=assessor, micro_credential=micro_credential)
    note = Notification.objects.get(recipient=assessor)
    worker.wait_for(lambda: sent(note), "the notification marked sent")
    assert note.email_attempts == 1
    assert note.emailed_at is not None
    assert django_mail.outbox == []  # the worker sent it, not this process


def test_event_recorded_while_the_broker_is_down_is_emailed_once_it_is_back(
    worker, draft, learner, assessor, micro_credential, caplog
):
    with broker_outage():
        application = applying.submit_application(application_id=draft.pk, by=learner)

    # The publish really failed (robust on_commit logged it), yet the submission stands and
    # its e-mail waits in the outbox.
    [failure] = [r for r in caplog.records if "in on_commit()" in r.getMessage()]
    assert isinstance(failure.exc_info[1], OperationalError)
    assert application.status == Application.Status.SUBMITTED
    note = Notification.objects.get(recipient=assessor)
    assert note.email_state == Notification.EmailState.PENDING
    assert read_mails(worker.mail_dir) == []

    # The beat sweep leaves a row to its own task until it is two minutes overdue; be past that.
    Notification.objects.filter(pk=note.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )
    tasks.send_pending_notifications.delay()

    [mail] = worker.wait_for_mails(1)

    assert_new_application_email(mail, assessor=assessor, micro_credential=micro_credential)
    worker.wait_for(lambda: sent(note), "the notification marked sent")
    assert django_mail.outbox == []  # the worker sent it, not this process
