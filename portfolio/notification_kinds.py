"""The kinds of notification, registered by the apps that send them.

portfolio keeps the inbox and the outbox but does not know what the apps above it tell people
about. Each app registers the kinds it sends from its AppConfig.ready():

    register_notification_kind(
        "report_ready",
        label=_("Report ready"),
        roles=(User.Role.LEARNER,),
        explanation=lambda: _("A report you asked for is ready to download."),
        position=80,
    )

notify() refuses a kind nobody registered, the Notification and EmailPreference columns take
their choices from here, and the e-mail settings page offers a user the kinds their role can
receive. Each kind needs the three e-mail templates emails/<kind>_{subject.txt,body.txt,body.html}.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only for type checking: django-stubs-ext is a development dependency.
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class NotificationKind:
    value: str
    label: StrOrPromise
    # The roles that can receive it: the e-mail settings page asks only them about it.
    roles: tuple[str, ...]
    # When it is sent, for the settings page; a callable, since it may quote settings that
    # tests override.
    explanation: Callable[[], str]
    # Where the settings page lists it: kinds are listed in the order people meet them
    # (applying, being assessed, then holding a credential), whichever app sends them.
    position: int


_registered: dict[str, NotificationKind] = {}

# The column's limit (portfolio.models.Notification.kind).
KIND_MAX_LENGTH = 40


def register_notification_kind(
    value: str,
    *,
    label: StrOrPromise,
    roles: Sequence[str],
    explanation: Callable[[], str],
    position: int,
) -> str:
    """Register a kind of notification; returns its value, for the sender to pass to notify().

    Registering the same value again replaces it (ready() may run more than once in tests).
    """
    if not value or len(value) > KIND_MAX_LENGTH:
        raise ValueError(f"A notification kind is 1 to {KIND_MAX_LENGTH} characters: {value!r}.")
    _registered[value] = NotificationKind(
        value=value,
        label=label,
        roles=tuple(roles),
        explanation=explanation,
        position=position,
    )
    return value


def is_registered(kind: str) -> bool:
    return kind in _registered


def get_notification_kind(kind: str) -> NotificationKind:
    """The registration of a kind; KeyError for one nobody registered."""
    return _registered[kind]


def list_registered_kinds() -> list[NotificationKind]:
    """Every registered kind, in the order the settings page lists them."""
    return sorted(_registered.values(), key=lambda kind: (kind.position, kind.value))


def list_kinds_for_role(role: str) -> tuple[str, ...]:
    """The kinds a role can receive, in the order the settings page lists them."""
    return tuple(kind.value for kind in list_registered_kinds() if role in kind.roles)


def notification_kind_choices() -> list[tuple[str, StrOrPromise]]:
    """The choices of the kind columns (a callable, so the registry fills in first)."""
    return [(kind.value, kind.label) for kind in list_registered_kinds()]
