from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_remove_applicationevent"),
    ]

    operations = [
        migrations.AddField(
            model_name="submittedevidence",
            name="sha256",
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
