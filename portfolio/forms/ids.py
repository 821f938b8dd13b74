"""A form field for a database id: anything that cannot be one is a form error, not a query."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# The largest BigAutoField id (DEFAULT_AUTO_FIELD), which is also SQLite's largest integer.
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    """A whole number from 1 to MAX_ID; a huge, negative or non-numeric value is "invalid"."""

    default_error_messages = {"invalid": _("That is not a valid identifier.")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)
        # One message whatever is wrong with the value: it was never a real id.
        self.error_messages["min_value"] = self.error_messages["invalid"]
        self.error_messages["max_value"] = self.error_messages["invalid"]
