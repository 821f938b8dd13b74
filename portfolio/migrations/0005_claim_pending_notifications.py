"""Give e-mails that were pending before the outbox claim existed a due time and a deadline.

Without next_attempt_at the sweep would never pick them up again. They are due at once and
get the usual day from now. Reversing has nothing to undo: the fields go with 0004.
"""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone


def claim_pending(apps, schema_editor):
    Notification = apps.get_model("portfolio", "Notification")
    now = timezone.now()
    Notification.objects.filter(email_state="pending", next_attempt_at__isnull=True).update(
        next_attempt_at=now, give_up_at=now + timedelta(days=1)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0004_notification_outbox_claim"),
    ]

    operations = [
        migrations.RunPython(claim_pending, migrations.RunPython.noop),
    ]
