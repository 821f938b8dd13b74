"""Reading the event log: who may see which events, and how each one reads as a sentence.

The log is portfolio's (portfolio.models.Event), but most of its events are about the upper
apps' things. So that this module never imports them, each app registers from its
AppConfig.ready():

- register_scopes(provider): provider(user) gives the scopes (Event.scope) whose events the
  user may read as their organisation's, e.g. credentials gives issuer staff "issuer:<pk>"
  for each issuer they work for;
- register_target(model_label, describer): describer(reader, ids) names the objects of one
  model that events are about, with a link where the reader may open the object (the app's
  permissions decide), in one query for all of a page's ids.

Who sees what: a superuser sees every event; anyone else sees the events about their own
things (owner), what they did themselves (actor) and the events in the scopes the providers
give them. Nobody changes the log here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portfolio.events import get_declared_event, list_declared_events
from portfolio.models import Event, EvidenceItem, LearnerProfile, User
from portfolio.permissions import visible_evidence


@dataclass(frozen=True)
class TargetLink:
    """How one object an event is about is named to a reader, and where they may open it."""

    name: str
    url: str = ""


type ScopeProvider = Callable[[User], Iterable[str]]
type TargetDescriber = Callable[[User, Sequence[int]], dict[int, TargetLink]]

_scope_providers: list[ScopeProvider] = []
_describers: dict[str, TargetDescriber] = {}


def register_scopes(provider: ScopeProvider) -> None:
    """Add a source of scopes a user may read (call from AppConfig.ready(); idempotent)."""
    if provider not in _scope_providers:
        _scope_providers.append(provider)


def register_target(model_label: str, describer: TargetDescriber) -> None:
    """Name the objects of model_label ("app_label.model") for readers of the log."""
    _describers[model_label] = describer


def list_readable_scopes(user: User) -> list[str]:
    return sorted({scope for provider in _scope_providers for scope in provider(user)})


def sees_every_event(user: User) -> bool:
    return user.is_active and user.is_superuser


def visible_events(user: User, *, scopes: Sequence[str] | None = None) -> QuerySet[Event]:
    """Every event the user may read, newest first (superusers: all of them).

    `scopes` are list_readable_scopes(user), for a caller that has them already.
    """
    events = Event.objects.all()
    if not sees_every_event(user):
        if scopes is None:
            scopes = list_readable_scopes(user)
        events = events.filter(Q(owner=user) | Q(actor=user) | Q(scope__in=scopes))
    return events.order_by("-created_at", "-pk")


def filter_events(
    events: QuerySet[Event],
    *,
    verb: str = "",
    actor: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Event]:
    """Narrow by kind, by the actor's e-mail address (part of it) and by a range of days."""
    if verb:
        events = events.filter(verb=verb)
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if since is not None:
        events = events.filter(created_at__gte=_start_of(since))
    if until is not None:
        events = events.filter(created_at__lt=_start_of(until + timedelta(days=1)))
    return events


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def list_verb_choices() -> list[tuple[str, str]]:
    """Every declared verb with its label, in the order people read them."""
    return sorted(
        ((event_type.verb, str(event_type.label)) for event_type in list_declared_events()),
        key=lambda choice: choice[1].lower(),
    )


@dataclass(frozen=True)
class ActivityLine:
    """One event as a reader sees it: who did what to which object, and when."""

    event: Event
    label: str
    target: TargetLink | None

    @property
    def actor(self) -> User | None:
        return self.event.actor


def describe_events(reader: User, events: Sequence[Event]) -> list[ActivityLine]:
    """Each event with its verb's label and its object named, one query per kind of object."""
    ids_by_type: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.target_type and event.target_id is not None:
            ids_by_type[event.target_type].add(event.target_id)
    named: dict[tuple[str, int], TargetLink] = {}
    for target_type, ids in ids_by_type.items():
        describer = _describers.get(target_type)
        if describer is None:
            continue
        for pk, link in describer(reader, sorted(ids)).items():
            named[target_type, pk] = link
    lines = []
    for event in events:
        target = None
        if event.target_type and event.target_id is not None:
            target = named.get((event.target_type, event.target_id))
        lines.append(ActivityLine(event=event, label=_label(event.verb), target=target))
    return lines


def _label(verb: str) -> str:
    try:
        return str(get_declared_event(verb).label)
    except KeyError:
        # A verb no longer declared (its code removed): the log still shows what it says.
        return verb


# --- portfolio's own objects ----------------------------------------------------------------


def describe_evidence(reader: User, ids: Sequence[int]) -> dict[int, TargetLink]:
    """Evidence by its title, linked where the reader may open it (portfolio.permissions)."""
    openable = set(visible_evidence(reader).filter(pk__in=ids).values_list("pk", flat=True))
    return {
        pk: TargetLink(
            name=title,
            url=reverse("portfolio:evidence-detail", args=[pk]) if pk in openable else "",
        )
        for pk, title in EvidenceItem.objects.filter(pk__in=ids).values_list("pk", "title")
    }


def describe_profiles(reader: User, ids: Sequence[int]) -> dict[int, TargetLink]:
    """A profile by its name; the owner's link is to editing it."""
    links = {}
    for profile in LearnerProfile.objects.filter(pk__in=ids).only("pk", "user", "display_name"):
        url = reverse("portfolio:profile-edit") if profile.user_id == reader.pk else ""
        links[profile.pk] = TargetLink(name=profile.display_name or _("a profile"), url=url)
    return links


def describe_users(reader: User, ids: Sequence[int]) -> dict[int, TargetLink]:
    """A user by name, or e-mail address for those without one; the reader is "you"."""
    links = {}
    for user in User.objects.filter(pk__in=ids).select_related("profile"):
        if user.pk == reader.pk:
            links[user.pk] = TargetLink(name=_("you"))
            continue
        name = getattr(getattr(user, "profile", None), "display_name", "") or user.email
        links[user.pk] = TargetLink(name=name)
    return links
