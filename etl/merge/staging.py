"""Staged rows: one typed row per staging table, its temporary table and COPY statement derived from its fields.

A staged row is a NamedTuple (hundreds of thousands are built per run) with a class attribute `table`.
Its fields, in order, are the table's columns; their annotations give the column types (or the optional
class attribute `sql_types`, {field: SQL type}, where the default does not fit). `index` names the
columns the merge looks rows up by; prepare_for_merge() indexes and analyzes each table once it is full.
"""

from __future__ import annotations

import datetime
import types
import typing
from collections.abc import Iterable
from typing import Any, NamedTuple

_SQL_TYPES = {int: "bigint", str: "text", bool: "boolean", datetime.date: "date"}


def _sql_type(hint: Any) -> str:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        (hint,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    return _SQL_TYPES[hint]


def create_table_sql(row_type: type[NamedTuple]) -> str:
    hints = typing.get_type_hints(row_type)
    explicit = getattr(row_type, "sql_types", {})
    columns = ", ".join(f"{name} {explicit.get(name) or _sql_type(hints[name])}" for name in row_type._fields)
    return f"CREATE TEMP TABLE {row_type.table} ({columns}) ON COMMIT DROP"


def copy_sql(row_type: type[NamedTuple]) -> str:
    return f"COPY {row_type.table} ({', '.join(row_type._fields)}) FROM STDIN"


def prepare_for_merge(cursor, row_type: type[NamedTuple]) -> None:
    """Index the full staging table on its lookup columns and give the planner its statistics."""
    cursor.execute(f"CREATE INDEX ON {row_type.table} ({', '.join(row_type.index)}); ANALYZE {row_type.table}")


class Staging:
    """Buffers staged rows per type and COPYs them into their temporary tables in batches."""

    def __init__(self, cursor, row_types: Iterable[type[NamedTuple]], batch_size: int = 5000):
        self.cursor = cursor
        self.batch_size = batch_size
        self.rows: dict[type, list[tuple]] = {row_type: [] for row_type in row_types}
        for row_type in self.rows:
            cursor.execute(f"DROP TABLE IF EXISTS {row_type.table}")  # a second run in the same transaction
            cursor.execute(create_table_sql(row_type))

    def add(self, row: NamedTuple) -> None:
        buffer = self.rows[type(row)]
        buffer.append(row)
        if len(buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        for row_type, rows in self.rows.items():
            if rows:
                with self.cursor.copy(copy_sql(row_type)) as copy:
                    write_row = copy.write_row  # bound once: this loop runs for every staged row
                    for row in rows:
                        write_row(row)
                rows.clear()
