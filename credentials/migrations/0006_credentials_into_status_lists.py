# Every credential issued so far gets its bit in its issuer's revocation list, as
# issue_credential now gives every new one. An index set before (status_list_index was
# unique across all issuers, so it is unique within its issuer's list too) is kept; the
# others follow in the order the credentials were issued. Reversing takes every credential
# out of the lists and deletes them: 0005 reversed drops the lists themselves.

from django.db import migrations
from django.db.models import Max


def fill_status_lists(apps, schema_editor):
    Issuer = apps.get_model("credentials", "Issuer")
    StatusList = apps.get_model("credentials", "StatusList")
    IssuedCredential = apps.get_model("credentials", "IssuedCredential")
    for issuer in Issuer.objects.filter(issued__isnull=False).distinct().order_by("pk"):
        status_list, _ = StatusList.objects.get_or_create(issuer=issuer, purpose="revocation")
        credentials = IssuedCredential.objects.filter(issuer=issuer)
        highest = credentials.aggregate(highest=Max("status_list_index"))["highest"]
        next_index = 0 if highest is None else highest + 1
        credentials.filter(status_list_index__isnull=False).update(status_list=status_list)
        for credential in credentials.filter(status_list_index__isnull=True).order_by(
            "issued_at", "pk"
        ):
            credential.status_list = status_list
            credential.status_list_index = next_index
            credential.save(update_fields=["status_list", "status_list_index"])
            next_index += 1
        status_list.next_index = max(status_list.next_index, next_index)
        status_list.save(update_fields=["next_index"])


def empty_status_lists(apps, schema_editor):
    StatusList = apps.get_model("credentials", "StatusList")
    IssuedCredential = apps.get_model("credentials", "IssuedCredential")
    IssuedCredential.objects.update(status_list=None, status_list_index=None)
    StatusList.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0005_status_lists"),
    ]

    operations = [
        migrations.RunPython(fill_status_lists, empty_status_lists),
    ]
