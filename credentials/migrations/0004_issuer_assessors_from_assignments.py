# Every assessor already assigned to an issuer's micro-credential becomes one of that issuer's
# assessors, so existing assignments stay valid now that only an issuer's own assessors can be
# assigned. Reversing leaves the rows: the field itself goes with 0003.

from django.db import migrations


def copy_assignments(apps, schema_editor):
    MicroCredential = apps.get_model("credentials", "MicroCredential")
    Issuer = apps.get_model("credentials", "Issuer")
    Assessors = Issuer.assessors.through
    pairs = set(
        MicroCredential.assessors.through.objects.values_list(
            "microcredential__issuer_id", "user_id"
        )
    )
    Assessors.objects.bulk_create(
        [Assessors(issuer_id=issuer_id, user_id=user_id) for issuer_id, user_id in pairs],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0003_issuer_assessors_and_invitations"),
    ]

    operations = [
        migrations.RunPython(copy_assignments, migrations.RunPython.noop),
    ]
