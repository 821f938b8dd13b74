"""How much a PDF transcript costs beyond WeasyPrint itself, as ratios measured in one run.

    nice .venv/bin/python -m benchmarks.transcript [--credentials 50] [--rounds 5]

Builds a throwaway in-memory database (the test settings) with one learner holding that many
valid public credentials, each with three skills and a two-criterion rubric outcome, then
times, interleaved round by round and reported as medians:

(a) our whole transcript, GET /p/<slug>/transcript.pdf through Django's test client with the
    PDF cache emptied first (queries, template, QR codes, the background task, which runs
    inline here, and WeasyPrint), against WeasyPrint alone rendering the same final HTML with
    the same URL fetcher. Target: at most 1.2x.
(b) WeasyPrint's PDF writing (document.write_pdf()) against its layout (HTML.render()) of
    that HTML. Target: at most 0.4x (font subsetting with HarfBuzz, libharfbuzz-subset0).

Processes keep what a running server keeps between requests (the bundled fonts read once,
each credential's QR code drawn once); only the PDF cache is emptied before each request.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable


def _median_seconds(samples: list[float]) -> float:
    return statistics.median(samples)


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--credentials", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()

    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone
    from weasyprint import HTML

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)

    from credentials import transcripts
    from credentials.pdfs import OwnFilesFetcher
    from credentials.records import EvidenceRecord, RubricResultRecord
    from credentials.selectors.transcripts import get_public_transcript
    from credentials.services import issue_credential
    from portfolio.models import LearnerProfile
    from tests.factories import (
        IssuerFactory,
        MicroCredentialFactory,
        SkillFactory,
        UserFactory,
    )

    issuer = IssuerFactory(name="Benchmark Institute of Technology")
    staff = UserFactory(issuer_staff=True)
    issuer.staff.add(staff)
    learner = UserFactory()
    LearnerProfile.objects.filter(user=learner).update(
        display_name="Ada Benchmark",
        slug="ada-benchmark",
        is_public=True,
        transcript_is_public=True,
    )
    skills = [SkillFactory(name=f"Skill number {n}") for n in range(20)]
    for n in range(args.credentials):
        micro_credential = MicroCredentialFactory(
            issuer=issuer, title=f"Micro-credential number {n} in applied data work"
        )
        micro_credential.skills.add(*(skills[(n + k) % len(skills)] for k in range(3)))
        issue_credential(
            by=staff,
            learner_id=learner.pk,
            micro_credential_id=micro_credential.pk,
            award_reference=f"benchmark:{n}",
            assessor_id=None,
            evidence=[
                EvidenceRecord(
                    submitted_evidence_id=1,
                    title="A piece of evidence",
                    kind="reflection",
                    description="",
                    url="",
                )
            ],
            rubric_results=[
                RubricResultRecord(
                    criterion="Clarity", level="Exceeds", required_level="Meets", comment=""
                ),
                RubricResultRecord(
                    criterion="Use of evidence", level="Meets", required_level="Meets", comment=""
                ),
            ],
        )

    client = Client()
    url = "/p/ada-benchmark/transcript.pdf"
    transcript = get_public_transcript(slug="ada-benchmark", now=timezone.now(), page_size="a4")
    html = transcripts.render_transcript_html(transcript)

    def ours() -> None:
        cache.clear()
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    def weasyprint_alone() -> None:
        HTML(string=html, base_url=settings.SITE_URL, url_fetcher=OwnFilesFetcher()).write_pdf()

    # Warm up both paths once: imports, fonts read, QR codes drawn, as in a running server.
    ours()
    weasyprint_alone()

    total, alone, layout, writing = [], [], [], []
    pages = 0
    for _round in range(args.rounds):
        total.append(_timed(ours))
        alone.append(_timed(weasyprint_alone))
        start = time.perf_counter()
        document = HTML(
            string=html, base_url=settings.SITE_URL, url_fetcher=OwnFilesFetcher()
        ).render()
        layout.append(time.perf_counter() - start)
        writing.append(_timed(document.write_pdf))
        pages = len(document.pages)

    print(f"Transcript of {args.credentials} credentials, {pages} pages, {args.rounds} rounds:")
    print(
        f"  (a) whole transcript / WeasyPrint alone on the same HTML: "
        f"{_median_seconds(total) / _median_seconds(alone):.2f}x (target <= 1.2x)"
    )
    print(
        f"  (b) PDF writing / layout: "
        f"{_median_seconds(writing) / _median_seconds(layout):.2f}x (target <= 0.4x)"
    )


if __name__ == "__main__":
    main()
