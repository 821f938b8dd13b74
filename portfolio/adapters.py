"""allauth hooks: where sign-up meets the portfolio."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.forms import Form
from django.http import HttpRequest

from portfolio.models import User


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no type hints
    def save_user(self, request: HttpRequest, user: User, form: Form, commit: bool = True) -> User:
        # Every sign-up is a learner; other roles are granted by issuer staff in the admin.
        user.role = User.Role.LEARNER
        saved: User = super().save_user(request, user, form, commit=commit)
        if commit:
            from portfolio.services.profiles import ensure_profile

            ensure_profile(user=saved)
        return saved
