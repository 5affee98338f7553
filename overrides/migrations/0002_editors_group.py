from django.db import migrations

from core.permissions import grant_to_editors, revoke_from_editors

CODENAMES = [
    "view_descriptionoverride", "add_descriptionoverride", "change_descriptionoverride",
    "delete_descriptionoverride", "view_historicaldescriptionoverride",
]


def grant(apps, schema_editor):
    grant_to_editors(apps, "overrides", CODENAMES)


def revoke(apps, schema_editor):
    revoke_from_editors(apps, "overrides", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [("overrides", "0001_initial"), ("catalog", "0002_editors_group")]
    operations = [migrations.RunPython(grant, revoke)]
