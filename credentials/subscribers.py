"""What credentials does when its events are recorded: tell the people concerned.

Each reaction runs inside the transaction that recorded the event (Phase.IN_TRANSACTION), so
its notification row, the e-mail outbox, commits with the change and is e-mailed only after
commit. A reaction that fails is logged and undone alone (portfolio.events); the change stands.
Subscribed from CredentialsConfig.ready().
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from credentials import notification_kinds
from credentials.models import IssuedCredential
from credentials.verbs import (
    CREDENTIAL_ISSUED,
    CREDENTIAL_REVOKED,
    CredentialIssued,
    CredentialRevoked,
)
from portfolio.events import Phase, subscribe
from portfolio.models import Event
from portfolio.services.notifications import notify


def _target_id(event: Event) -> int:
    if event.target_id is None:
        raise ValueError(f"{event.verb} event {event.pk} names no target.")
    return event.target_id


def _credential(event: Event) -> IssuedCredential:
    # The row the service just wrote, in the same transaction: one query, with what the
    # notifications name.
    return IssuedCredential.objects.select_related("learner", "issuer", "micro_credential").get(
        pk=_target_id(event)
    )


def tell_holder_of_issue(event: Event, payload: CredentialIssued) -> None:
    credential = _credential(event)
    notify(
        recipients=[credential.learner],
        kind=notification_kinds.CREDENTIAL_ISSUED,
        subject=_("You have earned %(title)s") % {"title": payload.title},
        link=reverse("credentials:credential-detail", args=[credential.public_id]),
        context={"title": payload.title, "issuer": credential.issuer.name},
    )


def tell_holder_of_revocation(event: Event, payload: CredentialRevoked) -> None:
    credential = _credential(event)
    title = credential.micro_credential.title
    notify(
        recipients=[credential.learner],
        kind=notification_kinds.CREDENTIAL_REVOKED,
        subject=_("%(title)s has been revoked") % {"title": title},
        link=reverse("credentials:credential-detail", args=[credential.public_id]),
        context={"title": title, "issuer": credential.issuer.name, "reason": payload.reason},
    )


def subscribe_notifications() -> None:
    subscribe(CREDENTIAL_ISSUED, tell_holder_of_issue, phase=Phase.IN_TRANSACTION)
    subscribe(CREDENTIAL_REVOKED, tell_holder_of_revocation, phase=Phase.IN_TRANSACTION)
