"""python manage.py rebuild_directory"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from credentials.directory.documents import rebuild_directory


class Command(BaseCommand):
    help = (
        "Write every profile's entry in the employers' directory from scratch. Events keep "
        "entries current; run this once on first deploy, or to repair entries after a failure."
    )

    def handle(self, *args: object, **options: object) -> None:
        count = rebuild_directory()
        self.stdout.write(f"Rebuilt {count} directory entr{'y' if count == 1 else 'ies'}.")
