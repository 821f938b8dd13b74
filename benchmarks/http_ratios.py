"""Requests per second of the public pages, as ratios to a trivial view on the same server.

    nice -n 10 .venv/bin/python -m benchmarks.http_ratios [--rounds 3] [--seconds 8]

The production profile (DEBUG off, PostgreSQL with persistent connections, the Redis cache),
gunicorn with 2 sync workers on loopback and wrk as the load generator (benchmarks/harness.py).
Each round measures the trivial HttpResponse("ok") view (benchmarks/trivial_site/urls.py, a
URLconf only the benchmarks use) and then each page in turn, so a busy machine slows the
baseline and the pages alike; a page's ratio is the median over rounds of its rate divided by
that round's baseline.

Needs: PostgreSQL at 127.0.0.1:5432 (user postgres, trust; override with BENCH_DATABASE_URL),
Redis at 127.0.0.1:6379 and Debian's wrk (apt-get install wrk); gunicorn is among the dev
tools in requirements.lock.
The data (a learner with 50 credentials and 30 public evidence items) is made once, in the
database unbundled_bench, and reused.
"""

from __future__ import annotations

import argparse
import os
import statistics

from benchmarks.harness import gunicorn, production_profile, ratio_rounds

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unbundled_bench"
)
SLUG = "bench-learner"
CREDENTIALS = 50
EVIDENCE = 30


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
    with production_profile(DATABASE_URL) as env:
        prepared = _prepare_data()
        owner_cookie = f"sessionid={prepared['session']}"
        with gunicorn(env) as base:
            pages = {
                "public page, anonymous": (f"{base}/p/{SLUG}/", ""),
                "public page, owner (uncached)": (f"{base}/p/{SLUG}/", owner_cookie),
                "credential page": (f"{base}{prepared['credential']}", ""),
                "catalogue": (f"{base}/credentials/", ""),
                "micro-credential page": (f"{base}/credentials/bench-mc-1/", ""),
            }
            ratios = ratio_rounds(pages, rounds=arguments.rounds, seconds=arguments.seconds)
    print("RATIOS (median over rounds; target in brackets)")
    for name, values in ratios.items():
        ratio = statistics.median(values)
        verdict = "ok" if ratio >= TARGETS[name] else "BELOW TARGET"
        print(f"  {name:32} {ratio:5.2f}x  (>= {TARGETS[name]}x)  {verdict}")


if __name__ == "__main__":
    main()
