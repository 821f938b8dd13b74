"""Domain events: one recorded row per state change, which is also the audit log.

Each app declares the verbs it owns, with a frozen dataclass for each verb's payload, in its
own `verbs.py`:

    CREDENTIAL_REVOKED = declare_event(
        "credential.revoked", CredentialRevoked, label=_("revoked a credential")
    )

The label finishes a sentence that starts with who did it ("Ada Lovelace revoked a
credential"): it is how the activity page (portfolio.activity) shows the event.

Its services record one event inside their own transaction, after the change it describes:

    record_event(CREDENTIAL_REVOKED, by=by, target=credential, owner=credential.learner,
                 scope=issuer_scope(credential.issuer_id), payload=CredentialRevoked(reason=...))

and the app that owns a reaction subscribes to it from its AppConfig.ready(), so this module
never learns about the apps above it:

    subscribe(CREDENTIAL_REVOKED, tell_the_holder, phase=Phase.IN_TRANSACTION)

Two phases:

- IN_TRANSACTION: runs inside the recording transaction, each handler in a savepoint of its
  own. For reactions that must not be lost, which write an outbox row (a notification, later
  a webhook delivery) that commits or rolls back with the change. A handler that raises is
  logged and its savepoint rolled back; the event and the service's work stand.
- AFTER_COMMIT: runs once the outermost transaction has committed, and never if it rolls
  back. For best-effort work (refreshing a search index, enqueueing a task). A handler that
  raises is logged; the request that caused the event never sees the error.

A handler takes the recorded row and the typed payload: handler(event, payload).
"""

from __future__ import annotations

import contextvars
import dataclasses
import logging
import math
import re
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from enum import StrEnum
from functools import partial
from typing import Union, get_args, get_origin, get_type_hints

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.functional import Promise

from portfolio.models import Event, User

logger = logging.getLogger(__name__)

VERB_PATTERN = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")
VERB_MAX_LENGTH = Event._meta.get_field("verb").max_length or 80

# The values a payload field may hold: JSON's own, plus dates and datetimes (stored in ISO
# 8601), and tuples of any of them (stored as lists). Nothing that JSON would change silently.
_SCALARS: tuple[type, ...] = (str, int, float, bool, type(None), datetime, date)


class Phase(StrEnum):
    IN_TRANSACTION = "in_transaction"
    AFTER_COMMIT = "after_commit"


class EventTypeError(TypeError):
    """A verb or payload that breaks the rules above: a programming error, raised early."""


@dataclasses.dataclass(frozen=True)
class EventType[P]:
    """A declared verb, the dataclass its payload must be, and how people read it."""

    verb: str
    payload_type: type[P]
    # What the actor did, e.g. "revoked a credential" (lazy: translated when shown).
    label: str | Promise = dataclasses.field(compare=False)

    def encode(self, payload: P) -> dict[str, object]:
        """The payload as stored: checked field by field against the declared types."""
        if type(payload) is not self.payload_type:
            raise EventTypeError(
                f"{self.verb} takes a {self.payload_type.__name__} payload, "
                f"not {type(payload).__name__}."
            )
        hints = get_type_hints(self.payload_type)
        encoded: dict[str, object] = {}
        for field in dataclasses.fields(self.payload_type):  # type: ignore[arg-type]  # declare_event checked it is a dataclass
            value = getattr(payload, field.name)
            if not _matches(value, hints[field.name]):
                raise EventTypeError(
                    f"{self.verb}: {field.name}={value!r} is not a {hints[field.name]}."
                )
            encoded[field.name] = _encode_value(value)
        return encoded

    def decode(self, stored: Mapping[str, object]) -> P:
        """The typed payload of a recorded event of this verb."""
        hints = get_type_hints(self.payload_type)
        return self.payload_type(
            **{
                field.name: _decode_value(stored[field.name], hints[field.name])
                for field in dataclasses.fields(self.payload_type)  # type: ignore[arg-type]  # declare_event checked it is a dataclass
                if field.name in stored
            }
        )


@dataclasses.dataclass(frozen=True)
class NoPayload:
    """The payload of a verb whose row says it all (who, what, which object, when)."""


type Handler[P] = Callable[[Event, P], None]

_declared: dict[str, EventType[object]] = {}
# Set only inside events_recorded_at(); a context variable, so other threads and requests of
# the same process record the real time.
_recorded_at: ContextVar[datetime | None] = ContextVar("events_recorded_at", default=None)
_handlers: dict[str, list[tuple[Phase, Callable[[Event, object], None]]]] = {}
# A handler's form for many events at once (subscribe_batch_form), used by reactions_together().
type BatchHandler = Callable[[list[tuple[Event, object]]], None]
_batch_forms: dict[Callable[[Event, object], None], BatchHandler] = {}
type _Reaction = tuple[Phase, Callable[[Event, object], None], Event, object]
# Set only inside reactions_together(): the reactions gathered so far.
_gathered: ContextVar[list[_Reaction] | None] = ContextVar("reactions_gathered", default=None)


def declare_event[P](verb: str, payload_type: type[P], *, label: str | Promise) -> EventType[P]:
    """Declare a verb (e.g. "credential.revoked"), the frozen dataclass of its payload and
    its label, what the actor did as people read it ("revoked a credential").

    Called once per verb, at import time, by the app that owns it. Raises EventTypeError for
    a malformed verb, a payload type that is not a frozen dataclass of storable fields, or a
    verb already declared with another payload type.
    """
    if len(verb) > VERB_MAX_LENGTH or not VERB_PATTERN.match(verb):
        raise EventTypeError(f"Malformed verb {verb!r}: use lower-case words joined by dots.")
    event_type: EventType[P] = EventType(verb=verb, payload_type=payload_type, label=label)
    params = getattr(payload_type, "__dataclass_params__", None)
    if not dataclasses.is_dataclass(payload_type) or params is None or not params.frozen:
        raise EventTypeError(f"The payload of {verb} must be a frozen dataclass.")
    for name, hint in get_type_hints(payload_type).items():
        if not _is_storable(hint):
            raise EventTypeError(f"{verb}: field {name} has a type JSON cannot keep ({hint}).")
    existing = _declared.get(verb)
    if existing is not None and existing != event_type:
        raise EventTypeError(f"{verb} is already declared with {existing.payload_type}.")
    _declared[verb] = event_type  # type: ignore[assignment]  # the registry holds every payload type
    return event_type


def get_declared_event(verb: str) -> EventType[object]:
    """The declaration of a verb, e.g. to decode a recorded event's payload."""
    return _declared[verb]


def list_declared_events() -> list[EventType[object]]:
    """Every declared verb, e.g. for the activity page's choice of kinds."""
    return list(_declared.values())


def subscribe[P](event_type: EventType[P], handler: Handler[P], *, phase: Phase) -> None:
    """Run handler(event, payload) for every event of this type, in the given phase.

    Call it from the reacting app's AppConfig.ready(). Subscribing the same handler twice in
    the same phase has no further effect.
    """
    entry = (phase, handler)
    handlers = _handlers.setdefault(event_type.verb, [])
    if entry not in handlers:
        handlers.append(entry)  # type: ignore[arg-type]  # the verb fixes the payload type


def unsubscribe[P](event_type: EventType[P], handler: Handler[P], *, phase: Phase) -> None:
    """Stop running handler for this type in this phase (for tests that subscribe their own)."""
    handlers = _handlers.get(event_type.verb, [])
    if (phase, handler) in handlers:
        handlers.remove((phase, handler))  # type: ignore[arg-type]  # as in subscribe


def subscribe_batch_form[P](
    handler: Handler[P], batch_handler: Callable[[list[tuple[Event, P]]], None]
) -> None:
    """Give a subscribed handler a form that reacts to many events of its verb in one call.

    reactions_together() calls it once for the events it gathered, instead of the handler
    once per event; it must do for each (event, payload) what the handler does.
    """
    _batch_forms[handler] = batch_handler  # type: ignore[index,assignment]  # the registry holds every payload type, as in subscribe


@contextmanager
def reactions_together() -> Iterator[None]:
    """Within the block, the reactions to the events recorded are gathered and run together.

    For a service that records many events in one transaction (bulk issuance). When the
    block ends, still inside the transaction, the IN_TRANSACTION reactions run, handler by
    handler, each handler in one savepoint for all its events (its batch form, if it has one:
    subscribe_batch_form); after commit, the AFTER_COMMIT ones run the same way inside one
    transaction of their own, with the context variables the block had. A failing handler
    is logged and its savepoint rolled back, as for single events.
    """
    gathered: list[_Reaction] = []
    token = _gathered.set(gathered)
    try:
        yield
    finally:
        _gathered.reset(token)
    _run_grouped([r for r in gathered if r[0] == Phase.IN_TRANSACTION])
    after = [r for r in gathered if r[0] == Phase.AFTER_COMMIT]
    if after:
        context = contextvars.copy_context()
        transaction.on_commit(partial(context.run, _run_after_commit, after), robust=True)


def _run_after_commit(reactions: list[_Reaction]) -> None:
    with transaction.atomic():
        _run_grouped(reactions)


def _run_grouped(reactions: list[_Reaction]) -> None:
    by_handler: dict[Callable[[Event, object], None], list[tuple[Event, object]]] = {}
    for _phase, handler, event, payload in reactions:
        by_handler.setdefault(handler, []).append((event, payload))
    for handler, events in by_handler.items():
        batch_handler = _batch_forms.get(handler)
        if batch_handler is not None:
            _run_batch_in_savepoint(batch_handler, events)
        else:
            for event, payload in events:
                _run_in_savepoint(handler, event, payload)


def _run_batch_in_savepoint(
    batch_handler: BatchHandler, events: list[tuple[Event, object]]
) -> None:
    try:
        with transaction.atomic():
            batch_handler(events)
    except Exception:
        # As _run_in_savepoint: the events and the service's work stand.
        logger.exception(
            "Subscriber %s failed on %s events (%s...)",
            _name(batch_handler),
            len(events),
            events[0][0].verb,
        )


@contextmanager
def events_recorded_at(when: datetime) -> Iterator[None]:
    """Within the block, record_event() stamps its rows with `when` instead of now.

    For the demo loader, which plays a history of past weeks through the real services now:
    the log is append-only, so its rows get their time as they are written rather than being
    moved back afterwards.
    """
    token = _recorded_at.set(when)
    try:
        yield
    finally:
        _recorded_at.reset(token)


def record_event[P](
    event_type: EventType[P],
    *,
    by: User | None,
    target: models.Model | None,
    payload: P,
    owner: User | None = None,
    scope: str = "",
) -> Event:
    """Record that `by` did event_type.verb to target, then run the subscribers.

    Must run inside the caller's transaction, after the change it records, so the event
    commits or rolls back with it. by=None is the system (a periodic job); target=None is for
    a change that is about no single object (an import). Raises EventTypeError for a payload
    of the wrong type, and RuntimeError outside a transaction.
    """
    [event] = record_events(
        event_type, by=by, scope=scope, events=[EventRecord(target, owner, payload)]
    )
    return event


@dataclasses.dataclass(frozen=True)
class EventRecord[P]:
    """One event of many for record_events: its target, owner and payload."""

    target: models.Model | None
    owner: User | None
    payload: P


def record_events[P](
    event_type: EventType[P],
    *,
    by: User | None,
    events: Sequence[EventRecord[P]],
    scope: str = "",
) -> list[Event]:
    """record_event for many events of one verb by one actor: one insert for all the rows,
    then each one's subscribers (gathered, within reactions_together()). Same rules and
    errors as record_event."""
    if not connection.in_atomic_block:
        raise RuntimeError(
            f"record_event({event_type.verb}) must run inside the transaction of the change "
            "it records."
        )
    if _declared.get(event_type.verb) != event_type:
        raise EventTypeError(f"{event_type.verb} was not declared with declare_event.")
    if any(record.target is not None and record.target.pk is None for record in events):
        raise EventTypeError(f"{event_type.verb}: the target must be saved (it has no key).")
    created_at = _recorded_at.get() or timezone.now()
    rows = [
        Event(
            verb=event_type.verb,
            actor=by,
            actor_label=by.email if by is not None else "",
            target_type=record.target._meta.label_lower if record.target is not None else "",
            target_id=record.target.pk if record.target is not None else None,
            owner=record.owner,
            scope=scope,
            payload=event_type.encode(record.payload),
            created_at=created_at,
        )
        for record in events
    ]
    if len(rows) == 1:
        rows[0].save(force_insert=True)
    else:
        Event.objects.bulk_create(rows)
    gathered = _gathered.get()
    for event, record in zip(rows, events, strict=True):
        payload = record.payload
        for phase, handler in list(_handlers.get(event_type.verb, [])):
            if gathered is not None:
                gathered.append((phase, handler, event, payload))
            elif phase == Phase.IN_TRANSACTION:
                _run_in_savepoint(handler, event, payload)
            else:
                transaction.on_commit(partial(_run_logged, handler, event, payload), robust=True)
    return rows


def _run_in_savepoint(
    handler: Callable[[Event, object], None], event: Event, payload: object
) -> None:
    try:
        with transaction.atomic():
            handler(event, payload)
    except Exception:
        # A failing reaction must not undo the change that caused it; its own writes went
        # with its savepoint.
        logger.exception(
            "Subscriber %s failed on event %s (%s)", _name(handler), event.pk, event.verb
        )


def _run_logged(handler: Callable[[Event, object], None], event: Event, payload: object) -> None:
    try:
        handler(event, payload)
    except Exception:
        # The change is committed; the request that caused it must not fail now.
        logger.exception(
            "Subscriber %s failed on event %s (%s)", _name(handler), event.pk, event.verb
        )


def _name(handler: Callable[..., object]) -> str:
    return f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', handler)}"


# --- Payload values ---------------------------------------------------------------------


def _members(hint: object) -> tuple[object, ...]:
    """The alternatives of a union (X | None), or the hint itself."""
    if get_origin(hint) in (Union, types.UnionType):
        return get_args(hint)
    return (hint,)


def _is_storable(hint: object) -> bool:
    members = _members(hint)
    # Only "X | None": a stored string could not say whether it was a str or a date.
    if len([member for member in members if member is not type(None)]) != 1:
        return False
    for member in members:
        if get_origin(member) is tuple:
            args = get_args(member)
            if len(args) != 2 or args[1] is not Ellipsis or not _is_storable(args[0]):
                return False
        elif member not in _SCALARS:
            return False
    return True


def _matches(value: object, hint: object) -> bool:
    for member in _members(hint):
        if get_origin(member) is tuple:
            item_hint = get_args(member)[0]
            if isinstance(value, tuple) and all(_matches(item, item_hint) for item in value):
                return True
        elif member is type(None):
            if value is None:
                return True
        elif member is float:
            # JSON has no NaN or infinity (PostgreSQL's jsonb refuses them).
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
            ):
                return True
        elif member is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return True
        elif member is date:
            # A datetime is a date to isinstance, but it would lose its time as one.
            if isinstance(value, date) and not isinstance(value, datetime):
                return True
        elif member is datetime:
            # An aware datetime keeps its offset in ISO 8601; a naive one means nothing.
            if isinstance(value, datetime) and value.tzinfo is not None:
                return True
        elif isinstance(member, type) and isinstance(value, member):
            # A lazy translation is no str: a payload keeps what was said, not a message id.
            return True
    return False


def _encode_value(value: object) -> object:
    if isinstance(value, tuple):
        return [_encode_value(item) for item in value]
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    return value


def _decode_value(stored: object, hint: object) -> object:
    if stored is None:
        return None
    for member in _members(hint):
        if get_origin(member) is tuple and isinstance(stored, list):
            item_hint = get_args(member)[0]
            return tuple(_decode_value(item, item_hint) for item in stored)
        if member is datetime and isinstance(stored, str):
            return datetime.fromisoformat(stored)
        if member is date and isinstance(stored, str):
            return date.fromisoformat(stored)
    return stored
