"""The e-mail a notification becomes: its templates, rendered, with links made absolute.

Rendering is kept apart from the outbox (portfolio.services.notifications), which decides
when and whether a message is sent; this module only says what it looks like.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from portfolio.models import Notification

# A notification whose context holds this key (a path) is one of a series the recipient can
# stop: the e-mail carries RFC 2369's List-Unsubscribe header and RFC 8058's one-click
# List-Unsubscribe-Post, so mail programs offer an unsubscribe button. The path must stop the
# series on a POST without a session or CSRF token (its own signed token authorises it).
LIST_UNSUBSCRIBE = "list_unsubscribe"


def build_email(notification: Notification) -> EmailMultiAlternatives:
    recipient = notification.recipient
    unsubscribe = notification.context.get(LIST_UNSUBSCRIBE)
    unsubscribe_link = (
        build_absolute_url(unsubscribe) if isinstance(unsubscribe, str) and unsubscribe else ""
    )
    context = {
        **notification.context,
        "notification": notification,
        "recipient": recipient,
        "site_name": settings.SITE_NAME,
        "link": build_absolute_url(notification.link) if notification.link else "",
        # For paths in the context (e.g. a list of profiles): prefix them with this.
        "site_url": settings.SITE_URL.rstrip("/"),
        "unsubscribe_link": unsubscribe_link,
        # Only an account has e-mail settings; an address without one has nothing to turn off.
        "settings_link": build_absolute_url(reverse("portfolio:email-settings"))
        if recipient
        else "",
    }
    template = f"emails/{notification.kind}"
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}_body.txt", context),
        to=[recipient.email if recipient is not None else notification.to_address],
    )
    message.attach_alternative(render_to_string(f"{template}_body.html", context), "text/html")
    if unsubscribe_link:
        message.extra_headers |= {
            "List-Unsubscribe": f"<{unsubscribe_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return message


def build_absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path
