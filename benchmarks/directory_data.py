"""The directory benchmark's data set: many learners and credentials, loaded with COPY.

Only benchmarks/directory.py calls it, against a database of its own. The catalogue (skills,
issuers, micro-credentials) is made through the ORM; learners, profiles, credentials and the
directory's documents are streamed with PostgreSQL's COPY, which is what makes 100,000
learners take a minute or two rather than an hour of refresh_directory_entry calls. The
documents are written as refresh_directory_entry would write them for this data (every
credential listed, every skill verified by a credential, no public evidence), and the search
vector is computed by PostgreSQL from the same weighted parts.

Names, headlines, bios and places are put together from the word lists below: invented,
none of them anyone's.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

# The skill most learners show, and the one almost nobody does (see the README's figures).
COMMON_SKILL = ("Teamwork", "teamwork")
RARE_SKILL = ("Quantum error correction", "quantum-error-correction")
COMMON_SHARE = 0.30
RARE_HOLDERS = 50

_DOMAINS = [
    "Data", "Cloud", "Web", "Mobile", "Network", "Database", "Security", "Project",
    "Product", "Graphic", "Financial", "Supply chain", "Customer", "Machine learning",
    "Quality", "Technical",
]  # fmt: skip
_ASPECTS = [
    "analysis", "design", "testing", "management", "operations", "modelling", "reporting",
    "automation",
]  # fmt: skip
_TITLE_PREFIXES = ["Foundations of", "Applied", "Advanced", "Practical", "Professional"]
_SENIORITY = ["Junior", "Senior", "Lead", "Trainee", "Freelance", "Principal"]
_FIELDS = [
    "data", "cloud", "web", "marketing", "finance", "logistics", "healthcare", "retail",
    "security", "design",
]  # fmt: skip
_ROLES = [
    "analyst", "engineer", "developer", "consultant", "specialist", "technician",
    "coordinator", "manager", "designer", "administrator",
]  # fmt: skip
_VERBS = ["build", "maintain", "improve", "test", "document", "plan", "review", "automate"]
_OBJECTS = [
    "dashboards", "pipelines", "reports", "services", "interfaces", "budgets", "schedules",
    "processes", "campaigns", "systems",
]  # fmt: skip
_SECTORS = ["small", "public sector", "nonprofit", "retail", "manufacturing", "research"]
_LIKES = [
    "clear documentation", "tidy spreadsheets", "careful testing", "short meetings",
    "mentoring newcomers", "plain language", "good coffee", "long walks",
]  # fmt: skip
_FIRST_START = [
    "Al", "Be", "Cor", "Da", "El", "Fen", "Ga", "Hal", "Is", "Jo", "Ka", "Lo", "Mi", "Na",
    "Or", "Pe", "Ri", "Sa", "Ta", "Ve", "Wy", "Ze",
]  # fmt: skip
_FIRST_END = ["ra", "nor", "lin", "vet", "mira", "dan", "sel", "tho", "wen", "ric"]
_LAST_START = [
    "Ash", "Bel", "Cal", "Dun", "Ever", "Frost", "Gal", "Hart", "Ivor", "Kest", "Lind",
    "Mor", "Nettle", "Orm", "Pell", "Quill", "Rook", "Sall", "Thorn", "Vell",
]  # fmt: skip
_LAST_END = ["wick", "more", "ridge", "ford", "ley", "worth", "shaw", "brook", "dane", "holt"]
_PLACE_START = [
    "North", "South", "East", "West", "Ash", "Oak", "Elm", "Fern", "Stone", "Mill",
    "Brook", "Bramble",
]  # fmt: skip
_PLACE_END = ["ford", "mere", "wick", "ton", "field", "bury", "haven", "dale"]
_LEVELS = ["foundational", "intermediate", "advanced"]
# Months of validity of the micro-credentials, in turn; None never expires.
_VALIDITY: list[int | None] = [None, 12, 24, 36]

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@dataclass
class Catalogue:
    skill_ids: dict[str, int]  # by slug
    skill_names: dict[int, str]
    # id, issuer id, title, level, validity months, skill ids
    micro_credentials: list[tuple[int, int, str, str, int | None, tuple[int, ...]]]
    weights: list[float]
    rare_micro_credential: int
    status_lists: dict[int, int]  # issuer id -> status list id


def _catalogue(rng: random.Random) -> Catalogue:
    from django.utils.text import slugify

    from credentials.models import Issuer, MicroCredential, StatusList
    from portfolio.models import Skill, SkillFramework

    framework = SkillFramework.objects.create(name="Benchmark skills", slug="bench-skills")
    names = [f"{domain} {aspect}" for domain in _DOMAINS for aspect in _ASPECTS]
    skills = Skill.objects.bulk_create(
        Skill(framework=framework, name=name, slug=slugify(name))
        for name in [*names, COMMON_SKILL[0], RARE_SKILL[0]]
    )
    by_slug = {skill.slug: skill.pk for skill in skills}
    issuers = Issuer.objects.bulk_create(
        Issuer(
            name=f"{place} {kind}",
            slug=slugify(f"{place} {kind}"),
            url=f"https://{slugify(place)}.example.org/",
            email=f"registry@{slugify(place)}.example.org",
        )
        for place, kind in zip(
            [f"{a}{b}" for a in _PLACE_START[:5] for b in _PLACE_END[:4]],
            ["Institute", "College", "Academy", "School"] * 5,
            strict=True,
        )
    )
    status_lists = {
        issuer.pk: StatusList.objects.create(issuer=issuer, purpose="revocation").pk
        for issuer in issuers
    }
    plain = [by_slug[slugify(name)] for name in names]
    titles = [f"{prefix} {name.lower()}" for name in names for prefix in _TITLE_PREFIXES]
    rng.shuffle(titles)
    # What every micro-credential of the benchmark says besides its title, skill and level.
    common = {
        "description": "Learners show the skill on real work.",
        "criteria": "A piece of work, reviewed against the rubric.",
        "status": "published",
        "estimated_hours": 12,
        "learning_outcomes": "- Use the skill on real work.",
        "assessment_type": "portfolio",
        "participation": "online",
        "quality_assurance": "Reviewed yearly by the issuer.",
    }
    micro_credentials = []
    for n, title in enumerate(titles[:300]):
        own = next(name for name in names if title.endswith(name.lower()))
        micro_credential = MicroCredential(
            issuer=issuers[n % len(issuers)],
            title=title[0].upper() + title[1:],
            slug=f"bench-{slugify(title)}",
            summary=f"Show {own.lower()} in practice.",
            level=_LEVELS[n % 3],
            validity_months=_VALIDITY[n % 4],
            **common,
        )
        micro_credential.own_skill = by_slug[slugify(own)]  # type: ignore[attr-defined]
        micro_credentials.append(micro_credential)
    rare = MicroCredential(
        issuer=issuers[0],
        title="Applied quantum error correction",
        slug="bench-applied-quantum-error-correction",
        summary="Correct errors in quantum circuits.",
        level="advanced",
        **common,
    )
    created = MicroCredential.objects.bulk_create([*micro_credentials, rare])
    # Popularity falls off as in most catalogues: a few micro-credentials are very common.
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(micro_credentials))]
    total = sum(weights)
    weights = [weight / total for weight in weights]
    # Teamwork goes on never-expiring micro-credentials until about COMMON_SHARE of learners
    # (five credentials each, on average) hold one: 1 - (1 - w)^5 = share.
    teamwork_weight = 1 - (1 - COMMON_SHARE) ** (1 / 5)
    with_teamwork: set[int] = set()
    carried = 0.0
    for index in sorted(range(len(micro_credentials)), key=lambda i: rng.random()):
        if _VALIDITY[index % 4] is None and carried + weights[index] <= teamwork_weight * 1.02:
            with_teamwork.add(index)
            carried += weights[index]
    through = MicroCredential.skills.through
    links = []
    catalogue_rows = []
    for index, micro_credential in enumerate(created[:-1]):
        own = micro_credential.own_skill  # type: ignore[attr-defined]
        others = rng.sample([pk for pk in plain if pk != own], 2)
        skill_ids = (own, *others)
        if index in with_teamwork:
            skill_ids = (*skill_ids, by_slug[COMMON_SKILL[1]])
        links += [through(microcredential_id=micro_credential.pk, skill_id=pk) for pk in skill_ids]
        catalogue_rows.append(
            (
                micro_credential.pk,
                micro_credential.issuer_id,
                micro_credential.title,
                micro_credential.level,
                micro_credential.validity_months,
                skill_ids,
            )
        )
    rare_skills = (by_slug[RARE_SKILL[1]],)
    links.append(through(microcredential_id=created[-1].pk, skill_id=rare_skills[0]))
    catalogue_rows.append(
        (created[-1].pk, issuers[0].pk, created[-1].title, "advanced", None, rare_skills)
    )
    through.objects.bulk_create(links)
    return Catalogue(
        skill_ids=by_slug,
        skill_names={skill.pk: skill.name for skill in skills},
        micro_credentials=catalogue_rows,
        weights=weights,
        rare_micro_credential=len(catalogue_rows) - 1,
        status_lists=status_lists,
    )


def _copy(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _next_id(cursor: Any, table: str) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608  # our tables
    value: int = cursor.fetchone()[0]
    return value


def _reset_sequence(cursor: Any, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  # our tables
        f"(SELECT coalesce(max(id), 1) FROM {table}))"
    )


def generate(*, learners: int, credentials: int, seed: int = 1) -> dict[str, int]:
    """Load the data set into the (migrated, empty) default database; return what it holds."""
    from django.db import connection, transaction
    from psycopg.types.json import Jsonb

    rng = random.Random(seed)
    with transaction.atomic():
        catalogue = _catalogue(rng)
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    with raw.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        first_user = _next_id(cursor, "portfolio_user")
        first_profile = _next_id(cursor, "portfolio_learnerprofile")
        first_credential = _next_id(cursor, "credentials_issuedcredential")
        first_link = _next_id(cursor, "credentials_directorycredential")
        first_skill_row = _next_id(cursor, "credentials_directoryskill")
        # How many credentials each learner holds: 1 to 9, then evened out to the total.
        counts = [rng.randint(1, 9) for _ in range(learners)]
        rare_holders = set(rng.sample(range(learners), RARE_HOLDERS))
        difference = credentials - sum(counts) - RARE_HOLDERS
        while difference:
            n = rng.randrange(learners)
            step = 1 if difference > 0 else -1
            if 1 <= counts[n] + step <= 9:
                counts[n] += step
                difference -= step
        joined = NOW - timedelta(days=4 * 365)
        users: list[tuple[Any, ...]] = []
        profiles: list[tuple[Any, ...]] = []
        issued: list[tuple[Any, ...]] = []
        entries: list[tuple[Any, ...]] = []
        skill_rows: list[tuple[Any, ...]] = []
        links: list[tuple[Any, ...]] = []
        status_index = dict.fromkeys(catalogue.status_lists.values(), 0)
        choices = range(len(catalogue.weights))
        cumulative = list(itertools.accumulate(catalogue.weights))
        for n in range(learners):
            user_id, profile_id = first_user + n, first_profile + n
            name = (
                rng.choice(_FIRST_START) + rng.choice(_FIRST_END),
                rng.choice(_LAST_START) + rng.choice(_LAST_END),
            )
            display_name = " ".join(name)
            headline = f"{rng.choice(_SENIORITY)} {rng.choice(_FIELDS)} {rng.choice(_ROLES)}"
            location = rng.choice(_PLACE_START) + rng.choice(_PLACE_END)
            bio = (
                f"I {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} for {rng.choice(_SECTORS)} "
                f"teams. I like {rng.choice(_LIKES)} and {rng.choice(_LIKES)}."
            )
            is_public = rng.random() < 0.92
            in_directory = rng.random() < 0.95
            users.append((user_id, f"learner{n}@bench.example.org", display_name, joined))
            profiles.append(
                (
                    profile_id, user_id, display_name, headline, bio, location,
                    f"bench-{n}", is_public, in_directory, joined,
                )
            )  # fmt: skip
            # Distinct micro-credentials, the popular ones more often.
            held: set[int] = set()
            while len(held) < counts[n]:
                held.update(rng.choices(choices, cum_weights=cumulative, k=counts[n] - len(held)))
            if n in rare_holders:
                held.add(catalogue.rare_micro_credential)
            verified: dict[int, datetime | None] = {}
            held_credentials = []
            for index in held:
                mc_id, issuer_id, title, level, months, skill_ids = catalogue.micro_credentials[
                    index
                ]
                issued_at = NOW - timedelta(minutes=rng.randrange(4 * 365 * 24 * 60))
                expires_at = None if months is None else issued_at + timedelta(days=30 * months)
                status_list = catalogue.status_lists[issuer_id]
                credential_id = first_credential + len(issued)
                issued.append(
                    (
                        credential_id, uuid.UUID(int=rng.getrandbits(128), version=4), mc_id,
                        issuer_id, user_id, f"bench:{credential_id}", issued_at, expires_at,
                        status_list, status_index[status_list],
                    )
                )  # fmt: skip
                status_index[status_list] += 1
                held_credentials.append((issued_at, credential_id, title))
                links.append(
                    (
                        first_link + len(links), profile_id, credential_id, issuer_id, mc_id,
                        level, issued_at, expires_at,
                    )
                )  # fmt: skip
                if expires_at is not None and expires_at <= NOW:
                    continue
                for skill_id in skill_ids:
                    # The latest expiry wins; never expiring (None) beats all.
                    until = verified.get(skill_id, expires_at)
                    verified[skill_id] = (
                        None if until is None or expires_at is None else max(until, expires_at)
                    )
            for skill_id, until in verified.items():
                skill_rows.append((first_skill_row + len(skill_rows), profile_id, skill_id, until))
            held_credentials.sort(reverse=True)
            skill_text = "\n".join(sorted(catalogue.skill_names[pk] for pk in verified))
            credential_text = "\n".join(dict.fromkeys(row[2] for row in held_credentials))
            entries.append(
                (
                    profile_id, display_name, headline, location, bio, skill_text,
                    credential_text, held_credentials[0][0] if held_credentials else None,
                    Jsonb(sorted(verified)),
                )
            )  # fmt: skip
        _copy(
            cursor,
            "portfolio_user",
            [
                "id", "email", "first_name", "date_joined", "password", "last_name",
                "is_superuser", "is_staff", "is_active", "role",
            ],
            (
                (pk, email, "", joined_at, "!", "", False, False, n % 100 != 99, "learner")
                for n, (pk, email, _name, joined_at) in enumerate(users)
            ),
        )  # fmt: skip
        _copy(
            cursor,
            "portfolio_learnerprofile",
            [
                "id", "user_id", "display_name", "headline", "bio", "location", "slug",
                "is_public", "in_directory", "created_at", "updated_at", "avatar", "is_indexable",
                "website_url", "linkedin_url", "github_url", "group_credentials_by",
                "transcript_is_public", "accepts_contact_requests",
            ],
            (
                (*row, row[-1], "", False, "", "", "", "issuer", False, True)
                for row in profiles
            ),
        )  # fmt: skip
        _copy(
            cursor,
            "credentials_issuedcredential",
            [
                "id", "public_id", "micro_credential_id", "issuer_id", "learner_id",
                "award_reference", "issued_at", "expires_at", "status_list_id",
                "status_list_index", "evidence_snapshot", "rubric_results",
                "revocation_reason", "is_shown_publicly",
            ],
            ((*row, "[]", "[]", "", True) for row in issued),
        )  # fmt: skip
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_entry (profile_id bigint, display_name text,"
            " headline text, location text, bio text, skill_text text, credential_text text,"
            " latest_credential_at timestamptz, skill_ids jsonb)"
        )
        _copy(
            cursor,
            "bench_entry",
            [
                "profile_id", "display_name", "headline", "location", "bio", "skill_text",
                "credential_text", "latest_credential_at", "skill_ids",
            ],
            entries,
        )  # fmt: skip
        # The document and the weighted vector as documents.refresh_directory_entry makes them.
        cursor.execute(
            """
            INSERT INTO credentials_directoryentry (profile_id, document, skill_text,
                credential_text, search_vector, location_key, latest_credential_at, refreshed_at,
                skill_ids)
            SELECT profile_id,
                concat_ws(E'\\n', nullif(display_name, ''), nullif(headline, ''),
                    nullif(location, ''), nullif(bio, ''), nullif(skill_text, ''),
                    nullif(credential_text, '')),
                skill_text, credential_text,
                setweight(to_tsvector('english', display_name), 'A')
                    || setweight(to_tsvector('english',
                        headline || E'\\n' || skill_text || E'\\n' || credential_text), 'B')
                    || setweight(to_tsvector('english', location || E'\\n' || bio), 'C'),
                lower(location), latest_credential_at, %s, skill_ids
            FROM bench_entry ORDER BY profile_id
            """,
            [NOW],
        )
        _copy(
            cursor,
            "credentials_directoryskill",
            ["id", "entry_id", "skill_id", "verified_until", "is_claimed", "is_verified"],
            ((*row, False, True) for row in skill_rows),
        )
        _copy(
            cursor,
            "credentials_directorycredential",
            [
                "id", "entry_id", "credential_id", "issuer_id", "micro_credential_id", "level",
                "issued_at", "expires_at",
            ],
            links,
        )  # fmt: skip
        for status_list, next_index in status_index.items():
            cursor.execute(
                "UPDATE credentials_statuslist SET next_index = %s WHERE id = %s",
                [next_index, status_list],
            )
        for table in (
            "portfolio_user",
            "portfolio_learnerprofile",
            "credentials_issuedcredential",
            "credentials_directoryskill",
            "credentials_directorycredential",
        ):
            _reset_sequence(cursor, table)
        raw.commit()
        # What autovacuum would do in time: statistics, and the visibility map that lets
        # index-only scans skip the table.
        cursor.execute("VACUUM ANALYZE")
    common = catalogue.skill_ids[COMMON_SKILL[1]]
    rare = catalogue.skill_ids[RARE_SKILL[1]]
    return {
        "learners": learners,
        "credentials": len(issued),
        "directory skill rows": len(skill_rows),
        "holders of the common skill": sum(1 for row in skill_rows if row[2] == common),
        "holders of the rare skill": sum(1 for row in skill_rows if row[2] == rare),
    }
