# CredentialDocument replaces signed_document, which nothing ever wrote: a JSONField
# (jsonb on PostgreSQL) reorders keys, and a signed document must come back as issued.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('credentials', '0007_status_list_required'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='issuedcredential',
            name='signed_document',
        ),
        migrations.CreateModel(
            name='CredentialDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('format', models.CharField(choices=[('ob3', 'Open Badges 3.0'), ('ob2', 'Open Badges 2.0'), ('clr2', 'Comprehensive Learner Record 2.0')], max_length=10)),
                ('content', models.TextField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('credential', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='credentials.issuedcredential')),
            ],
        ),
        migrations.AddConstraint(
            model_name='credentialdocument',
            constraint=models.UniqueConstraint(fields=('credential', 'format'), name='credential_document_one_per_format'),
        ),
        migrations.AddConstraint(
            model_name='credentialdocument',
            constraint=models.CheckConstraint(condition=models.Q(('format__in', ['ob3', 'ob2', 'clr2'])), name='credential_document_format_valid'),
        ),
    ]
