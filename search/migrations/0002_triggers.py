"""PostgreSQL functions and triggers that keep the search documents current, then the first fill."""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"


def sql(name: str) -> str:
    return (SQL / name).read_text()


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
        ("catalog", "0003_list_order_indexes"),
        ("people", "0003_list_order_indexes"),
        ("overrides", "0002_editors_group"),
    ]

    operations = [
        migrations.RunSQL(sql("functions.sql") + sql("triggers.sql"), reverse_sql=sql("drop.sql")),
    ]
