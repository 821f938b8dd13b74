"""python manage.py signing_keys generate|rotate|list (<issuer-slug> | --site)"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credentials.exceptions import SigningKeyNotAllowed
from credentials.models import Issuer, SigningKey
from credentials.services import generate_signing_key, rotate_signing_key
from credentials.vc.identity import owner_did, verification_method_id


class Command(BaseCommand):
    help = (
        "Make (generate: only if it has none, safe to re-run), replace (rotate: the old key "
        "stays published, so what it signed still verifies) or list the Ed25519 signing keys "
        "of an issuer, or of the site itself with --site. Prints public keys only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["generate", "rotate", "list"])
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument("issuer", nargs="?", help="The issuer's slug.")
        owner.add_argument("--site", action="store_true", help="The site's own key.")

    def handle(self, *args: object, **options: object) -> None:
        issuer = None
        if not options["site"]:
            try:
                issuer = Issuer.objects.get(slug=str(options["issuer"]))
            except Issuer.DoesNotExist:
                raise CommandError(f"No issuer has the slug {options['issuer']!r}.") from None
        issuer_id = issuer.pk if issuer is not None else None
        action = options["action"]
        if action == "list":
            self._list(issuer)
            return
        had = SigningKey.objects.filter(issuer=issuer, retired_at__isnull=True).first()
        try:
            if action == "generate":
                key = generate_signing_key(issuer_id=issuer_id, by=None)
            else:
                key = rotate_signing_key(issuer_id=issuer_id, by=None)
        except SigningKeyNotAllowed as error:
            raise CommandError(error.message) from None
        if action == "generate" and had is not None and had.pk == key.pk:
            self.stdout.write(f"Already has an active key: {verification_method_id(issuer, key)}")
        else:
            self.stdout.write(f"Signing with {verification_method_id(issuer, key)}")
            if had is not None and action == "rotate":
                self.stdout.write(f"Retired {had.key_id}; it stays published.")
        self.stdout.write(f"Identifier: {owner_did(issuer, key)}")
        self.stdout.write(f"Public key: {key.public_key_multibase}")

    def _list(self, issuer: Issuer | None) -> None:
        keys = list(SigningKey.objects.filter(issuer=issuer))
        if not keys:
            self.stdout.write("No signing keys.")
        for key in keys:
            state = f"retired {key.retired_at:%Y-%m-%d}" if key.retired_at else "active"
            self.stdout.write(
                f"{key.key_id}\t{key.public_key_multibase}\t"
                f"created {key.created_at:%Y-%m-%d}\t{state}"
            )
