from django.db import migrations

from core.permissions import grant_to_editors, revoke_from_editors

# Editors read the statistics and watch the outbox backlog; only the pipeline writes them.
CODENAMES = ["view_moviedailystats", "view_outboxevent"]


def grant(apps, schema_editor):
    grant_to_editors(apps, "activity", CODENAMES)


def revoke(apps, schema_editor):
    revoke_from_editors(apps, "activity", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [("activity", "0001_initial"), ("catalog", "0002_editors_group")]
    operations = [migrations.RunPython(grant, revoke)]
