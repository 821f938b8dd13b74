"""The filters of the activity page (portfolio.views.activity)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from portfolio.activity import list_verb_choices
from portfolio.forms.evidence import DATE_INPUT_FORMATS, SiteDateInput

_DATE_ERRORS = {"invalid": _("Enter a date such as 14 March 2026.")}


class ActivityFilterForm(forms.Form):
    verb = forms.ChoiceField(label=_("What happened"), required=False)
    actor = forms.CharField(
        label=_("Who did it"),
        required=False,
        max_length=254,
        help_text=_("Their e-mail address, or part of it."),
    )
    since = forms.DateField(
        label=_("From"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=SiteDateInput(),
        error_messages=_DATE_ERRORS,
    )
    until = forms.DateField(
        label=_("Until"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=SiteDateInput(),
        error_messages=_DATE_ERRORS,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The verbs are declared by every app at import time, so the choices are read now.
        verb = cast(forms.ChoiceField, self.fields["verb"])
        verb.choices = [("", _("Anything")), *list_verb_choices()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since is not None and until is not None and since > until:
            self.add_error("until", _("Choose a day on or after the first one."))
        cleaned["actor"] = (cleaned.get("actor") or "").strip()
        return cleaned
