"""python manage.py import_skills path/to/skills.csv"""

from __future__ import annotations

import io
from argparse import ArgumentParser
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portfolio.models import User
from portfolio.services.skills import COLUMNS, SkillsImportNotAllowed, import_skills_csv


class Command(BaseCommand):
    help = (
        "Import skills from a UTF-8 CSV file whose header row names the columns "
        f"{', '.join(COLUMNS)}. Re-importing updates skills in place; if any row is bad, "
        "nothing is imported and the bad rows are listed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="The CSV file to import.")
        parser.add_argument(
            "--framework",
            dest="framework_slug",
            metavar="SLUG",
            help="Import every row into this existing framework (the framework column may "
            "then be left out).",
        )
        parser.add_argument(
            "--by",
            dest="by_email",
            metavar="EMAIL",
            help="The e-mail address of the site administrator importing, recorded in the event "
            "log as the one who did it (without it, the log names nobody).",
        )

    def handle(
        self,
        *args: object,
        path: str,
        framework_slug: str | None,
        by_email: str | None,
        **options: object,
    ) -> None:
        by = None
        if by_email is not None:
            by = User.objects.filter(email__iexact=by_email.strip()).first()
            if by is None:
                raise CommandError(f'There is no user with the address "{by_email}".')
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise CommandError(f'There is no file at "{path}".') from None
        except IsADirectoryError:
            raise CommandError(f'"{path}" is a folder; give the path of a CSV file.') from None
        except OSError as exc:
            raise CommandError(f'Could not read "{path}": {exc.strerror}.') from None
        try:
            # utf-8-sig: spreadsheet programs often start "CSV UTF-8" files with a byte-order mark.
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise CommandError(
                f'"{path}" is not UTF-8 text: line {line} has a character in another encoding. '
                'Save it as "CSV UTF-8" and try again.'
            ) from None

        try:
            result = import_skills_csv(
                by=by, source=io.StringIO(text, newline=""), framework_slug=framework_slug
            )
        except SkillsImportNotAllowed as refused:
            raise CommandError(refused.message) from None
        if result.errors:
            for line, message in result.errors:
                self.stderr.write(f"line {line}: {message}")
            raise CommandError("Nothing was imported: fix the rows listed above and try again.")
        summary = f"Imported {result.created} new and {result.updated} updated skills."
        if result.unchanged:
            summary += f" {result.unchanged} were already up to date."
        self.stdout.write(self.style.SUCCESS(summary))
