"""python manage.py load_demo: the demo data set, loaded (or completed) idempotently.

Reads and checks every data file in demo/data/ first, then plays it through the services in
the order the data flows: people (portfolio), the issuer (credentials), then applications
(assessments), and finally retires what the data says is retired.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from assessments.models import Application
from credentials.directory.documents import rebuild_directory
from credentials.models import CredentialDocument, IssuedCredential, MicroCredential
from credentials.subscribers import signing_deferred
from demo.applications import load_applications
from demo.directory import load_directory, read_directory_data, save_demo_search
from demo.issuer import load_issuer, retire_demo_micro_credentials, sign_demo_credentials
from demo.people import DEMO_PASSWORD, load_people
from demo.specs import DemoDataError, read_demo_data
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
            data = read_demo_data()
            directory = read_directory_data(data)
            # The demo plays made-up events through the real services, which notify as in
            # real use: the notifications are part of the demo's inboxes, but no e-mail about
            # them goes to the demo's addresses, whatever the mail and broker settings.
            # Signing waits until the scenarios have moved credentials' dates back.
            with emails_withheld(), signing_deferred():
                portfolio = load_people(data=data, today=timezone.now().date(), stdout=self.stdout)
                issuer = load_issuer(data=data, people=portfolio, stdout=self.stdout)
                assessments = load_applications(
                    data=data, people=portfolio, issuer=issuer, stdout=self.stdout
                )
                retire_demo_micro_credentials(data=data, demo=issuer, by=portfolio.issuer)
                load_directory(
                    data=data,
                    directory=directory,
                    people=portfolio,
                    demo_issuer=issuer,
                    today=timezone.now().date(),
                    stdout=self.stdout,
                )
            # Scenario steps are moved back in time after their events refreshed the
            # directory, so its entries are written again from the final state.
            rebuild_directory()
            save_demo_search(directory, portfolio)
            signed = sign_demo_credentials()
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc

        self._summary()
        documents = CredentialDocument.objects.filter(
            format=CredentialDocument.Format.OPEN_BADGES_3_0
        ).count()
        self.stdout.write(
            f"  Signed credentials (Open Badges 3.0): {documents} ({signed} signed just now)"
        )
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
