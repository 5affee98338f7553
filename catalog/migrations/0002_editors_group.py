from django.db import migrations

from core.permissions import grant_to_editors, revoke_from_editors

# Editors curate movies (no deleting partner movies: the next feed would bring them back).
CODENAMES = ["view_movie", "add_movie", "change_movie", "view_cmsdescription"]


def grant(apps, schema_editor):
    grant_to_editors(apps, "catalog", CODENAMES)


def revoke(apps, schema_editor):
    revoke_from_editors(apps, "catalog", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length"), ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(grant, revoke)]
