"""Small cursor helpers shared by the merge steps."""

from __future__ import annotations

ETL_NOW = "current_setting('etl.now')::timestamptz"  # the run's one timestamp (set by etl.merge.merge)


def one(cursor, sql: str, params=()) -> tuple:
    cursor.execute(sql, params)
    return cursor.fetchone()


def all_rows(cursor, sql: str, params=()) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def drop_tables(cursor, tables) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {', '.join(tables)}")
