from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from assessments.permissions import can_apply, can_use_review_queue
from credentials.permissions import can_search_directory
from portfolio import selectors
from portfolio.models import User
from portfolio.permissions import can_keep_portfolio, can_use_admin


def site(request: HttpRequest) -> dict[str, object]:
    """Expose the configurable site name to every template."""
    return {"SITE_NAME": settings.SITE_NAME}


def unread_notifications(request: HttpRequest) -> dict[str, object]:
    """The header's unread count: one COUNT query for a signed-in user, none otherwise."""
    # A request that skipped the auth middleware (e.g. some error pages) has no user at all.
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {}
    return {"unread_notification_count": selectors.count_unread_notifications(user=user)}


@dataclass(frozen=True)
class Capabilities:
    """What the user may use on every page (the header's links, shortcuts), from each app's
    permissions, so no template tests a role itself."""

    can_keep_portfolio: bool
    can_apply: bool
    can_use_review_queue: bool
    can_use_admin: bool
    can_search_directory: bool


def capabilities(request: HttpRequest) -> dict[str, object]:
    """`capabilities` for every template; no query (roles are on the user row)."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        user = AnonymousUser()
    return {
        "capabilities": Capabilities(
            can_keep_portfolio=can_keep_portfolio(user),
            can_apply=can_apply(user),
            can_use_review_queue=can_use_review_queue(user),
            can_use_admin=can_use_admin(user),
            can_search_directory=can_search_directory(user),
        )
    }
