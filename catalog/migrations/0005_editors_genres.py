from django.db import migrations

from core.permissions import grant_to_editors, revoke_from_editors

# Editors curate genres (names per language; deleting one removes it from its movies only).
CODENAMES = ["view_genre", "add_genre", "change_genre", "delete_genre"]


def grant(apps, schema_editor):
    grant_to_editors(apps, "catalog", CODENAMES)


def revoke(apps, schema_editor):
    revoke_from_editors(apps, "catalog", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_catalog_depth"), ("catalog", "0002_editors_group")]
    operations = [migrations.RunPython(grant, revoke)]
