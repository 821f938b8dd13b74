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


def build_email(notification: Notification) -> EmailMultiAlternatives:
    recipient = notification.recipient
    context = {
        **notification.context,
        "notification": notification,
        "recipient": recipient,
        "site_name": settings.SITE_NAME,
        "link": build_absolute_url(notification.link) if notification.link else "",
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
    return message


def build_absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path
