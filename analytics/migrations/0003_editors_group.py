from django.db import migrations

from core.permissions import grant_to_editors, revoke_from_editors

# Editors read the viewing analytics; only the consumer writes them.
CODENAMES = ["view_movieanalytics"]


def grant(apps, schema_editor):
    grant_to_editors(apps, "analytics", CODENAMES)


def revoke(apps, schema_editor):
    revoke_from_editors(apps, "analytics", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_movie_analytics"), ("catalog", "0002_editors_group")]
    operations = [migrations.RunPython(grant, revoke)]
