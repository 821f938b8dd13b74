"""Many events at once: record_events, reactions_together and handlers' batch forms."""

import logging
from dataclasses import dataclass

import pytest
from django.db import transaction

from portfolio.events import (
    EventRecord,
    Phase,
    declare_event,
    reactions_together,
    record_event,
    record_events,
    subscribe,
    subscribe_batch_form,
    unsubscribe,
)
from portfolio.models import Event, Notification
from portfolio.services.notifications import Note, emails_withheld, notify_each
from tests.factories import UserFactory


@dataclass(frozen=True)
class Counted:
    n: int


MANY = declare_event("test_events_together.many", Counted, label="did many test things")

calls: list[tuple[str, object]] = []


def one(event, payload):
    calls.append(("one", payload.n))


def one_after(event, payload):
    calls.append(("after", payload.n))


def many(events):
    calls.append(("many", tuple(payload.n for _event, payload in events)))


def failing_many(events):
    Event.objects.filter(pk=events[0][0].pk).update(scope="changed by a failing handler")
    raise RuntimeError("broken reaction")


@pytest.fixture
def subscribed():
    calls.clear()
    subscribe(MANY, one, phase=Phase.IN_TRANSACTION)
    subscribe(MANY, one_after, phase=Phase.AFTER_COMMIT)
    yield
    unsubscribe(MANY, one, phase=Phase.IN_TRANSACTION)
    unsubscribe(MANY, one_after, phase=Phase.AFTER_COMMIT)
    from portfolio import events

    events._batch_forms.pop(one, None)


def records(*numbers):
    return [EventRecord(None, None, Counted(n=n)) for n in numbers]


def test_record_events_writes_each_row_and_reacts_as_record_event(
    db, subscribed, django_capture_on_commit_callbacks
):
    actor = UserFactory()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        written = record_events(MANY, by=actor, scope="issuer:1", events=records(1, 2, 3))
        assert calls == [("one", 1), ("one", 2), ("one", 3)]
    assert calls[3:] == [("after", 1), ("after", 2), ("after", 3)]
    rows = Event.objects.filter(verb=MANY.verb).order_by("pk")
    assert [row.pk for row in written] == [row.pk for row in rows]
    assert [(r.payload, r.actor_id, r.scope) for r in rows] == [
        ({"n": n}, actor.pk, "issuer:1") for n in (1, 2, 3)
    ]


def test_gathered_reactions_use_a_batch_form_once_and_run_after_commit_later(
    db, subscribed, django_capture_on_commit_callbacks
):
    subscribe_batch_form(one, many)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with reactions_together():
            record_events(MANY, by=None, events=records(1, 2))
            record_event(MANY, by=None, target=None, payload=Counted(n=3))
            assert calls == []
        # The block has ended, inside the transaction: the in-transaction reactions ran.
        assert calls == [("many", (1, 2, 3))]
    # After commit: the handler with no batch form, once per event.
    assert calls == [("many", (1, 2, 3)), ("after", 1), ("after", 2), ("after", 3)]


def test_a_failing_batch_form_is_logged_and_the_events_stand(
    db, subscribed, caplog, django_capture_on_commit_callbacks
):
    subscribe_batch_form(one, failing_many)
    with (
        caplog.at_level(logging.ERROR, logger="portfolio.events"),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
        reactions_together(),
    ):
        record_events(MANY, by=None, events=records(1, 2))
    assert Event.objects.filter(verb=MANY.verb).count() == 2
    # Its own write went with its savepoint.
    assert not Event.objects.filter(scope="changed by a failing handler").exists()
    assert "failing_many failed on 2 events" in caplog.text
    assert ("after", 2) in calls


def test_notify_each_writes_each_note_with_its_email_choice(db, django_capture_on_commit_callbacks):
    from portfolio.models import EmailPreference

    keen, quiet = UserFactory(), UserFactory()
    EmailPreference.objects.create(user=quiet, kind="credential_issued", is_enabled=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        rows = notify_each(
            kind="credential_issued",
            notes=[
                Note(recipient=keen, subject="You have earned A", link="/c/a/"),
                Note(recipient=quiet, subject="You have earned B", link="/c/b/"),
            ],
        )
    assert [(r.recipient, r.subject, r.link, r.email_state) for r in rows] == [
        (keen, "You have earned A", "/c/a/", "pending"),
        (quiet, "You have earned B", "/c/b/", "skipped"),
    ]
    # One e-mail queued after commit: the keen one's.
    assert len(callbacks) == 1
    with emails_withheld(), transaction.atomic():
        [withheld] = notify_each(
            kind="credential_issued", notes=[Note(recipient=keen, subject="C")]
        )
    assert withheld.email_state == "skipped"
    with pytest.raises(ValueError, match="No app registered"):
        notify_each(kind="no-such-kind", notes=[])
    assert Notification.objects.count() == 3
