# Evidence frozen before digests were recorded gets its SHA-256 now, read from storage in
# chunks (never a whole file in memory; any storage backend), and each issued credential's
# evidence record gains the digests of its items, so a credential signed from now on lists
# them. Documents already signed are never touched: they stay what was signed.
#
# Safe to run again (only blank digests are filled). A frozen file missing from storage keeps
# a blank digest: its credential then lists no digest for it, which is the truth. Reversing
# takes the digests back out of the credentials' records, whose older codec does not know
# the key; 0004 reversed drops the column.

import hashlib

from django.db import migrations

CHUNK_SIZE = 64 * 1024


def sha256_of(storage, name):
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for chunk in handle.chunks(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def record_digests(apps, schema_editor):
    SubmittedEvidence = apps.get_model("assessments", "SubmittedEvidence")
    IssuedCredential = apps.get_model("credentials", "IssuedCredential")
    storage = SubmittedEvidence._meta.get_field("file").storage
    # Rounds share one frozen copy while the item is unchanged: each file is read once.
    by_name = {}
    missing = SubmittedEvidence.objects.filter(sha256="").exclude(file="")
    for pk, name in missing.values_list("pk", "file").order_by("pk").iterator(chunk_size=500):
        if name not in by_name:
            try:
                by_name[name] = sha256_of(storage, name)
            except FileNotFoundError:
                by_name[name] = ""
        if by_name[name]:
            SubmittedEvidence.objects.filter(pk=pk).update(sha256=by_name[name])

    credentials = IssuedCredential.objects.only("evidence_snapshot").order_by("pk")
    for credential in credentials.iterator(chunk_size=500):
        entries = credential.evidence_snapshot
        wanted = [entry["id"] for entry in entries if "sha256" not in entry]
        digests = dict(
            SubmittedEvidence.objects.filter(pk__in=wanted)
            .exclude(sha256="")
            .values_list("pk", "sha256")
        )
        if not digests:
            continue
        for entry in entries:
            if "sha256" not in entry and entry["id"] in digests:
                entry["sha256"] = digests[entry["id"]]
        credential.save(update_fields=["evidence_snapshot"])


def forget_digests(apps, schema_editor):
    IssuedCredential = apps.get_model("credentials", "IssuedCredential")
    credentials = IssuedCredential.objects.only("evidence_snapshot").order_by("pk")
    for credential in credentials.iterator(chunk_size=500):
        if any("sha256" in entry for entry in credential.evidence_snapshot):
            for entry in credential.evidence_snapshot:
                entry.pop("sha256", None)
            credential.save(update_fields=["evidence_snapshot"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_submitted_evidence_sha256"),
    ]

    operations = [migrations.RunPython(record_digests, forget_digests)]
