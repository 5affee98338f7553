from django.db import migrations

from core.permissions import grant_to_editors, revoke_from_editors

# Editors see the list of viewer accounts; their history needs `view_viewer_history`, granted one by one.
CODENAMES = ["view_viewer"]


def grant(apps, schema_editor):
    grant_to_editors(apps, "accounts", CODENAMES)


def revoke(apps, schema_editor):
    revoke_from_editors(apps, "accounts", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("catalog", "0002_editors_group")]
    operations = [migrations.RunPython(grant, revoke)]
