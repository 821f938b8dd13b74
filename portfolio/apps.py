from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfolio"

    def ready(self) -> None:
        # Registers the range-checked `in` lookup for every integer column in the project.
        from portfolio import lookups  # noqa: F401
