"""python manage.py load_demo: the demo data set, loaded (or completed) idempotently.

This command lives in assessments because it is the one app allowed to import all three:
each app keeps its own demo data in its own module, and this only calls them in the order
the data flows (portfolio, then credentials, then assessments).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from assessments.demo import load_assessments_demo
from assessments.models import Application
from credentials.demo import load_credentials_demo, retire_demo_micro_credentials
from credentials.models import IssuedCredential, MicroCredential
from portfolio.demo import DEMO_PASSWORD, DemoDataError, load_portfolio_demo
from portfolio.models import EvidenceItem, Notification, User
from portfolio.services.notifications import emails_withheld


class Command(BaseCommand):
    help = (
        "Load the demo data: a skills framework, the demo logins, Amara Okafor's evidence "
        "library and credentials, the demo issuer's micro-credentials and an assessor's queue "
        "of applications. Safe to re-run: nothing is added twice."
    )

    def handle(self, *args: object, **options: object) -> None:
        try:
            # The demo plays made-up events through the real services, which notify as in
            # real use: the notifications are part of the demo's inboxes, but no e-mail about
            # them goes to the demo's addresses, whatever the mail and broker settings.
            with emails_withheld():
                portfolio = load_portfolio_demo(stdout=self.stdout)
                credentials = load_credentials_demo(portfolio=portfolio, stdout=self.stdout)
                assessments = load_assessments_demo(
                    portfolio=portfolio, credentials=credentials, stdout=self.stdout
                )
                retire_demo_micro_credentials(demo=credentials)
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc

        self._summary()
        waiting = (
            Application.objects.awaiting_review()
            .filter(micro_credential__assessors=portfolio.assessor)
            .exclude(learner=portfolio.assessor)
            .count()
        )
        profile_url = reverse(
            "credentials:public-portfolio", kwargs={"slug": portfolio.learner.profile.slug}
        )
        notes = {
            portfolio.learner.pk: f"public profile at {profile_url}",
            portfolio.assessor.pk: f"{waiting} applications waiting at {reverse('assessments:queue')}",
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
        if assessments.learners:
            self.stdout.write(
                f"  ...and {len(assessments.learners)} more learners with applications in the "
                f"queue, such as {assessments.learners[0].email}"
            )

    def _summary(self) -> None:
        now = timezone.now()
        micro_credentials = MicroCredential.objects.aggregate(
            total=Count("pk"),
            published=Count("pk", filter=Q(status=MicroCredential.Status.PUBLISHED)),
            retired=Count("pk", filter=Q(status=MicroCredential.Status.RETIRED)),
        )
        statuses = dict(
            Application.objects.values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        by_status = ", ".join(
            f"{statuses[status]} {label.lower()}"
            for status, label in Application.Status.choices
            if statuses.get(status)
        )
        credentials = [
            credential.status_at(now)
            for credential in IssuedCredential.objects.only("revoked_at", "expires_at")
        ]
        by_validity = ", ".join(
            f"{credentials.count(status)} {status.label.lower()}"
            for status in IssuedCredential.Status
        )
        self.stdout.write("")
        self.stdout.write("In the database now:")
        self.stdout.write(
            f"  Micro-credentials: {micro_credentials['total']} "
            f"({micro_credentials['published']} published, {micro_credentials['retired']} retired)"
        )
        self.stdout.write(
            f"  Learners: {User.objects.filter(role=User.Role.LEARNER).count()}, "
            f"with {EvidenceItem.objects.count()} evidence items"
        )
        self.stdout.write(f"  Applications: {sum(statuses.values())} ({by_status})")
        self.stdout.write(f"  Credentials: {len(credentials)} ({by_validity})")
        self.stdout.write(
            f"  Notifications: {Notification.objects.count()} (the demo's e-mails are not sent)"
        )

    def _describe(self, user: User) -> str:
        name = user.profile.display_name if user.role == User.Role.LEARNER else user.get_full_name()
        return f"{name} ({user.get_role_display().lower()})"
