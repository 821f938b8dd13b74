from typing import Any

from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfolio"

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in

        # lookups registers the range-checked `in` lookup for every integer column in the
        # project; verbs declares the app's verbs, so the activity page lists every kind.
        from portfolio import lookups, verbs  # noqa: F401

        # Every login goes through allauth, the admin's included (config/urls.py).
        user_logged_in.connect(_record_admin_login, dispatch_uid="portfolio.record_admin_login")

        from portfolio.activity import (
            describe_evidence,
            describe_profiles,
            describe_users,
            register_target,
        )

        register_target("portfolio.evidenceitem", describe_evidence)
        register_target("portfolio.learnerprofile", describe_profiles)
        register_target("portfolio.user", describe_users)

        from portfolio.permissions import grant_portfolio_admin_permissions

        grant_portfolio_admin_permissions()


def _record_admin_login(sender: object, *, user: Any, **kwargs: object) -> None:
    from portfolio.services.accounts import record_admin_login

    record_admin_login(user=user)
