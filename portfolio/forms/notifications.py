"""Forms for the notification inbox and e-mail settings: they check shape only."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _

from portfolio.forms.ids import IdField
from portfolio.models import Notification

Kind = Notification.Kind


def who_gets(kind: str) -> str:
    """When this kind of notification is sent, for the settings page."""
    texts = {
        Kind.APPLICATION_SUBMITTED: _(
            "A learner submits or resubmits an application for a micro-credential you assess."
        ),
        Kind.APPLICATION_CLAIMED: _("An assessor takes your application into review."),
        Kind.CHANGES_REQUESTED: _("An assessor asks you to change your application."),
        Kind.APPLICATION_REJECTED: _("An assessor decides not to approve your application."),
        Kind.CREDENTIAL_ISSUED: _("You earn a credential; the e-mail has its public link."),
        Kind.CREDENTIAL_EXPIRING: _("One of your credentials will expire within %(days)s days.")
        % {"days": settings.CREDENTIAL_EXPIRY_REMINDER_DAYS},
        Kind.CREDENTIAL_REVOKED: _(
            "The issuer revokes one of your credentials; the e-mail gives their reason."
        ),
        Kind.APPLICATION_WAITING: _(
            "An application to your organisation has waited more than %(days)s days for review."
        )
        % {"days": settings.APPLICATION_WAITING_DAYS},
        Kind.ISSUER_INVITATION: _(
            "An organisation invites you to join it as its staff or as an assessor."
        ),
    }
    return texts[Kind(kind)]


class MarkReadForm(forms.Form):
    """Which notification to mark read; without one, every unread notification is."""

    # Sent by the per-item button (name="notification", value=its id), not by a field.
    notification = IdField(required=False)
    # The inbox page to go back to afterwards.
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class EmailSettingsForm(forms.Form):
    """One checkbox per kind of notification: ticked means "e-mail me this too"."""

    def __init__(
        self,
        *args: Any,
        kinds: Sequence[str],
        enabled_kinds: Collection[str],
        **kwargs: Any,
    ) -> None:
        # A label beside a checkbox reads as a statement, not a question: no colon.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind] = forms.BooleanField(
                label=Kind(kind).label,
                required=False,
                initial=kind in enabled_kinds,
                help_text=who_gets(kind),
            )

    def enabled_kinds(self) -> list[str]:
        return [kind for kind in self.fields if self.cleaned_data.get(kind)]
