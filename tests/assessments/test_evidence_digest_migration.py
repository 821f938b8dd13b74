"""Evidence frozen before digests were recorded gets them from 0005, read from storage, and
the credentials issued on it gain them in their evidence records; running it again changes
nothing, and reversing takes them back out of the records."""

import hashlib
from datetime import UTC, datetime

from django.core.files.base import ContentFile

from portfolio.storage import private_storage
from tests.migrations import migrate as migrate_to

BEFORE = ("assessments", "0004_submitted_evidence_sha256")
AFTER = ("assessments", "0005_submitted_evidence_digests")
PDF = b"%PDF-1.4 frozen before digests"
SHA = hashlib.sha256(PDF).hexdigest()


def migrate(executor, target):
    # Only assessments moves: the other apps stay as they are now (fully migrated).
    executor.loader.build_graph()
    others = [
        node
        for app in ("portfolio", "credentials")
        for node in executor.loader.graph.leaf_nodes(app)
    ]
    return migrate_to(executor, [target, *others])


def _old_rows(apps):
    User = apps.get_model("portfolio", "User")
    Issuer = apps.get_model("credentials", "Issuer")
    issuer = Issuer.objects.create(name="Old", slug="old", url="https://x.org", email="a@x.org")
    definition = apps.get_model("credentials", "MicroCredential").objects.create(
        issuer=issuer,
        title="Old",
        slug="old",
        summary="-",
        description="-",
        criteria="-",
        estimated_hours=1,
    )
    learner = User.objects.create(email="learner@example.org")
    application = apps.get_model("assessments", "Application").objects.create(
        learner=learner, micro_credential=definition, round=2
    )
    name = private_storage().save("submitted/old.pdf", ContentFile(PDF))
    frozen = apps.get_model("assessments", "SubmittedEvidence")
    rounds = [
        frozen.objects.create(
            application=application,
            round=r,
            fingerprint="f",
            kind="file",
            title="Report",
            file=name,
        )
        for r in (1, 2)
    ]
    gone = frozen.objects.create(
        application=application,
        round=2,
        fingerprint="g",
        kind="file",
        title="Lost",
        file="submitted/missing.pdf",
    )
    note = frozen.objects.create(
        application=application, round=2, fingerprint="n", kind="reflection", title="Note"
    )
    snapshot = [
        {"id": e.pk, "title": e.title, "kind": e.kind, "description": "", "url": ""}
        for e in (rounds[1], gone, note)
    ]
    status_list = apps.get_model("credentials", "StatusList").objects.create(
        issuer=issuer, purpose="revocation", is_open=False
    )
    credential = apps.get_model("credentials", "IssuedCredential").objects.create(
        micro_credential=definition,
        issuer=issuer,
        learner=learner,
        award_reference="old:1",
        issued_at=datetime(2026, 1, 1, tzinfo=UTC),
        status_list=status_list,
        status_list_index=0,
        evidence_snapshot=snapshot,
    )
    return rounds, gone, note, credential


def test_old_frozen_files_get_their_digests_and_so_do_their_credentials(migration_executor):
    apps = migrate(migration_executor, BEFORE)
    rounds, gone, note, credential = _old_rows(apps)

    apps = migrate(migration_executor, AFTER)
    frozen = apps.get_model("assessments", "SubmittedEvidence").objects
    assert [frozen.get(pk=e.pk).sha256 for e in rounds] == [SHA, SHA]
    # A file missing from storage, and evidence without one, have no digest to give.
    assert frozen.get(pk=gone.pk).sha256 == ""
    assert frozen.get(pk=note.pk).sha256 == ""
    snapshot = (
        apps.get_model("credentials", "IssuedCredential").objects.get(pk=credential.pk)
    ).evidence_snapshot
    assert [entry.get("sha256") for entry in snapshot] == [SHA, None, None]


def test_running_it_again_changes_nothing_and_reversing_takes_the_digests_out(
    migration_executor,
):
    apps = migrate(migration_executor, BEFORE)
    rounds, _gone, _note, credential = _old_rows(apps)
    migrate(migration_executor, AFTER)

    # Back to before the data migration (the column stays), and forward again.
    apps = migrate(migration_executor, BEFORE)
    credentials = apps.get_model("credentials", "IssuedCredential").objects
    assert all("sha256" not in e for e in credentials.get(pk=credential.pk).evidence_snapshot)
    apps = migrate(migration_executor, AFTER)
    credentials = apps.get_model("credentials", "IssuedCredential").objects
    assert [e.get("sha256") for e in credentials.get(pk=credential.pk).evidence_snapshot] == [
        SHA,
        None,
        None,
    ]
    frozen = apps.get_model("assessments", "SubmittedEvidence").objects
    assert frozen.get(pk=rounds[0].pk).sha256 == SHA
