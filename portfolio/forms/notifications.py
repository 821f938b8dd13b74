"""Forms for the notification inbox and e-mail settings: they check shape only."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from django import forms

from portfolio.forms.ids import IdField
from portfolio.notification_kinds import get_notification_kind


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
            registration = get_notification_kind(kind)
            self.fields[kind] = forms.BooleanField(
                label=registration.label,
                required=False,
                initial=kind in enabled_kinds,
                help_text=registration.explanation(),
            )

    def enabled_kinds(self) -> list[str]:
        return [kind for kind in self.fields if self.cleaned_data.get(kind)]
