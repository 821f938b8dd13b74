"""python manage.py sign_credentials [--issuer <slug>]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from credentials.models import CredentialDocument, IssuedCredential, Issuer
from credentials.services import sign_credential
from credentials.vc.identity import NoSigningKey
from credentials.vc.keys import PrivateKeyUnreadable, SigningSecretMissing


def list_unsigned_credentials() -> QuerySet[IssuedCredential]:
    """Credentials that have no Open Badges 3.0 document yet, oldest first."""
    return (
        IssuedCredential.objects.exclude(
            documents__format=CredentialDocument.Format.OPEN_BADGES_3_0
        )
        .select_related("issuer")
        .order_by("issued_at", "pk")
    )


class Command(BaseCommand):
    help = (
        "Sign, as Open Badges 3.0 documents, the issued credentials that have none yet: those "
        "issued before their issuer had a key, or whose signing task was lost. Safe to re-run: "
        "a signed credential keeps its document. Exits non-zero if any could not be signed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--issuer", help="Only this issuer's credentials (its slug).")

    def handle(self, *args: object, **options: object) -> None:
        credentials = list_unsigned_credentials()
        if options["issuer"]:
            if not Issuer.objects.filter(slug=str(options["issuer"])).exists():
                raise CommandError(f"No issuer has the slug {options['issuer']!r}.")
            credentials = credentials.filter(issuer__slug=str(options["issuer"]))
        signed = 0
        # Why each issuer's credentials could not be signed, said once per issuer.
        refused: dict[str, str] = {}
        skipped = 0
        for credential in credentials.iterator():
            slug = credential.issuer.slug
            if slug in refused:
                skipped += 1
                continue
            try:
                sign_credential(credential_id=credential.pk)
            except (NoSigningKey, SigningSecretMissing, PrivateKeyUnreadable) as error:
                refused[slug] = str(error)
                skipped += 1
                continue
            signed += 1
        self.stdout.write(f"Signed {signed} credential(s).")
        for slug, reason in refused.items():
            self.stderr.write(f"Not signed ({slug}): {reason}")
        if skipped:
            raise CommandError(f"{skipped} credential(s) could not be signed.")
