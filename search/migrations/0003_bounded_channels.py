"""Bounded candidate channels: (length, id)-ordered title and wide channels replace trigram KNN."""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"

REVERSE = """
DROP FUNCTION IF EXISTS search_channels(text, text, text, text, text, tsquery, int);
DROP FUNCTION IF EXISTS search_channel(text, text, text, text, tsquery, int, int, bigint);
DROP FUNCTION IF EXISTS search_estimate(text, text, tsquery);
DROP INDEX IF EXISTS search_movie_title_len;
DROP INDEX IF EXISTS search_person_name_len;
DROP INDEX IF EXISTS search_lexeme_trgm;
"""


class Migration(migrations.Migration):
    dependencies = [("search", "0002_triggers")]

    operations = [
        migrations.RunSQL((SQL / "candidates.sql").read_text(), reverse_sql=REVERSE),
    ]
