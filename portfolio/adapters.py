"""allauth hooks: where sign-up meets the portfolio."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction
from django.forms import Form
from django.http import HttpRequest

from portfolio.models import User
from portfolio.services.profiles import ensure_profile


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no type hints
    def save_user(self, request: HttpRequest, user: User, form: Form, commit: bool = True) -> User:
        # Signing up on one's own makes a learner. Other roles come from issuer staff: set in
        # the admin, or by an invitation whose sign-up form carries the invited role.
        user.role = getattr(form, "account_role", User.Role.LEARNER)
        name = form.cleaned_data.get("display_name", "")
        if user.role != User.Role.LEARNER:
            # Only learners have a profile to hold their name; colleagues see this one.
            user.first_name = name
        if not commit:
            saved: User = super().save_user(request, user, form, commit=False)
            return saved
        # The user and their profile commit together: a learner without a profile would
        # break every portfolio page, and a failed profile must not leave a half-made account.
        with transaction.atomic():
            saved = super().save_user(request, user, form, commit=True)
            if saved.role == User.Role.LEARNER:
                ensure_profile(user=saved, display_name=name)
        return saved
