"""allauth's sign-up and login forms, with the name we ask for and the site's wording."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from portfolio.models import User


class SignupForm(AllauthSignupForm):  # type: ignore[misc]  # allauth ships no type hints
    """Sign-up asks for the name that credentials are awarded to, before anything else."""

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        help_text=_("As it should appear on your portfolio and on credentials you earn."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Enter your name: it is shown on credentials you earn.")},
    )
    field_order = ["display_name", "email", "password1", "password2"]
    # The role the new account gets (portfolio.adapters.AccountAdapter). Anyone signing up
    # on their own is a learner; a form for an invitation sets the role it invites to.
    account_role: str = User.Role.LEARNER

    def clean_display_name(self) -> str:
        name: str = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(
                _("Enter your name: it is shown on credentials you earn."), code="required"
            )
        return name


class LoginForm(AllauthLoginForm):  # type: ignore[misc]  # allauth ships no type hints
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The site writes labels in sentence case; allauth's says "Remember Me".
        if "remember" in self.fields:
            self.fields["remember"].label = _("Remember me")
