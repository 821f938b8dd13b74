"""Bulk issuance end to end, as a ratio to bare signing of the same credentials.

    .venv/bin/python -m benchmarks.bulk_issuance [--count 1000] [--sign 200] [--rounds 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unbundled .venv/bin/python -m benchmarks.bulk_issuance

In one process and one run, on a throwaway test database (SQLite, or PostgreSQL when
DATABASE_URL is set; `test_` + its name, made and dropped here):

- bare signing: `Signer.sign` of --sign Open Badges 3.0 documents already built from issued
  credentials of the same micro-credential (no database, no building): the rate the
  eddsa-rdfc-2022 proof alone allows;
- bulk issuance: the task's body (`credentials.bulk_issuance.issue_bulk_credentials`) for a
  batch of --count learners: status-list bits, credential rows, building and signing each
  document, the events with their reactions in the transaction (each learner's notification
  and e-mail outbox row) and after commit (page caches), row states. Directory entries are
  rewritten by a task the chunk queues (credentials.tasks.refresh_directory_entries), which a
  worker runs beside the batch; a second ratio adds its time, measured alone.
  Celery is given an in-memory broker, as production has a worker: the e-mails are queued,
  not sent, in the measured time.

Rounds interleave the two (a busy moment slows both); prints each round's rates and the
ratio of medians, bulk / bare. Target: at least 0.5.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Sequence


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="learners per bulk issuance")
    parser.add_argument("--sign", type=int, default=200, help="documents per bare signing run")
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()

    from django.db import connection
    from django.test.utils import setup_test_environment

    from config.celery import app

    # As in production: tasks go to a broker (here in memory) for a worker, not run inline.
    app.conf.update(task_always_eager=False, broker_url="memory://")

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(arguments)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(arguments: argparse.Namespace) -> None:
    from credentials.bulk_issuance import issue_bulk_credentials, start_bulk_issuance
    from credentials.models import IssuedCredential
    from credentials.services import generate_signing_key
    from credentials.tasks import refresh_directory_entries
    from credentials.vc.identity import signer_for
    from credentials.vc.open_badges import build_open_badge_credential, load_achievement_source
    from portfolio.models import User
    from tests.factories import (
        IssuerFactory,
        MicroCredentialFactory,
        SkillFactory,
        UserFactory,
    )

    issuer = IssuerFactory(name="Benchmark Institute", slug="benchmark")
    generate_signing_key(issuer_id=issuer.pk, by=None)
    micro_credential = MicroCredentialFactory(issuer=issuer, validity_months=24)
    micro_credential.skills.add(*(SkillFactory() for _ in range(3)))
    staff = UserFactory(issuer_staff=True)
    issuer.staff.add(staff)
    total = arguments.count * arguments.rounds + arguments.sign
    print(f"Making {total} learners ...", flush=True)
    learners: list[User] = [
        UserFactory.create(email=f"learner{n}@bench.example.org") for n in range(total)
    ]

    def bulk(users: Sequence[User]) -> float:
        batch = start_bulk_issuance(
            micro_credential_id=micro_credential.pk,
            learners=list(enumerate(users, start=1)),
            by=staff,
        )
        started = time.perf_counter()
        issue_bulk_credentials(batch_id=batch.pk)
        seconds = time.perf_counter() - started
        if batch.rows.filter(state="issued").count() != len(users):
            raise SystemExit("The bulk issuance did not issue every row.")
        return seconds

    def directory(users: Sequence[User]) -> float:
        # What the queued refresh_directory_entries tasks do in a worker, timed alone.
        started = time.perf_counter()
        refresh_directory_entries.run(learner_ids=[user.pk for user in users])
        return time.perf_counter() - started

    # Warm-up, and the credentials whose documents bare signing signs.
    bulk(learners[: arguments.sign])
    signer = signer_for(issuer)
    source = load_achievement_source(micro_credential.pk)
    credentials = IssuedCredential.objects.filter(learner__in=learners[: arguments.sign])
    documents = [
        build_open_badge_credential(credential, issuer_id=signer.issuer_did, source=source)
        for credential in credentials.select_related("learner", "issuer", "status_list__issuer")
    ]

    def bare() -> float:
        started = time.perf_counter()
        for document in documents:
            signer.sign(document)
        return time.perf_counter() - started

    rest = learners[arguments.sign :]
    bare_rates: list[float] = []
    bulk_rates: list[float] = []
    with_directory_rates: list[float] = []
    print(f"{arguments.count} credentials per bulk issuance, {len(documents)} per bare signing")
    for round_number in range(arguments.rounds):
        bare_rates.append(len(documents) / bare())
        users = rest[round_number * arguments.count : (round_number + 1) * arguments.count]
        issuing = bulk(users)
        bulk_rates.append(len(users) / issuing)
        with_directory_rates.append(len(users) / (issuing + directory(users)))
        print(
            f"round {round_number + 1}: bare signing {bare_rates[-1]:7.1f}/s, "
            f"bulk issuance {bulk_rates[-1]:7.1f}/s "
            f"({with_directory_rates[-1]:.1f}/s with the directory's refresh task)",
            flush=True,
        )
    theirs = statistics.median(bare_rates)
    print("RATIOS (medians, / bare signing; target >= 0.5)")
    for label, rates in (
        ("bulk issuance end to end", bulk_rates),
        ("... plus its directory refresh task", with_directory_rates),
    ):
        ours = statistics.median(rates)
        print(f"  {label}: {ours:.1f}/s vs {theirs:.1f}/s = {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
