"""Status lists of at least 131,072 bits with random allocation, and successors when full.

The lists made before this handed out indexes in order; they are closed here (a list's
permutation must not meet indexes already handed out in order) and stay published for the
credentials they hold, which keep their indexes. The next credential of each issuer opens
its successor, number 2, which allocates at random.
"""

from django.db import migrations, models

MIN_SIZE = 131_072


def close_sequential_lists(apps, schema_editor):
    StatusList = apps.get_model("credentials", "StatusList")
    for status_list in StatusList.objects.all():
        status_list.is_open = False
        # A list must encode every index it handed out, in whole bytes.
        status_list.size = max(MIN_SIZE, -(-status_list.allocated // 8) * 8)
        status_list.save(update_fields=["is_open", "size"])


class Migration(migrations.Migration):

    dependencies = [
        ("credentials", "0016_directory_skill_ids"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="statuslist",
            name="status_list_one_per_issuer_purpose",
        ),
        migrations.RenameField(
            model_name="statuslist",
            old_name="next_index",
            new_name="allocated",
        ),
        migrations.AddField(
            model_name="statuslist",
            name="number",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="statuslist",
            name="size",
            field=models.PositiveIntegerField(default=MIN_SIZE),
        ),
        migrations.AddField(
            model_name="statuslist",
            name="permutation_key",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="statuslist",
            name="is_open",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="statuslist",
            name="signed_document",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="statuslist",
            name="signed_bits_sha256",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(close_sequential_lists, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="statuslist",
            constraint=models.UniqueConstraint(
                fields=("issuer", "purpose", "number"), name="status_list_number_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="statuslist",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_open", True)),
                fields=("issuer", "purpose"),
                name="status_list_one_open_per_issuer_purpose",
            ),
        ),
        migrations.AddConstraint(
            model_name="statuslist",
            constraint=models.CheckConstraint(
                condition=models.Q(("size__gte", MIN_SIZE)), name="status_list_size_minimum"
            ),
        ),
        migrations.AddConstraint(
            model_name="statuslist",
            constraint=models.CheckConstraint(
                condition=models.Q(("allocated__lte", models.F("size"))),
                name="status_list_allocated_fits",
            ),
        ),
        migrations.AddConstraint(
            model_name="statuslist",
            constraint=models.CheckConstraint(
                condition=models.Q(("is_open", False)) | ~models.Q(("permutation_key", "")),
                name="status_list_open_has_key",
            ),
        ),
    ]
