import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('credentials', '0006_credentials_into_status_lists'),
    ]

    operations = [
        migrations.AlterField(
            model_name='issuedcredential',
            name='status_list',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credentials', to='credentials.statuslist'),
        ),
        migrations.AlterField(
            model_name='issuedcredential',
            name='status_list_index',
            field=models.PositiveIntegerField(),
        ),
    ]
