"""Forms for the notification inbox and e-mail settings: they check shape only."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _

from portfolio.models import Notification

Kind = Notification.Kind


def who_gets(kind: str) -> str:
    """Who receives this kind of notification, and when, for the settings page."""
    texts = {
        Kind.APPLICATION_SUBMITTED: _(
            "Assessors: a learner submits or resubmits an application for a micro-credential you assess."
        ),
        Kind.APPLICATION_CLAIMED: _("Learners: an assessor takes your application into review."),
        Kind.CHANGES_REQUESTED: _("Learners: an assessor asks you to change your application."),
        Kind.APPLICATION_REJECTED: _(
            "Learners: an assessor decides not to approve your application."
        ),
        Kind.CREDENTIAL_ISSUED: _(
            "Learners: you earn a credential; the e-mail has its public link."
        ),
        Kind.CREDENTIAL_EXPIRING: _(
            "Learners: one of your credentials will expire within %(days)s days."
        )
        % {"days": settings.CREDENTIAL_EXPIRY_REMINDER_DAYS},
        Kind.APPLICATION_WAITING: _(
            "Issuer staff: an application has waited more than %(days)s days for review."
        )
        % {"days": settings.APPLICATION_WAITING_DAYS},
    }
    return texts[Kind(kind)]


class MarkReadForm(forms.Form):
    """Which notification to mark read; without one, every unread notification is."""

    # Sent by the per-item button (name="notification", value=its id), not by a field.
    notification = forms.IntegerField(required=False, min_value=1)
    # The inbox page to go back to afterwards.
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class EmailSettingsForm(forms.Form):
    """One checkbox per kind of notification: ticked means "e-mail me this too"."""

    def __init__(self, *args: Any, enabled_kinds: Collection[str], **kwargs: Any) -> None:
        # A label beside a checkbox reads as a statement, not a question: no colon.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[kind] = forms.BooleanField(
                label=label,
                required=False,
                initial=kind in enabled_kinds,
                help_text=who_gets(kind),
            )

    def enabled_kinds(self) -> list[str]:
        return [kind for kind in Kind.values if self.cleaned_data.get(kind)]
