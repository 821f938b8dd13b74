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
        # Every sign-up is a learner; other roles are granted by issuer staff in the admin.
        user.role = User.Role.LEARNER
        if not commit:
            saved: User = super().save_user(request, user, form, commit=False)
            return saved
        # The user and their profile commit together: a learner without a profile would
        # break every portfolio page, and a failed profile must not leave a half-made account.
        with transaction.atomic():
            saved = super().save_user(request, user, form, commit=True)
            ensure_profile(user=saved, display_name=form.cleaned_data.get("display_name", ""))
        return saved
