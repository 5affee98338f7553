from django.db import migrations

from core.permissions import grant_to_editors, revoke_from_editors

# Editors read the run history and may start a run; the history itself is written by the ETL only.
CODENAMES = ["view_etlrun", "run_etl", "view_rejectedrecord"]


def grant(apps, schema_editor):
    grant_to_editors(apps, "etl", CODENAMES)


def revoke(apps, schema_editor):
    revoke_from_editors(apps, "etl", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [("etl", "0001_initial"), ("catalog", "0002_editors_group")]
    operations = [migrations.RunPython(grant, revoke)]
