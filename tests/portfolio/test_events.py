"""The event log's core: declaring verbs, recording events, the two phases of subscribers."""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy

from portfolio.events import (
    EventTypeError,
    NoPayload,
    Phase,
    declare_event,
    events_recorded_at,
    get_declared_event,
    record_event,
    subscribe,
    unsubscribe,
)
from portfolio.models import AppendOnlyError, Event, EvidenceItem, User
from tests.factories import EvidenceItemFactory, UserFactory


@dataclass(frozen=True)
class ThingDone:
    title: str
    count: int
    ratio: float
    is_final: bool
    happened_on: date
    happened_at: datetime
    tags: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True)
class Other:
    title: str


@dataclass(frozen=True)
class Rescheduled:
    days: tuple[date, ...]


THING_DONE = declare_event("test_events.thing_done", ThingDone, label="did a test thing")
OTHER_THING = declare_event("test_events.other_thing", Other, label="did a test thing")
RESCHEDULED = declare_event("test_events.rescheduled", Rescheduled, label="did a test thing")
QUIET_THING = declare_event("test_events.quiet_thing", NoPayload, label="did a test thing")

WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def _payload(**changes):
    values = {
        "title": "Café",
        "count": 3,
        "ratio": 0.5,
        "is_final": True,
        "happened_on": date(2026, 3, 4),
        "happened_at": WHEN,
        "tags": ("a", "b"),
    }
    return ThingDone(**{**values, **changes})


@pytest.fixture
def subscribed():
    """Subscribe handlers for one test only."""
    added = []

    def add(event_type, handler, phase):
        subscribe(event_type, handler, phase=phase)
        added.append((event_type, handler, phase))

    yield add
    for event_type, handler, phase in added:
        unsubscribe(event_type, handler, phase=phase)


# --- Recording ---------------------------------------------------------------------------


def test_an_event_records_who_did_what_to_which_object_for_whom(learner):
    actor = UserFactory(email="actor@example.com")
    item = EvidenceItemFactory(owner=learner)
    with transaction.atomic():
        event = record_event(
            THING_DONE, by=actor, target=item, owner=learner, scope="issuer:7", payload=_payload()
        )
    stored = Event.objects.get()
    assert stored.pk == event.pk
    assert stored.verb == "test_events.thing_done"
    assert stored.actor == actor
    assert stored.actor_label == "actor@example.com"
    assert (stored.target_type, stored.target_id) == ("portfolio.evidenceitem", item.pk)
    assert stored.owner == learner
    assert stored.scope == "issuer:7"
    assert stored.payload == {
        "title": "Café",
        "count": 3,
        "ratio": 0.5,
        "is_final": True,
        "happened_on": "2026-03-04",
        "happened_at": "2026-03-04T05:06:07+00:00",
        "tags": ["a", "b"],
        "note": None,
    }


def test_a_stored_payload_decodes_to_the_dataclass_it_was(learner):
    payload = _payload(note="kept", tags=())
    with transaction.atomic():
        record_event(THING_DONE, by=learner, target=None, payload=payload)
    stored = Event.objects.get()
    assert get_declared_event(stored.verb).decode(stored.payload) == payload


def test_a_tuple_of_dates_decodes_item_by_item(learner):
    payload = Rescheduled(days=(date(2026, 3, 4), date(2026, 4, 5)))
    with transaction.atomic():
        record_event(RESCHEDULED, by=learner, target=None, payload=payload)
    stored = Event.objects.get()
    assert stored.payload == {"days": ["2026-03-04", "2026-04-05"]}
    assert get_declared_event(stored.verb).decode(stored.payload) == payload


def test_a_system_event_about_no_single_object_has_no_actor_and_no_target(db):
    with transaction.atomic():
        record_event(QUIET_THING, by=None, target=None, payload=NoPayload())
    stored = Event.objects.get()
    assert (stored.verb, stored.actor, stored.actor_label) == ("test_events.quiet_thing", None, "")
    assert (stored.target_type, stored.target_id, stored.owner, stored.scope) == (
        "",
        None,
        None,
        "",
    )
    assert stored.payload == {}


def test_events_recorded_inside_events_recorded_at_carry_that_time(learner):
    with events_recorded_at(WHEN), transaction.atomic():
        backdated = record_event(QUIET_THING, by=learner, target=None, payload=NoPayload())
    with transaction.atomic():
        current = record_event(QUIET_THING, by=learner, target=None, payload=NoPayload())
    backdated.refresh_from_db()
    current.refresh_from_db()
    assert backdated.created_at == WHEN
    # Outside the block, the time of recording again.
    assert current.created_at > WHEN


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused(learner):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record_event(QUIET_THING, by=learner, target=None, payload=NoPayload())
    assert not Event.objects.exists()
    with transaction.atomic():
        record_event(QUIET_THING, by=learner, target=None, payload=NoPayload())
    assert Event.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (Other(title="x"), "takes a ThingDone payload, not Other"),
        (_payload(count="3"), "count='3'"),
        (_payload(count=True), "count=True"),
        (_payload(ratio=float("nan")), "ratio=nan"),
        (_payload(ratio=float("inf")), "ratio=inf"),
        (_payload(title=gettext_lazy("Lazy")), "title="),
        (_payload(happened_on=WHEN), "happened_on="),
        (_payload(happened_at=datetime(2026, 3, 4)), "happened_at="),  # noqa: DTZ001
        (_payload(tags=["a"]), "tags="),
        (_payload(tags=("a", 1)), "tags="),
        (_payload(note=3), "note=3"),
    ],
)
def test_a_payload_of_the_wrong_shape_is_refused_and_nothing_recorded(learner, payload, message):
    with transaction.atomic(), pytest.raises(EventTypeError, match=message):
        record_event(THING_DONE, by=learner, target=None, payload=payload)
    assert not Event.objects.exists()
    # The same call with a well-formed payload is recorded: the refusal was about the payload.
    with transaction.atomic():
        record_event(THING_DONE, by=learner, target=None, payload=_payload())
    assert Event.objects.count() == 1


def test_an_integer_is_a_float(learner):
    with transaction.atomic():
        record_event(THING_DONE, by=learner, target=None, payload=_payload(ratio=1))
    assert Event.objects.get().payload["ratio"] == 1


def test_an_unsaved_target_is_refused(learner):
    item = EvidenceItem(owner=learner, title="Not saved")
    with transaction.atomic(), pytest.raises(EventTypeError, match="must be saved"):
        record_event(OTHER_THING, by=learner, target=item, payload=Other(title="x"))
    assert not Event.objects.exists()


def test_an_undeclared_event_type_is_refused(learner):
    from portfolio.events import EventType

    forged = EventType(verb="test_events.never_declared", payload_type=Other, label="forged")
    with transaction.atomic(), pytest.raises(EventTypeError, match="not declared"):
        record_event(forged, by=learner, target=None, payload=Other(title="x"))
    assert not Event.objects.exists()


# --- Declaring ---------------------------------------------------------------------------


@dataclass
class NotFrozen:
    title: str


@dataclass(frozen=True)
class WithList:
    names: list[str]


@dataclass(frozen=True)
class WithDict:
    data: dict[str, str]


@dataclass(frozen=True)
class WithAmbiguousUnion:
    when: str | date


@dataclass(frozen=True)
class WithObject:
    thing: object


@dataclass(frozen=True)
class WithPair:
    pair: tuple[int, str]


@pytest.mark.parametrize(
    ("verb", "payload_type", "message"),
    [
        ("Thing.Done", Other, "Malformed verb"),
        ("thing", Other, "Malformed verb"),
        ("thing..done", Other, "Malformed verb"),
        ("thing.done " + "x" * 80, Other, "Malformed verb"),
        ("test_events.not_frozen", NotFrozen, "frozen dataclass"),
        ("test_events.not_a_dataclass", dict, "frozen dataclass"),
        ("test_events.with_list", WithList, "field names"),
        ("test_events.with_dict", WithDict, "field data"),
        ("test_events.with_union", WithAmbiguousUnion, "field when"),
        ("test_events.with_object", WithObject, "field thing"),
        # Only tuples of one storable type, of any length: a fixed pair could not be decoded.
        ("test_events.with_pair", WithPair, "field pair"),
        ("test_events.thing_done", Other, "already declared"),
    ],
)
def test_a_bad_declaration_is_refused(verb, payload_type, message):
    with pytest.raises(EventTypeError, match=message):
        declare_event(verb, payload_type, label="did a test thing")
    assert get_declared_event("test_events.thing_done") == THING_DONE


def test_a_verb_as_long_as_the_column_is_accepted():
    prefix = "test_events."
    verb = prefix + "x" * (Event._meta.get_field("verb").max_length - len(prefix))
    assert declare_event(verb, Other, label="did a test thing").verb == verb
    assert get_declared_event(verb).payload_type is Other


def test_declaring_a_verb_again_with_its_own_payload_is_harmless():
    assert (
        declare_event("test_events.thing_done", ThingDone, label="did a test thing") == THING_DONE
    )


# --- The log is append-only ----------------------------------------------------------------


def _one_event(by):
    with transaction.atomic():
        return record_event(OTHER_THING, by=by, target=None, payload=Other(title="x"))


class ChangeFailed(Exception):
    pass


def _record_then_fail(by):
    with transaction.atomic():
        record_event(OTHER_THING, by=by, target=None, payload=Other(title="x"))
        raise ChangeFailed


def test_a_recorded_event_cannot_be_changed_or_deleted(learner):
    event = _one_event(learner)
    event.verb = "test_events.rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(verb="test_events.rewritten")
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get().verb == "test_events.other_thing"


def test_deleting_the_actor_keeps_the_event_and_who_it_was(db):
    actor = UserFactory(email="gone@example.com")
    owner = UserFactory(email="owner@example.com")
    with transaction.atomic():
        record_event(OTHER_THING, by=actor, target=None, owner=owner, payload=Other(title="x"))
    actor.delete()
    owner.delete()
    event = Event.objects.get()
    assert (event.actor, event.owner, event.actor_label) == (None, None, "gone@example.com")


def test_a_half_target_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(verb="test_events.other_thing", target_type="portfolio.user")
    assert not Event.objects.exists()


# --- Subscribers in the transaction ---------------------------------------------------------


def test_an_in_transaction_subscriber_writes_with_the_event(learner, subscribed):
    seen = []

    def write_outbox_row(event, payload):
        seen.append((event.pk, payload))
        UserFactory(email=f"outbox-{event.pk}@example.com")

    subscribed(OTHER_THING, write_outbox_row, Phase.IN_TRANSACTION)
    with transaction.atomic():
        event = record_event(OTHER_THING, by=learner, target=None, payload=Other(title="x"))
        # It has already run, before the transaction commits.
        assert seen == [(event.pk, Other(title="x"))]
    assert User.objects.filter(email=f"outbox-{event.pk}@example.com").exists()


def test_a_rolled_back_change_takes_its_event_and_the_subscribers_writes_with_it(
    learner, subscribed
):
    subscribed(
        OTHER_THING,
        lambda event, payload: UserFactory(email="outbox@example.com"),
        Phase.IN_TRANSACTION,
    )
    with pytest.raises(ChangeFailed):
        _record_then_fail(learner)
    assert not Event.objects.exists()
    assert not User.objects.filter(email="outbox@example.com").exists()
    assert User.objects.filter(pk=learner.pk).exists()


def test_a_failing_in_transaction_subscriber_is_logged_and_undone_alone(
    learner, subscribed, caplog
):
    def fail_after_writing(event, payload):
        UserFactory(email="half-done@example.com")
        raise ValueError("subscriber broke")

    def write_outbox_row(event, payload):
        UserFactory(email="outbox@example.com")

    subscribed(OTHER_THING, fail_after_writing, Phase.IN_TRANSACTION)
    subscribed(OTHER_THING, write_outbox_row, Phase.IN_TRANSACTION)
    with caplog.at_level(logging.ERROR, logger="portfolio.events"), transaction.atomic():
        event = record_event(OTHER_THING, by=learner, target=None, payload=Other(title="x"))
        UserFactory(email="service-work@example.com")
    assert Event.objects.filter(pk=event.pk).exists()
    assert User.objects.filter(email="service-work@example.com").exists()
    assert User.objects.filter(email="outbox@example.com").exists()
    assert not User.objects.filter(email="half-done@example.com").exists()
    [record] = [r for r in caplog.records if r.name == "portfolio.events"]
    assert "fail_after_writing failed on event" in record.getMessage()
    assert "test_events.other_thing" in record.getMessage()
    assert record.exc_info is not None
    assert "subscriber broke" in str(record.exc_info[1])


def test_subscribers_run_only_for_their_own_verb(learner, subscribed):
    seen = []
    subscribed(OTHER_THING, lambda event, payload: seen.append(event.verb), Phase.IN_TRANSACTION)
    with transaction.atomic():
        record_event(QUIET_THING, by=learner, target=None, payload=NoPayload())
        record_event(OTHER_THING, by=learner, target=None, payload=Other(title="x"))
    assert seen == ["test_events.other_thing"]


def test_subscribing_twice_runs_the_handler_once_and_unsubscribing_stops_it(learner):
    seen = []

    def handler(event, payload):
        seen.append(event.pk)

    subscribe(OTHER_THING, handler, phase=Phase.IN_TRANSACTION)
    subscribe(OTHER_THING, handler, phase=Phase.IN_TRANSACTION)
    try:
        first = _one_event(learner)
    finally:
        unsubscribe(OTHER_THING, handler, phase=Phase.IN_TRANSACTION)
    _one_event(learner)
    assert seen == [first.pk]
    assert Event.objects.count() == 2


# --- Subscribers after commit -----------------------------------------------------------------


def test_an_after_commit_subscriber_runs_only_once_committed(
    learner, subscribed, django_capture_on_commit_callbacks
):
    seen = []
    subscribed(
        OTHER_THING, lambda event, payload: seen.append((event.pk, payload)), Phase.AFTER_COMMIT
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        event = record_event(OTHER_THING, by=learner, target=None, payload=Other(title="x"))
        assert seen == []
    assert len(callbacks) == 1
    assert seen == [(event.pk, Other(title="x"))]


def test_an_after_commit_subscriber_never_runs_for_a_rolled_back_change(
    learner, subscribed, django_capture_on_commit_callbacks
):
    seen = []
    subscribed(OTHER_THING, lambda event, payload: seen.append(event.pk), Phase.AFTER_COMMIT)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ChangeFailed):
            _record_then_fail(learner)
        # The same call committed does run it: the rollback is what stopped it.
        committed = _one_event(learner)
    assert len(callbacks) == 1
    assert seen == [committed.pk]


def test_a_failing_after_commit_subscriber_is_logged_not_raised(
    learner, subscribed, caplog, django_capture_on_commit_callbacks
):
    def broken(event, payload):
        raise ValueError("search index down")

    seen = []
    subscribed(OTHER_THING, broken, Phase.AFTER_COMMIT)
    subscribed(OTHER_THING, lambda event, payload: seen.append(event.pk), Phase.AFTER_COMMIT)
    with (
        caplog.at_level(logging.ERROR, logger="portfolio.events"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        event = _one_event(learner)
    assert seen == [event.pk]
    assert Event.objects.filter(pk=event.pk).exists()
    [record] = [r for r in caplog.records if r.name == "portfolio.events"]
    assert "broken failed on event" in record.getMessage()
    assert "search index down" in str(record.exc_info[1])


@pytest.mark.django_db(transaction=True)
def test_after_commit_subscribers_run_on_a_real_commit(learner, subscribed):
    seen = []
    subscribed(OTHER_THING, lambda event, payload: seen.append(event.pk), Phase.AFTER_COMMIT)
    with transaction.atomic(durable=True):
        event = record_event(OTHER_THING, by=learner, target=None, payload=Other(title="x"))
        assert seen == []
    assert seen == [event.pk]


# --- The admin -----------------------------------------------------------------------------------


def test_superusers_read_the_log_in_the_admin_and_cannot_change_it(client, learner):
    superuser = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    event = _one_event(learner)
    client.force_login(superuser)
    changelist = client.get(reverse("admin:portfolio_event_changelist"))
    assert changelist.status_code == 200
    assert "test_events.other_thing" in changelist.text
    change = client.get(reverse("admin:portfolio_event_change", args=[event.pk]))
    assert change.status_code == 200
    assert "learner@example.com" in change.text
    assert 'name="_save"' not in change.text
    posted = client.post(
        reverse("admin:portfolio_event_change", args=[event.pk]), {"verb": "test_events.x"}
    )
    assert posted.status_code == 403
    deleted = client.post(reverse("admin:portfolio_event_delete", args=[event.pk]), {"post": "yes"})
    assert deleted.status_code == 403
    assert Event.objects.get().verb == "test_events.other_thing"


def test_issuer_staff_do_not_see_the_log_in_the_admin(client, issuer_staff):
    _one_event(issuer_staff)
    client.force_login(issuer_staff)
    assert client.get(reverse("admin:portfolio_event_changelist")).status_code == 403
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert reverse("admin:portfolio_event_changelist") not in index.text
