"""Writes to the skills catalogue: importing frameworks and skills from CSV.

An import is all-or-nothing. Every row is checked against the file and the database first;
if any row is bad, nothing is written and every bad row is reported by its line in the file
(line 1 is the header), so a catalogue is never left half-imported.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TextIO

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from portfolio.errors import PortfolioError
from portfolio.events import record_event
from portfolio.models import Skill, SkillFramework, User
from portfolio.permissions import can_edit_skills_catalogue
from portfolio.verbs import SKILLS_IMPORTED, SkillsImported

COLUMNS = ("framework", "name", "description", "code", "uri")

_validate_http_url = URLValidator(schemes=["http", "https"])
_FRAMEWORK_NAME_MAX = SkillFramework._meta.get_field("name").max_length or 200
_FRAMEWORK_SLUG_MAX = SkillFramework._meta.get_field("slug").max_length or 80
_NAME_MAX = Skill._meta.get_field("name").max_length or 200
_CODE_MAX = Skill._meta.get_field("code").max_length or 64
_URI_MAX = Skill._meta.get_field("uri").max_length or 500
_SLUG_MAX = Skill._meta.get_field("slug").max_length or 120


class SkillsImportNotAllowed(PortfolioError):
    """An import by someone who may not change the shared skills catalogue."""


@dataclass
class ImportResult:
    """What an import did; when errors is not empty, nothing was written."""

    created: int = 0
    updated: int = 0
    # Rows that matched an existing skill whose fields were already the same as the file's.
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    framework_name: str
    name: str
    description: str
    code: str
    uri: str
    existing: Skill | None = None


def _key(text: str) -> str:
    # Names match regardless of case, so "SQL querying" and "SQL Querying" are one skill.
    return text.casefold()


class _CsvSyntaxError(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def _records(source: TextIO) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank record with the line it starts on (a quoted value may span lines)."""
    # Strict, so a stray quote is reported instead of silently swallowing the rows after it.
    reader = csv.reader(source, strict=True)
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if any(value.strip() for value in record):
                yield start, record
    except csv.Error as exc:
        raise _CsvSyntaxError(previous_end + 1, str(exc)) from None


def _check_header(header: list[str], *, framework_column_optional: bool) -> list[str]:
    errors = []
    names = [column.strip().lower() for column in header]
    duplicates = sorted({column for column in names if names.count(column) > 1})
    if duplicates:
        errors.append(
            _("the header names these columns more than once: %(columns)s")
            % {"columns": ", ".join(duplicates)}
        )
    unknown = [column for column in names if column not in COLUMNS]
    if unknown:
        errors.append(
            _("unknown column(s) %(unknown)s; the columns are %(columns)s")
            % {"unknown": ", ".join(f'"{c}"' for c in unknown), "columns": ", ".join(COLUMNS)}
        )
    required = [c for c in COLUMNS if not (framework_column_optional and c == "framework")]
    missing = [column for column in required if column not in names]
    if missing:
        errors.append(
            _("missing column(s) %(missing)s; the header row must name %(columns)s")
            % {"missing": ", ".join(f'"{c}"' for c in missing), "columns": ", ".join(COLUMNS)}
        )
    return errors


def _too_long(label: str, value: str, limit: int) -> str:
    return _("%(label)s is longer than %(limit)s characters (it has %(length)s)") % {
        "label": label,
        "limit": limit,
        "length": len(value),
    }


def _check_values(row: _Row, *, framework_column_optional: bool) -> list[str]:
    errors = []
    if not row.framework_name and not framework_column_optional:
        errors.append(_("framework is required"))
    elif len(row.framework_name) > _FRAMEWORK_NAME_MAX:
        errors.append(_too_long("framework", row.framework_name, _FRAMEWORK_NAME_MAX))
    if not row.name:
        errors.append(_("name is required"))
    elif len(row.name) > _NAME_MAX:
        errors.append(_too_long("name", row.name, _NAME_MAX))
    if len(row.code) > _CODE_MAX:
        errors.append(_too_long("code", row.code, _CODE_MAX))
    if len(row.uri) > _URI_MAX:
        errors.append(_too_long("uri", row.uri, _URI_MAX))
    elif row.uri:
        try:
            _validate_http_url(row.uri)
        except ValidationError:
            errors.append(
                _('uri must be an http or https URL; "%(uri)s" is not') % {"uri": row.uri}
            )
    return errors


def _unique_framework_slug(name: str, taken: set[str]) -> str:
    root = slugify(name)[: _FRAMEWORK_SLUG_MAX - 4] or "framework"
    candidate, n = root, 1
    while candidate in taken:
        n += 1
        candidate = f"{root}-{n}"
    return candidate


def _unique_skill_slug(name: str, framework_slug: str, taken: set[str]) -> str:
    # Skill slugs are unique across every framework: the plain name first, then the name
    # qualified by its framework, then numbered.
    base = slugify(name) or "skill"
    root = base[:_SLUG_MAX]
    if root not in taken:
        return root
    root = f"{framework_slug}-{base}"[: _SLUG_MAX - 4].rstrip("-")
    candidate, n = root, 1
    while candidate in taken:
        n += 1
        candidate = f"{root}-{n}"
    return candidate


def _parse(
    source: TextIO, *, forced: SkillFramework | None, errors: list[tuple[int, str]]
) -> list[_Row]:
    """The well-formed rows; problems with the header or a single row go to errors."""
    records = _records(source)
    first = next(records, None)
    if first is None:
        errors.append(
            (
                1,
                _("the file is empty; the header row must name %(columns)s")
                % {"columns": ", ".join(COLUMNS)},
            )
        )
        return []
    header_line, header = first
    header_errors = _check_header(header, framework_column_optional=forced is not None)
    if header_errors:
        errors.extend((header_line, message) for message in header_errors)
        return []
    columns = [column.strip().lower() for column in header]
    rows = []
    for line, record in records:
        if len(record) != len(columns):
            errors.append(
                (
                    line,
                    _("expected %(expected)s values, one per column, but found %(found)s")
                    % {"expected": len(columns), "found": len(record)},
                )
            )
            continue
        values = {column: value.strip() for column, value in zip(columns, record, strict=True)}
        row = _Row(
            line=line,
            framework_name=values.get("framework", ""),
            name=values["name"],
            description=values["description"],
            code=values["code"],
            uri=values["uri"],
        )
        row_errors = _check_values(row, framework_column_optional=forced is not None)
        if forced is not None:
            if row.framework_name and _key(row.framework_name) != _key(forced.name):
                row_errors.append(
                    _('framework "%(given)s" is not "%(chosen)s", the framework of this import')
                    % {"given": row.framework_name, "chosen": forced.name}
                )
            row.framework_name = forced.name
        errors.extend((line, message) for message in row_errors)
        if not row_errors:
            rows.append(row)
    return rows


def _match(
    rows: list[_Row], frameworks: dict[str, SkillFramework], errors: list[tuple[int, str]]
) -> None:
    """Check rows against each other and the catalogue; set row.existing for updates."""
    known = {frameworks[k].pk for row in rows if (k := _key(row.framework_name)) in frameworks}
    by_name: dict[tuple[int, str], Skill] = {}
    by_code: dict[tuple[int, str], Skill] = {}
    for skill in Skill.objects.filter(framework_id__in=known):
        by_name[(skill.framework_id, _key(skill.name))] = skill
        if skill.code:
            by_code[(skill.framework_id, skill.code)] = skill

    seen_names: dict[tuple[str, str], int] = {}
    seen_codes: dict[tuple[str, str], int] = {}
    matched_on: dict[int, int] = {}  # existing skill pk -> line of the row that updates it
    for row in rows:
        framework_key = _key(row.framework_name)
        first_line = seen_names.setdefault((framework_key, _key(row.name)), row.line)
        if first_line != row.line:
            errors.append(
                (
                    row.line,
                    _('name "%(name)s" already appears on line %(line)s')
                    % {"name": row.name, "line": first_line},
                )
            )
        if row.code:
            first_line = seen_codes.setdefault((framework_key, row.code), row.line)
            if first_line != row.line:
                errors.append(
                    (
                        row.line,
                        _('code "%(code)s" already appears on line %(line)s')
                        % {"code": row.code, "line": first_line},
                    )
                )
        framework = frameworks.get(framework_key)
        if framework is None:
            continue
        named = by_name.get((framework.pk, _key(row.name)))
        coded = by_code.get((framework.pk, row.code)) if row.code else None
        if named is not None and coded is not None and named.pk != coded.pk:
            errors.append(
                (
                    row.line,
                    _('code "%(code)s" already belongs to the skill "%(other)s" in this framework')
                    % {"code": row.code, "other": coded.name},
                )
            )
            continue
        existing = named or coded
        if existing is None:
            continue
        # Two rows must not both rewrite one skill (one by name, the other by code).
        first_line = matched_on.setdefault(existing.pk, row.line)
        if first_line != row.line:
            errors.append(
                (
                    row.line,
                    _('this row and line %(line)s both match the existing skill "%(name)s"')
                    % {"line": first_line, "name": existing.name},
                )
            )
            continue
        row.existing = existing


@transaction.atomic(durable=True)
def import_skills_csv(
    *, by: User | None, source: TextIO, framework_slug: str | None = None
) -> ImportResult:
    """Create or update skills (and their frameworks) from CSV text, as `by`.

    `by` is the site administrator importing, or None for an import nobody signed in made
    (the import_skills command run without --by, the demo loader).

    Columns, named in a header row in any order: framework, name, description, code, uri.
    A row updates the existing skill with the same framework and name (case-insensitive) or
    the same framework and code, and creates one otherwise, so re-importing a file never
    duplicates anything. New frameworks are created, with a slug made from their name.

    With framework_slug, every row goes into that existing framework: the framework column
    may then be left out, and where it is filled in it must name that framework.

    Records one event if it created or changed anything. Raises SkillsImportNotAllowed for
    someone who may not edit the catalogue (permissions.can_edit_skills_catalogue).

    All-or-nothing: if any row is bad, nothing is written and result.errors lists every bad
    row as (line number, message), in line order. Two imports racing to create the same
    skill are settled by the unique constraints: the loser raises IntegrityError.
    """
    if by is not None and not can_edit_skills_catalogue(by):
        raise SkillsImportNotAllowed(
            _("Only site administrators can import skills: the catalogue is shared."),
            code="skills.cannot_import",
            status=HTTPStatus.FORBIDDEN,
        )
    result = ImportResult()
    forced: SkillFramework | None = None
    if framework_slug is not None:
        forced = SkillFramework.objects.filter(slug=framework_slug).first()
        if forced is None:
            result.errors.append(
                (
                    1,
                    _('there is no skill framework with the slug "%(slug)s"')
                    % {"slug": framework_slug},
                )
            )
            return result
    try:
        rows = _parse(source, forced=forced, errors=result.errors)
    except _CsvSyntaxError as exc:
        result.errors.append(
            (exc.line, _("this is not valid CSV (%(reason)s)") % {"reason": exc.reason})
        )
        result.errors.sort(key=lambda error: error[0])
        return result
    frameworks = {_key(framework.name): framework for framework in SkillFramework.objects.all()}
    _match(rows, frameworks, result.errors)
    result.errors.sort(key=lambda error: error[0])
    if result.errors:
        return result
    frameworks_created = _write(rows, frameworks, result)
    # Re-importing the same file changes nothing, so it records nothing either.
    if result.created or result.updated or frameworks_created:
        record_event(
            SKILLS_IMPORTED,
            by=by,
            target=None,
            payload=SkillsImported(
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
                frameworks_created=tuple(frameworks_created),
            ),
        )
    return result


def _write(
    rows: list[_Row], frameworks: dict[str, SkillFramework], result: ImportResult
) -> list[str]:
    """Write the checked rows; returns the slugs of the frameworks it created."""
    taken_framework_slugs = set(SkillFramework.objects.values_list("slug", flat=True))
    frameworks_created: list[str] = []
    for row in rows:
        if _key(row.framework_name) not in frameworks:
            slug = _unique_framework_slug(row.framework_name, taken_framework_slugs)
            taken_framework_slugs.add(slug)
            frameworks_created.append(slug)
            frameworks[_key(row.framework_name)] = SkillFramework.objects.create(
                name=row.framework_name, slug=slug
            )

    taken_slugs = set(Skill.objects.values_list("slug", flat=True))
    new: list[Skill] = []
    changed: list[Skill] = []
    for row in rows:
        framework = frameworks[_key(row.framework_name)]
        skill = row.existing
        if skill is None:
            slug = _unique_skill_slug(row.name, framework.slug, taken_slugs)
            taken_slugs.add(slug)
            new.append(
                Skill(
                    framework=framework,
                    name=row.name,
                    slug=slug,
                    description=row.description,
                    code=row.code,
                    uri=row.uri,
                )
            )
            continue
        # An existing skill keeps its slug: it may already be in links and bookmarks.
        incoming = (row.name, row.description, row.code, row.uri)
        if (skill.name, skill.description, skill.code, skill.uri) == incoming:
            result.unchanged += 1
            continue
        skill.name, skill.description, skill.code, skill.uri = incoming
        changed.append(skill)
    Skill.objects.bulk_create(new)
    Skill.objects.bulk_update(changed, ["name", "description", "code", "uri"])
    result.created = len(new)
    result.updated = len(changed)
    return frameworks_created
