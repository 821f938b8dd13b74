"""The employers' directory at scale: 100,000 learners and 500,000 credentials on PostgreSQL.

    .venv/bin/python -m benchmarks.directory --generate     # once: (re)build the data set
    .venv/bin/python -m benchmarks.directory [--rounds 3] [--seconds 6]

--generate drops and rebuilds the database unbundled_dirbench (BENCH_DIRECTORY_DATABASE_URL
to change) with benchmarks/directory_data.py: migrations, a catalogue of 130 skills and 301
micro-credentials, then learners, profiles, credentials and the directory's documents
streamed with COPY. One skill (Teamwork) is held by about 30% of learners, one (Quantum
error correction) by 50 of them (0.05%).

Without --generate it serves the site as http_ratios does (benchmarks/harness.py: production
profile, gunicorn with 2 sync workers, wrk) to a signed-in employer and prints, interleaved
round by round with the trivial view:

- the directory search (words and two skills, 20 results) as a ratio to the trivial view
  (target at least 0.10x);
- the same words with the common skill against the same words with the rare skill, as a
  ratio of time per request (target at most 10x);

then the EXPLAIN (ANALYZE, BUFFERS) of every query of the search, and fails unless the
entries and profiles are read through indexes, never scanned whole.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from typing import Any

from benchmarks.harness import (
    ROOT,
    check,
    create_database,
    gunicorn,
    load_average,
    production_profile,
    ratio_rounds,
)

DATABASE_URL = os.environ.get(
    "BENCH_DIRECTORY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unbundled_dirbench"
)
EMPLOYER = "employer@bench.example.org"
# The words of every measured search; the two skills of the main one.
WORDS = "data analyst"
SKILLS = ("teamwork", "data-analysis")
TABLES = ("credentials_directoryentry", "portfolio_learnerprofile")


def _drop_database() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    server = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _generate(learners: int, credentials: int) -> None:
    from benchmarks.directory_data import generate

    _drop_database()
    create_database(DATABASE_URL)
    with production_profile(DATABASE_URL):
        import django

        django.setup()
        from tests.factories import UserFactory

        started = time.monotonic()
        UserFactory(email=EMPLOYER, employer=True, with_profile=False)
        figures = generate(learners=learners, credentials=credentials)
        for name, value in figures.items():
            print(f"{name}: {value:,}")
        print(f"generated in {time.monotonic() - started:.0f} s (load average {load_average()})")


def _session() -> str:
    from django.test import Client

    from portfolio.models import User

    client = Client()
    client.force_login(User.objects.get(email=EMPLOYER))
    return f"sessionid={client.cookies['sessionid'].value}"


def _query(q: str, *skills: str) -> str:
    from urllib.parse import urlencode

    return "/directory/?" + urlencode([("q", q), *(("skill", skill) for skill in skills)])


def _plans(q: str, skills: tuple[str, ...]) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of each query the search makes, in order."""
    from django.db import connection
    from django.utils import timezone

    from credentials.directory.search import DirectoryFilters, search_directory
    from portfolio.models import Skill

    filters = DirectoryFilters(
        query=q, skills=tuple(Skill.objects.get(slug=slug) for slug in skills)
    )
    captured: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        search_directory(filters, now=timezone.now())
    plans = []
    with connection.cursor() as cursor:
        for sql, params in captured:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def _search_ms(q: str, skills: tuple[str, ...], *, rounds: int) -> float:
    """Median milliseconds of search_directory alone (no HTTP, no template), in this process."""
    from django.utils import timezone

    from credentials.directory.search import DirectoryFilters, search_directory
    from portfolio.models import Skill

    filters = DirectoryFilters(
        query=q, skills=tuple(Skill.objects.get(slug=slug) for slug in skills)
    )
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        search_directory(filters, now=timezone.now())
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _check_plans(plans: list[str]) -> list[str]:
    """What is wrong with the plans: a table of TABLES read whole, or never by an index."""
    problems = []
    text = "\n".join(plans)
    for table in TABLES:
        if re.search(rf"Seq Scan on {table}\b", text):
            problems.append(f"{table} is scanned whole")
        if not re.search(
            rf"(Index|Index Only|Bitmap Heap) Scan (Backward )?(using \S+ )?on {table}\b", text
        ):
            problems.append(f"{table} is never read through an index")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generate", action="store_true", help="(re)build the data set")
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--credentials", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=6)
    arguments = parser.parse_args()
    if arguments.generate:
        _generate(arguments.learners, arguments.credentials)
        return
    if create_database(DATABASE_URL):
        raise SystemExit("No data set yet: run with --generate first.")
    with production_profile(DATABASE_URL) as env:
        import django

        django.setup()
        cookie = _session()
        with gunicorn(env) as base:
            pages = {
                "search, words + two skills": (f"{base}{_query(WORDS, *SKILLS)}", cookie),
                "words + common skill (30%)": (f"{base}{_query(WORDS, 'teamwork')}", cookie),
                "words + rare skill (0.05%)": (
                    f"{base}{_query(WORDS, 'quantum-error-correction')}",
                    cookie,
                ),
            }
            for url, page_cookie in pages.values():
                if "directory-card" not in check(url, page_cookie):
                    raise SystemExit(f"{url} found nobody: is the data set there?")
            ratios = ratio_rounds(pages, rounds=arguments.rounds, seconds=arguments.seconds)
        plans = _plans(WORDS, SKILLS)
        # Interleaved, so that a busy moment slows both alike.
        alone: dict[str, list[float]] = {"common": [], "rare": []}
        for _ in range(5):
            alone["common"].append(_search_ms(WORDS, ("teamwork",), rounds=3))
            alone["rare"].append(_search_ms(WORDS, ("quantum-error-correction",), rounds=3))
    main_ratio = statistics.median(ratios["search, words + two skills"])
    # A ratio of times per request is the inverse ratio of rates.
    skew = statistics.median(
        rare / common
        for rare, common in zip(
            ratios["words + rare skill (0.05%)"], ratios["words + common skill (30%)"], strict=True
        )
    )
    for number, plan in enumerate(plans, start=1):
        print(f"--- query {number} ---\n{plan}")
    print(f"RATIOS (median over {arguments.rounds} rounds; load average {load_average()})")
    print(
        f"  search / trivial view           {main_ratio:6.3f}x  (>= 0.10x)"
        f"  {'ok' if main_ratio >= 0.10 else 'BELOW TARGET'}"
    )
    print(
        f"  common-skill / rare-skill time  {skew:6.3f}x  (<= 10x)"
        f"  {'ok' if skew <= 10 else 'ABOVE TARGET'}"
    )
    common, rare = statistics.median(alone["common"]), statistics.median(alone["rare"])
    print(
        f"  search_directory alone: common skill {common:.1f} ms, rare skill {rare:.1f} ms"
        f" ({common / rare:.2f}x)"
    )
    problems = _check_plans(plans)
    for problem in problems:
        print(f"  PLAN: {problem}")
    if problems or main_ratio < 0.10 or skew > 10:
        sys.exit(1)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
