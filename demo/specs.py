"""The demo's content, read from the data files in demo/data/ into typed, checked records.

Everything is read and checked before anything is written, so a mistake in a data file stops
load_demo with a DemoDataError naming the file and the entry (and the key) that is wrong,
rather than half-way through the load or with a KeyError. Checks cover the shape of each
entry (keys, types, choices) and the references between entries and files: skills named in
the skills CSV, evidence titles in the learner's library, micro-credentials, rubric levels
and assets that exist.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from credentials.models import MicroCredential
from portfolio.models import EvidenceItem, User

DEMO_DIR = Path(__file__).resolve().parent
DATA_DIR = DEMO_DIR / "data"
ASSETS_DIR = DEMO_DIR / "assets"

# What an asset's name says it is; the upload cleaning then checks the bytes, as for any upload.
_ASSET_TYPES = {
    ".jpg": "image/jpeg",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".webp": "image/webp",
}

_T = TypeVar("_T")


class DemoDataError(Exception):
    """The demo data cannot be loaded; the message names the file and entry at fault."""


# --- Records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Asset:
    """An image or PDF committed under demo/assets/."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def content_type(self) -> str:
        return _ASSET_TYPES[self.path.suffix]

    def read(self) -> bytes:
        return self.path.read_bytes()


@dataclass(frozen=True)
class UserSpec:
    email: str
    role: str
    first_name: str
    last_name: str
    is_staff: bool = False
    is_superuser: bool = False


@dataclass(frozen=True)
class ProfileSpec:
    display_name: str
    headline: str
    location: str
    is_public: bool
    # Whether /p/<slug>/transcript.pdf answers (only with a public profile).
    transcript_is_public: bool = False
    # Empty: the slug ensure_profile made from the name.
    slug: str = ""
    bio: str = ""
    avatar: Asset | None = None


@dataclass(frozen=True)
class EvidenceSpec:
    title: str
    kind: str
    description: str
    skills: tuple[str, ...]
    # Exactly one of the two: a fixed date, or a number of days before the load.
    work_done_on: date | None = None
    work_done_days_ago: int | None = None
    file: Asset | None = None
    url: str = ""
    body: str = ""
    # Position on the public page (1 first); None keeps the item private.
    public_position: int | None = None

    def work_done(self, today: date) -> date:
        if self.work_done_on is not None:
            return self.work_done_on
        return date.fromordinal(today.toordinal() - (self.work_done_days_ago or 0))


@dataclass(frozen=True)
class LearnerSpec:
    user: UserSpec
    profile: ProfileSpec
    evidence: tuple[EvidenceSpec, ...]


@dataclass(frozen=True)
class IssuerSpec:
    name: str
    slug: str
    url: str
    email: str
    description: str
    country: str
    logo: Asset


@dataclass(frozen=True)
class CriterionSpec:
    title: str
    description: str
    # One description per level of the rubric scale, in its order.
    levels: tuple[str, ...]


@dataclass(frozen=True)
class MicroCredentialSpec:
    slug: str
    title: str
    status: str
    level: str
    estimated_hours: int
    validity_months: int | None
    skills: tuple[str, ...]
    badge: Asset
    summary: str
    description: str
    criteria: str
    evidence_expected: str
    rubric: tuple[CriterionSpec, ...]
    # The elements of the Council Recommendation on micro-credentials (2022/C 243/02,
    # Annex I) the fields above do not state; the optional ones are "" or None when not stated.
    learning_outcomes: str
    assessment_type: str
    participation: str
    quality_assurance: str
    ects_credits: Decimal | None = None
    eqf_level: int | None = None
    national_framework_level: str = ""
    prerequisites: str = ""
    supervision: str = ""
    grading: str = ""
    # The slug of another micro-credential of the file; "" when it stands alone.
    stacks_towards: str = ""


@dataclass(frozen=True)
class Answer:
    statement: str
    evidence: tuple[str, ...]  # titles in the learner's library
    self_level: str


@dataclass(frozen=True)
class Draft:
    days_ago: float
    # By criterion position; fewer answers than criteria leave the rest blank.
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class Submit:
    days_ago: float


@dataclass(frozen=True)
class Claim:
    days_ago: float


@dataclass(frozen=True)
class RequestChanges:
    days_ago: float
    feedback: str
    levels: tuple[str, ...]  # a level name per criterion


@dataclass(frozen=True)
class Revise:
    days_ago: float
    criterion: int  # the position of the criterion whose answer the learner rewrites
    answer: Answer


@dataclass(frozen=True)
class Approve:
    days_ago: float
    feedback: str
    levels: tuple[str, ...]


@dataclass(frozen=True)
class Revoke:
    days_ago: float
    reason: str


Step = Draft | Submit | Claim | RequestChanges | Revise | Approve | Revoke


@dataclass(frozen=True)
class Scenario:
    """One application's life, step by step; each step happened `days_ago`."""

    learner: str  # e-mail
    micro_credential: str  # slug
    steps: tuple[Step, ...]

    @property
    def earns_credential(self) -> bool:
        return any(isinstance(step, Approve) for step in self.steps)


@dataclass(frozen=True)
class DemoData:
    """The whole demo, as the data files describe it."""

    skills_csv: Path
    framework_name: str
    # The four demo logins, by part: learner, assessor, employer, issuer.
    logins: dict[str, UserSpec]
    # Amara, the learner login: her profile and evidence library.
    learner: LearnerSpec
    # Her evidence from before the library's story starts, added with the applications.
    earlier_evidence: tuple[EvidenceSpec, ...]
    issuer: IssuerSpec
    level_names: tuple[str, ...]
    required_level: str
    micro_credentials: tuple[MicroCredentialSpec, ...]
    # The learners whose applications wait in the assessor's queue.
    queue_learners: tuple[LearnerSpec, ...]
    scenarios: tuple[Scenario, ...]


# --- Reading a TOML file -------------------------------------------------------------------


@dataclass
class _Table:
    """One TOML table, read key by key; errors say where it is."""

    values: dict[str, object]
    where: str
    _read: set[str] = field(default_factory=set)

    def error(self, key: str | None, problem: str) -> DemoDataError:
        return DemoDataError(f"{self.where}{f', {key}' if key else ''}: {problem}")

    def _get(self, key: str, kind: type[_T], kind_name: str, default: _T | None) -> _T:
        self._read.add(key)
        if key not in self.values:
            if default is None:
                raise self.error(key, "missing")
            return default
        value = self.values[key]
        # TOML has no other way to say "an integer" than an int, and a bool is not one.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(key, f"must be {kind_name}, not {value!r}")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value = self._get(key, str, "text", default)
        if not value.strip() and default is None:
            raise self.error(key, "must not be empty")
        return value

    def integer(self, key: str, default: int | None = None, *, minimum: int = 0) -> int:
        value = self._get(key, int, "a whole number", default)
        if value < minimum:
            raise self.error(key, f"must be at least {minimum}, not {value}")
        return value

    def optional_integer(
        self, key: str, *, minimum: int = 0, maximum: int | None = None
    ) -> int | None:
        if key not in self.values:
            return None
        value = self.integer(key, minimum=minimum)
        if maximum is not None and value > maximum:
            raise self.error(key, f"must be at most {maximum}, not {value}")
        return value

    def optional_decimal(self, key: str, *, places: int, maximum: int) -> Decimal | None:
        """A number such as 1.5, kept exact, with at most `places` decimals."""
        if key not in self.values:
            return None
        self._read.add(key)
        value = self.values[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"must be a number such as 1.5, not {value!r}")
        # TOML numbers arrive as binary floats; their shortest text is what the file says.
        number = Decimal(str(value))
        if not 0 < number <= maximum:
            raise self.error(key, f"must be more than 0 and at most {maximum}, not {value}")
        if number != round(number, places):
            raise self.error(key, f"must have at most {places} decimal places, not {value}")
        return number

    def days(self, key: str) -> float:
        self._read.add(key)
        value = self.values.get(key)
        if value is None:
            raise self.error(key, "missing")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.error(key, f"must be a number of days, not {value!r}")
        return float(value)

    def boolean(self, key: str, default: bool | None = None) -> bool:
        return self._get(key, bool, "true or false", default)

    def day(self, key: str) -> date:
        value = self._get(key, date, "a date such as 2026-10-20", None)
        if isinstance(value, datetime):
            raise self.error(key, f"must be a date without a time, not {value!r}")
        return value

    def choice(self, key: str, choices: Iterable[str], default: str | None = None) -> str:
        value = self.text(key, default)
        allowed = list(choices)
        if value not in allowed:
            raise self.error(key, f"must be one of {', '.join(allowed)}, not {value!r}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        values = self._get(key, list, "a list of texts", None)
        if not values or not all(isinstance(value, str) and value.strip() for value in values):
            raise self.error(key, "must be a list of texts, none of them empty")
        return tuple(values)

    def asset(self, key: str) -> Asset:
        name = self.text(key)
        path = (ASSETS_DIR / name).resolve()
        if not path.is_relative_to(ASSETS_DIR) or not path.is_file():
            raise self.error(key, f"there is no file {name!r} in demo/assets/")
        if path.suffix not in _ASSET_TYPES:
            raise self.error(key, f"must be one of {', '.join(sorted(_ASSET_TYPES))} files")
        return Asset(path)

    def optional_asset(self, key: str) -> Asset | None:
        return self.asset(key) if key in self.values else None

    def table(self, key: str) -> _Table:
        return _Table(self._get(key, dict, f"a table ([{key}])", None), f"{self.where}, [{key}]")

    def tables(self, key: str, label: Callable[[_Table], str] | None = None) -> list[_Table]:
        """An array of tables ([[key]]); each is named by its position and its label key."""
        values = self._get(key, list, f"an array of tables ([[{key}]])", None)
        tables = []
        for number, value in enumerate(values, start=1):
            where = f"{self.where}, {key} #{number}"
            if not isinstance(value, dict):
                raise DemoDataError(f"{where}: must be a table, not {value!r}")
            table = _Table(value, where)
            if label is not None:
                table.where = f"{where} ({label(table)})"
            tables.append(table)
        return tables

    def done(self) -> None:
        """Refuse keys nothing read: a misspelt key would otherwise be silently ignored."""
        unknown = sorted(set(self.values) - self._read)
        if unknown:
            raise self.error(None, f"unknown key {unknown[0]!r}")


def _label(key: str) -> Callable[[_Table], str]:
    def label(table: _Table) -> str:
        value = table.values.get(key)
        return repr(value) if isinstance(value, str) else "?"

    return label


def display_path(path: Path) -> str:
    """The path from the project's root, as messages name it."""
    return (
        str(path.relative_to(DEMO_DIR.parent))
        if path.is_relative_to(DEMO_DIR.parent)
        else str(path)
    )


def read_toml(path: Path) -> _Table:
    """The file's top-level table; a missing file or bad TOML is a DemoDataError naming it."""
    try:
        with path.open("rb") as source:
            values = tomllib.load(source)
    except FileNotFoundError:
        raise DemoDataError(f"{display_path(path)}: missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise DemoDataError(f"{display_path(path)}: not valid TOML: {exc}") from None
    return _Table(values, display_path(path))


# --- The data files ------------------------------------------------------------------------

LOGIN_PARTS = ("learner", "assessor", "employer", "issuer")


def read_demo_data(data_dir: Path | None = None) -> DemoData:
    """Read and check every demo data file in data_dir (demo/data/). Raises DemoDataError."""
    data_dir = DATA_DIR if data_dir is None else data_dir
    skills_csv = data_dir / "skills.csv"
    framework_name, skill_names = _read_skill_names(skills_csv)

    users = read_toml(data_dir / "users.toml")
    logins = {part: _user(users.table(part)) for part in LOGIN_PARTS}
    users.done()

    library = read_toml(data_dir / "library.toml")
    learner = LearnerSpec(
        user=logins["learner"],
        profile=_profile(library.table("profile"), avatar=True),
        evidence=_evidence_list(library, "evidence", skill_names, curated=True),
    )
    earlier_evidence = _evidence_list(library, "earlier_evidence", skill_names)
    library.done()

    issuer_file = read_toml(data_dir / "issuer.toml")
    issuer = _issuer(issuer_file.table("issuer"))
    scale = issuer_file.table("rubric_scale")
    level_names = scale.texts("levels")
    required_level = scale.choice("required", level_names)
    scale.done()
    micro_credentials = tuple(
        _micro_credential(table, skill_names, level_names)
        for table in issuer_file.tables("micro_credentials", _label("slug"))
    )
    _refuse_repeats(issuer_file, "micro_credentials", [m.slug for m in micro_credentials])
    _check_stacking(issuer_file, micro_credentials)
    issuer_file.done()

    learners_file = read_toml(data_dir / "learners.toml")
    queue_learners = tuple(
        _queue_learner(table, skill_names)
        for table in learners_file.tables("learners", _label("email"))
    )
    emails = [spec.user.email for spec in queue_learners] + [s.email for s in logins.values()]
    _refuse_repeats(learners_file, "learners", emails)
    learners_file.done()

    libraries = {
        learner.user.email: {e.title for e in (*learner.evidence, *earlier_evidence)},
        **{spec.user.email: {e.title for e in spec.evidence} for spec in queue_learners},
    }
    applications = read_toml(data_dir / "applications.toml")
    rubrics = {spec.slug: len(spec.rubric) for spec in micro_credentials}
    scenarios = tuple(
        _scenario(table, libraries, rubrics, level_names, required_level)
        for table in applications.tables("scenarios", _scenario_label)
    )
    applications.done()

    return DemoData(
        skills_csv=skills_csv,
        framework_name=framework_name,
        logins=logins,
        learner=learner,
        earlier_evidence=earlier_evidence,
        issuer=issuer,
        level_names=level_names,
        required_level=required_level,
        micro_credentials=micro_credentials,
        queue_learners=queue_learners,
        scenarios=scenarios,
    )


def _read_skill_names(path: Path) -> tuple[str, frozenset[str]]:
    """The one framework the skills file fills, and its skills' names."""
    try:
        with path.open(encoding="utf-8", newline="") as source:
            rows = list(csv.DictReader(source))
    except FileNotFoundError:
        raise DemoDataError(f"{display_path(path)}: missing") from None
    frameworks = {row.get("framework") for row in rows}
    if len(frameworks) != 1 or None in frameworks or not rows:
        raise DemoDataError(
            f"{display_path(path)}: must fill one skills framework, named in its framework column"
        )
    # The import itself (import_skills_csv) checks every row and reports bad ones by line.
    return str(frameworks.pop()), frozenset(row["name"] for row in rows if row.get("name"))


def _refuse_repeats(file: _Table, key: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise file.error(key, f"{value!r} appears twice")
        seen.add(value)


def _user(table: _Table, *, role: str | None = None) -> UserSpec:
    spec = UserSpec(
        email=table.text("email"),
        role=role or table.choice("role", User.Role.values),
        first_name=table.text("first_name"),
        last_name=table.text("last_name"),
        is_staff=table.boolean("is_staff", False),
        is_superuser=table.boolean("is_superuser", False),
    )
    table.done()
    return spec


def _profile(table: _Table, *, avatar: bool = False) -> ProfileSpec:
    spec = ProfileSpec(
        display_name=table.text("display_name"),
        slug=table.text("slug", ""),
        headline=table.text("headline"),
        location=table.text("location"),
        is_public=table.boolean("is_public"),
        transcript_is_public=table.boolean("transcript_is_public", False),
        bio=table.text("bio", ""),
        avatar=table.optional_asset("avatar") if avatar else None,
    )
    table.done()
    return spec


def _evidence_list(
    file: _Table, key: str, skill_names: frozenset[str], *, curated: bool = False
) -> tuple[EvidenceSpec, ...]:
    specs = tuple(
        _evidence(table, skill_names, curated=curated)
        for table in file.tables(key, _label("title"))
    )
    _refuse_repeats(file, key, [spec.title for spec in specs])
    positions = [spec.public_position for spec in specs if spec.public_position is not None]
    if sorted(positions) != list(range(1, len(positions) + 1)):
        raise file.error(key, "public_position must number the public items 1, 2, 3, ...")
    return specs


def _evidence(table: _Table, skill_names: frozenset[str], *, curated: bool) -> EvidenceSpec:
    kind = table.choice("kind", EvidenceItem.Kind.values)
    dated = "work_done_on" in table.values
    spec = EvidenceSpec(
        title=table.text("title"),
        kind=kind,
        description=table.text("description"),
        skills=_skills(table, skill_names),
        work_done_on=table.day("work_done_on") if dated else None,
        work_done_days_ago=None if dated else table.integer("work_done_days_ago"),
        file=table.asset("file") if kind in {"file", "image"} else None,
        url=table.text("url") if kind == "link" else "",
        body=table.text("body") if kind == "reflection" else "",
        public_position=table.optional_integer("public_position", minimum=1) if curated else None,
    )
    if kind == "image" and spec.file and not spec.file.content_type.startswith("image/"):
        raise table.error("file", "an image's file must be a PNG, JPEG or WebP image")
    table.done()
    return spec


def _skills(table: _Table, skill_names: frozenset[str]) -> tuple[str, ...]:
    names = table.texts("skills")
    for name in names:
        if name not in skill_names:
            raise table.error("skills", f"{name!r} is not a skill in skills.csv")
    return names


def _queue_learner(table: _Table, skill_names: frozenset[str]) -> LearnerSpec:
    user = UserSpec(
        email=table.text("email"),
        role=User.Role.LEARNER,
        first_name=table.text("first_name"),
        last_name=table.text("last_name"),
    )
    spec = LearnerSpec(
        user=user,
        profile=ProfileSpec(
            display_name=f"{user.first_name} {user.last_name}",
            headline=table.text("headline"),
            location=table.text("location"),
            is_public=table.boolean("is_public"),
        ),
        evidence=_evidence_list(table, "evidence", skill_names),
    )
    table.done()
    return spec


def _issuer(table: _Table) -> IssuerSpec:
    spec = IssuerSpec(
        name=table.text("name"),
        slug=table.text("slug"),
        url=table.text("url"),
        email=table.text("email"),
        description=table.text("description"),
        country=table.text("country"),
        logo=table.asset("logo"),
    )
    table.done()
    return spec


def _micro_credential(
    table: _Table, skill_names: frozenset[str], level_names: tuple[str, ...]
) -> MicroCredentialSpec:
    badge = table.asset("badge")
    if badge.content_type != "image/png":
        raise table.error("badge", "a badge must be a PNG image")
    spec = MicroCredentialSpec(
        slug=table.text("slug"),
        title=table.text("title"),
        # A draft would never be seen: the demo publishes each one, and retires some after use.
        status=table.choice(
            "status", [MicroCredential.Status.PUBLISHED, MicroCredential.Status.RETIRED]
        ),
        level=table.choice("level", MicroCredential.Level.values),
        estimated_hours=table.integer("estimated_hours", minimum=1),
        validity_months=table.optional_integer("validity_months", minimum=1),
        skills=_skills(table, skill_names),
        badge=badge,
        summary=table.text("summary"),
        description=table.text("description"),
        criteria=table.text("criteria"),
        evidence_expected=table.text("evidence_expected"),
        rubric=tuple(_criterion(t, level_names) for t in table.tables("rubric", _label("title"))),
        learning_outcomes=table.text("learning_outcomes"),
        assessment_type=table.choice("assessment_type", MicroCredential.AssessmentType.values),
        participation=table.choice("participation", MicroCredential.Participation.values),
        quality_assurance=table.text("quality_assurance"),
        ects_credits=table.optional_decimal("ects_credits", places=1, maximum=60),
        eqf_level=table.optional_integer("eqf_level", minimum=1, maximum=8),
        national_framework_level=table.text("national_framework_level", ""),
        prerequisites=table.text("prerequisites", ""),
        supervision=table.choice(
            "supervision",
            MicroCredential.Supervision.values,
            MicroCredential.Supervision.NOT_STATED,
        ),
        grading=table.text("grading", ""),
        stacks_towards=table.text("stacks_towards", ""),
    )
    if not spec.rubric:
        raise table.error("rubric", "must have at least one criterion")
    table.done()
    return spec


def _check_stacking(file: _Table, specs: tuple[MicroCredentialSpec, ...]) -> None:
    """Each stacks_towards names another micro-credential of the file, without a circle."""
    towards = {spec.slug: spec.stacks_towards for spec in specs}
    for number, spec in enumerate(specs, start=1):
        where = f"micro_credentials #{number} ({spec.slug!r})"
        if spec.stacks_towards and spec.stacks_towards not in towards:
            raise file.error(
                f"{where}, stacks_towards", f"no micro-credential {spec.stacks_towards!r}"
            )
        seen, slug = {spec.slug}, spec.stacks_towards
        while slug:
            if slug in seen:
                raise file.error(f"{where}, stacks_towards", "goes round in a circle")
            seen.add(slug)
            slug = towards[slug]


def _criterion(table: _Table, level_names: tuple[str, ...]) -> CriterionSpec:
    spec = CriterionSpec(
        title=table.text("title"),
        description=table.text("description"),
        levels=table.texts("levels"),
    )
    if len(spec.levels) != len(level_names):
        raise table.error(
            "levels",
            f"must describe each of the {len(level_names)} levels of the rubric scale "
            f"({', '.join(level_names)}), in order; it has {len(spec.levels)}",
        )
    table.done()
    return spec


def _scenario_label(table: _Table) -> str:
    return f"{table.values.get('learner', '?')}, {table.values.get('micro_credential', '?')}"


_STEP_ACTIONS = ("draft", "submit", "claim", "request_changes", "revise", "approve", "revoke")


def _scenario(
    table: _Table,
    libraries: dict[str, set[str]],
    rubrics: dict[str, int],
    level_names: tuple[str, ...],
    required_level: str,
) -> Scenario:
    learner = table.choice("learner", libraries)
    slug = table.choice("micro_credential", rubrics)
    criteria = rubrics[slug]

    def answer(step: _Table) -> Answer:
        evidence = step.texts("evidence")
        for title in evidence:
            if title not in libraries[learner]:
                raise step.error("evidence", f"{title!r} is not in {learner}'s evidence library")
        return Answer(
            statement=step.text("statement"),
            evidence=evidence,
            self_level=step.choice("self_level", level_names, required_level),
        )

    def levels(step: _Table) -> tuple[str, ...]:
        names = step.texts("levels")
        if len(names) != criteria or not set(names) <= set(level_names):
            raise step.error(
                "levels",
                f"must name a level ({', '.join(level_names)}) for each of the {criteria} "
                f"criteria of {slug}",
            )
        return names

    steps: list[Step] = []
    for step in table.tables("steps", _label("action")):
        action = step.choice("action", _STEP_ACTIONS)
        days_ago = step.days("days_ago")
        if (action == "draft") != (not steps):
            raise step.error("action", "a scenario starts with a draft, and has only one")
        parsed: Step
        if action == "draft":
            answer_tables = step.tables("answers")
            answers = tuple(answer(answer_table) for answer_table in answer_tables)
            for answer_table in answer_tables:
                answer_table.done()
            if len(answers) > criteria:
                raise step.error("answers", f"{slug} has only {criteria} criteria")
            parsed = Draft(days_ago, answers)
        elif action == "submit":
            parsed = Submit(days_ago)
        elif action == "claim":
            parsed = Claim(days_ago)
        elif action == "request_changes":
            parsed = RequestChanges(days_ago, step.text("feedback"), levels(step))
        elif action == "revise":
            position = step.integer("criterion", minimum=1)
            if position > criteria:
                raise step.error("criterion", f"{slug} has only {criteria} criteria")
            parsed = Revise(days_ago, position, answer(step))
        elif action == "approve":
            parsed = Approve(days_ago, step.text("feedback"), levels(step))
        else:
            if not any(isinstance(earlier, Approve) for earlier in steps):
                raise step.error("action", "a credential is revoked only after an approval")
            parsed = Revoke(days_ago, step.text("reason"))
        if steps and days_ago > steps[-1].days_ago:
            raise step.error("days_ago", "must not be earlier than the step before it")
        step.done()
        steps.append(parsed)
    if not steps:
        raise table.error("steps", "must not be empty")
    table.done()
    return Scenario(learner=learner, micro_credential=slug, steps=tuple(steps))
