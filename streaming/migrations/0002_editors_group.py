from django.db import migrations

from core.permissions import grant_to_editors, revoke_from_editors

# Editors upload, replace and remove videos.
CODENAMES = ["view_videoasset", "add_videoasset", "change_videoasset", "delete_videoasset"]


def grant(apps, schema_editor):
    grant_to_editors(apps, "streaming", CODENAMES)


def revoke(apps, schema_editor):
    revoke_from_editors(apps, "streaming", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("streaming", "0001_initial"),
        ("catalog", "0002_editors_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
