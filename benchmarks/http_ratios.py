"""Requests per second of the public pages, as ratios to a trivial view on the same server.

    nice -n 10 .venv/bin/python benchmarks/http_ratios.py [--rounds 3] [--seconds 8]

The production profile (DEBUG off, PostgreSQL with persistent connections, the Redis cache),
gunicorn with 2 sync workers on loopback and wrk as the load generator. Each round measures
the trivial HttpResponse("ok") view (benchmarks/trivial_site/urls.py, a URLconf only this script
uses) and then each page in turn, so a busy machine slows the baseline and the pages alike;
a page's ratio is the median over rounds of its rate divided by that round's baseline.

Needs: PostgreSQL at 127.0.0.1:5432 (user postgres, trust; override with BENCH_DATABASE_URL),
Redis at 127.0.0.1:6379 and Debian's wrk (apt-get install wrk); gunicorn is among the dev
tools in requirements.lock.
The data (a learner with 50 credentials and 30 public evidence items) is made once, in the
database unbundled_bench, and reused.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unbundled_bench"
)
PORT = int(os.environ.get("BENCH_PORT", "8765"))
SLUG = "bench-learner"
CREDENTIALS = 50
EVIDENCE = 30


def _environment(var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.trivial_site.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "bench-" + "k" * 60),
            "DJANGO_HTTPS": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": DATABASE_URL,
            "DATABASE_CONN_MAX_AGE": "600",
            "REDIS_CACHE_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
            "UNBUNDLED_VAR_DIR": var_dir,
            "UNBUNDLED_SITE_URL": f"http://127.0.0.1:{PORT}",
            "DJANGO_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _create_database() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    server = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def _manage(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    subprocess.run(command, env=env, check=True, cwd=ROOT)  # noqa: S603  # our own command


def _prepare_data() -> dict[str, str]:
    """Make the learner, their credentials and evidence once; return the URLs to measure."""
    import django

    django.setup()
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from credentials.models import IssuedCredential
    from credentials.records import EvidenceRecord, RubricResultRecord
    from credentials.services import issue_credential
    from portfolio.models import LearnerProfile, User
    from portfolio.services.curation import curate_portfolio
    from tests.factories import (
        EvidenceItemFactory,
        IssuerFactory,
        MicroCredentialFactory,
        SkillFactory,
        UserFactory,
    )

    profile = LearnerProfile.objects.filter(slug=SLUG).first()
    if profile is None:
        learner = UserFactory(email=f"{SLUG}@example.com", with_profile=False)
        profile = LearnerProfile.objects.create(
            user=learner,
            display_name="Bench Learner",
            slug=SLUG,
            is_public=True,
            headline="Data analyst",
            bio="Tidy data and clear charts.\n\n" * 5,
        )
        staff = UserFactory(issuer_staff=True, with_profile=False)
        issuers = [IssuerFactory(name=f"Bench Institute {n}", slug=f"bench-{n}") for n in (1, 2)]
        skills = [SkillFactory(name=f"Bench skill {n}", slug=f"bench-skill-{n}") for n in range(12)]
        for issuer in issuers:
            issuer.staff.add(staff)
        items = []
        for n in range(EVIDENCE):
            kind = [{}, {"link": True}][n % 2]
            item = EvidenceItemFactory(
                owner=learner, title=f"Evidence {n + 1}", body="I **did** it.\n\n" * 8, **kind
            )
            item.skills.set(skills[n % 12 : n % 12 + 2])
            items.append(item)
        curate_portfolio(by=learner, public_item_ids_in_order=[item.pk for item in items])
        now = timezone.now()
        for n in range(CREDENTIALS):
            micro_credential = MicroCredentialFactory(
                issuer=issuers[n % 2],
                title=f"Bench micro-credential {n + 1}",
                slug=f"bench-mc-{n + 1}",
                validity_months=24,
            )
            micro_credential.skills.set(skills[n % 12 : n % 12 + 3])
            with transaction.atomic():
                issue_credential(
                    micro_credential_id=micro_credential.pk,
                    learner_id=learner.pk,
                    by=staff,
                    assessor_id=None,
                    award_reference=f"bench-{n + 1}",
                    issued_at=now,
                    evidence=[
                        EvidenceRecord(
                            submitted_evidence_id=1,
                            title="Work",
                            kind="reflection",
                            description="",
                            url="",
                        )
                    ],
                    rubric_results=[
                        RubricResultRecord(
                            criterion="Clarity", level="Meets", required_level="Meets", comment=""
                        )
                    ],
                )
    owner = User.objects.get(pk=profile.user_id)
    client = Client()
    client.force_login(owner)
    credential = IssuedCredential.objects.filter(learner=owner).order_by("pk").first()
    assert credential is not None
    return {
        "session": client.cookies["sessionid"].value,
        "credential": f"/c/{credential.public_id}/",
    }


def _wrk(url: str, *, seconds: int, cookie: str = "") -> float:
    command = ["wrk", "-t1", "-c4", f"-d{seconds}s", url]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    # wrk with our own arguments and loopback URLs.
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url} answered {errors.group(1)} errors under load:\n{output}")
    match = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    if match is None:
        raise SystemExit(f"Could not read wrk's output:\n{output}")
    return float(match.group(1))


def _check(url: str, cookie: str = "") -> None:
    # Always an http://127.0.0.1 URL this script built.
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}")


def _wait_for(url: str) -> None:
    for _attempt in range(100):
        try:
            _check(url)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer at {url}")


TARGETS = {
    "public page, anonymous": 0.6,
    "public page, owner (uncached)": 0.15,
    "credential page": 0.5,
    "catalogue": 0.5,
    "micro-credential page": 0.5,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    arguments = parser.parse_args()
    for tool in ("wrk",):
        if shutil.which(tool) is None:
            raise SystemExit("wrk is missing: apt-get install wrk")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if not gunicorn.exists():
        raise SystemExit(
            "gunicorn is missing from .venv: run bin/test once to install the dev tools"
        )
    var_dir = tempfile.mkdtemp(prefix="unbundled-bench-")
    env = _environment(var_dir)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    _create_database()
    _manage(env, "migrate", "--no-input", "-v", "0")
    _manage(env, "collectstatic", "--no-input", "-v", "0")
    prepared = _prepare_data()
    base = f"http://127.0.0.1:{PORT}"
    owner_cookie = f"sessionid={prepared['session']}"
    pages = {
        "public page, anonymous": (f"{base}/p/{SLUG}/", ""),
        "public page, owner (uncached)": (f"{base}/p/{SLUG}/", owner_cookie),
        "credential page": (f"{base}{prepared['credential']}", ""),
        "catalogue": (f"{base}/credentials/", ""),
        "micro-credential page": (f"{base}/credentials/bench-mc-1/", ""),
    }
    server = subprocess.Popen(  # noqa: S603  # gunicorn from .venv, fixed arguments
        [
            str(gunicorn),
            "config.wsgi:application",
            "--workers", "2",
            "--worker-class", "sync",
            "--bind", f"127.0.0.1:{PORT}",
            "--log-level", "warning",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "benchmarks.trivial_site.settings"},
        cwd=ROOT,
    )  # fmt: skip
    try:
        _wait_for(f"{base}/_bench/ok/")
        for url, cookie in pages.values():
            _check(url, cookie)
        ratios: dict[str, list[float]] = {name: [] for name in pages}
        for round_number in range(1, arguments.rounds + 1):
            baseline = _wrk(f"{base}/_bench/ok/", seconds=arguments.seconds)
            print(f"round {round_number}: trivial view {baseline:.0f} req/s", flush=True)
            for name, (url, cookie) in pages.items():
                rate = _wrk(url, seconds=arguments.seconds, cookie=cookie)
                ratios[name].append(rate / baseline)
                print(f"  {name}: {rate:.0f} req/s ({rate / baseline:.2f}x)", flush=True)
        print("RATIOS (median over rounds; target in brackets)")
        for name, values in ratios.items():
            ratio = statistics.median(values)
            verdict = "ok" if ratio >= TARGETS[name] else "BELOW TARGET"
            print(f"  {name:32} {ratio:5.2f}x  (>= {TARGETS[name]}x)  {verdict}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
