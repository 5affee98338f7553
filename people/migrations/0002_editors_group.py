from django.db import migrations

from core.permissions import grant_to_editors, revoke_from_editors

CODENAMES = [
    "view_person", "add_person", "change_person",
    "view_credit", "add_credit", "change_credit", "delete_credit",
]


def grant(apps, schema_editor):
    grant_to_editors(apps, "people", CODENAMES)


def revoke(apps, schema_editor):
    revoke_from_editors(apps, "people", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial"), ("catalog", "0002_editors_group")]
    operations = [migrations.RunPython(grant, revoke)]
