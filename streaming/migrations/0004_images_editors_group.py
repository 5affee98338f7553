from django.db import migrations

from core.permissions import grant_to_editors, revoke_from_editors

# Editors upload, replace and remove posters, backdrops and photos (the inlines of the movie and person pages).
CODENAMES = ["view_image", "add_image", "change_image", "delete_image", "view_trickplaytrack"]


def grant(apps, schema_editor):
    grant_to_editors(apps, "streaming", CODENAMES)


def revoke(apps, schema_editor):
    revoke_from_editors(apps, "streaming", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [("streaming", "0003_images_trickplay")]
    operations = [migrations.RunPython(grant, revoke)]
