"""python manage.py load_demo: the demo data set, loaded (or completed) idempotently.

This command lives in assessments because it is the one app allowed to import all three:
each app keeps its own demo data in its own module, and this only calls them in the order
the data flows (portfolio, then credentials, then assessments).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from portfolio.demo import DEMO_PASSWORD, DemoDataError, load_portfolio_demo
from portfolio.models import User


class Command(BaseCommand):
    help = (
        "Load the demo data: a skills framework, the demo logins and Amara Okafor's evidence "
        "library. Safe to re-run: nothing is added twice."
    )

    def handle(self, *args: object, **options: object) -> None:
        try:
            portfolio = load_portfolio_demo(stdout=self.stdout)
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc

        profile_url = reverse(
            "credentials:public-portfolio", kwargs={"slug": portfolio.learner.profile.slug}
        )
        notes = {
            portfolio.learner.pk: f"public profile at {profile_url}",
            portfolio.issuer.pk: f"Django admin at {reverse('admin:index')}",
        }
        users = [portfolio.learner, portfolio.assessor, portfolio.employer, portfolio.issuer]
        width = max(len(user.email) for user in users)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password: {DEMO_PASSWORD}):"))
        for user in users:
            line = f"  {user.email:<{width}}  {self._describe(user)}"
            if user.pk in notes:
                line += f" - {notes[user.pk]}"
            self.stdout.write(line)

    def _describe(self, user: User) -> str:
        name = user.profile.display_name if user.role == User.Role.LEARNER else user.get_full_name()
        return f"{name} ({user.get_role_display().lower()})"
