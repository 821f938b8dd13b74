from django.conf import settings
from django.http import HttpRequest

from portfolio import selectors
from portfolio.models import User


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
