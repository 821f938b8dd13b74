from typing import Any

from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfolio"

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in

        # Registers the range-checked `in` lookup for every integer column in the project.
        from portfolio import lookups  # noqa: F401

        # Every login goes through allauth, the admin's included (config/urls.py).
        user_logged_in.connect(_record_admin_login, dispatch_uid="portfolio.record_admin_login")


def _record_admin_login(sender: object, *, user: Any, **kwargs: object) -> None:
    from portfolio.services.accounts import record_admin_login

    record_admin_login(user=user)
