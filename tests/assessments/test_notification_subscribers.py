import logging

import pytest
from django.core import mail

from assessments import notification_kinds, subscribers
from assessments.models import Application
from assessments.services import reviewing
from assessments.verbs import APPLICATION_CLAIMED
from portfolio.events import Phase, subscribe, unsubscribe
from portfolio.models import Event, Notification

S = Application.Status


@pytest.fixture
def broken_notify(monkeypatch):
    def refuse(**kwargs):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(subscribers, "notify", refuse)


def test_a_failing_subscriber_leaves_the_claim_and_its_event_and_is_logged(
    submitted, assessor, learner, broken_notify, caplog, django_capture_on_commit_callbacks
):
    with (
        caplog.at_level(logging.ERROR, logger="portfolio.events"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        claimed = reviewing.claim_application(application_id=submitted.pk, by=assessor)

    claimed.refresh_from_db()
    assert (claimed.status, claimed.assessor) == (S.IN_REVIEW, assessor)
    assert Event.objects.filter(verb="application.claimed", target_id=claimed.pk).count() == 1
    # The reaction alone was lost: no notice, no e-mail, and the failure is in the log.
    assert not Notification.objects.filter(
        recipient=learner, kind=notification_kinds.APPLICATION_CLAIMED
    ).exists()
    assert [m.to for m in mail.outbox if "is in review" in m.subject] == []
    [record] = [r for r in caplog.records if "tell_learner_of_claim" in r.getMessage()]
    assert "application.claimed" in record.getMessage()
    assert record.exc_info is not None
    assert "the outbox is broken" in str(record.exc_info[1])


def test_the_learner_is_told_of_a_claim_by_the_subscriber_alone(submitted, assessor, learner):
    unsubscribe(APPLICATION_CLAIMED, subscribers.tell_learner_of_claim, phase=Phase.IN_TRANSACTION)
    try:
        reviewing.claim_application(application_id=submitted.pk, by=assessor)
    finally:
        subscribe(
            APPLICATION_CLAIMED, subscribers.tell_learner_of_claim, phase=Phase.IN_TRANSACTION
        )
    assert Event.objects.filter(verb="application.claimed", target_id=submitted.pk).count() == 1
    assert not Notification.objects.filter(
        recipient=learner, kind=notification_kinds.APPLICATION_CLAIMED
    ).exists()
    # The submission before it still told the assessor, through its own subscriber.
    assert Notification.objects.filter(
        recipient=assessor, kind=notification_kinds.APPLICATION_SUBMITTED
    ).exists()
