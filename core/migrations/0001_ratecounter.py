from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="RateCounter",
            fields=[
                ("key", models.CharField(max_length=255, primary_key=True, serialize=False)),
                ("hits", models.PositiveIntegerField()),
                ("window_ends", models.DateTimeField()),
            ],
            options={"verbose_name": "rate-limit counter"},
        ),
        # Counts need no crash safety; an UNLOGGED table's writes wait for no WAL flush.
        migrations.RunSQL("ALTER TABLE core_ratecounter SET UNLOGGED", "ALTER TABLE core_ratecounter SET LOGGED"),
    ]
