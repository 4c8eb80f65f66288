"""Rows for any schema version: fill every table of a database as it was at some revision, and read them back.

The schema is read from the database itself (reflection), so the same code fills the tables of revision 0001 and of
any later one, in foreign-key order, with values the app can read back (real enum values, valid JSON).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Boolean, Connection, DateTime, Engine, Float, Integer, MetaData, Table, select

from socialinbox.storage.migrate import alembic_config

ROWS_PER_TABLE = 5
Snapshot = dict[str, list[tuple[Any, ...]]]
_VALID = {  # columns whose text the app turns back into its enums
    "platform": "mastodon",
    "health": "connected",
    "status": "needs-reply",
    "direction": "in",
    "visibility": "public",
    "state": "queued",
    "kind": "message",
}


def revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def upgrade_to(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def _tables(connection: Connection) -> list[Table]:
    metadata = MetaData()
    metadata.reflect(bind=connection)
    # Full-text index tables are derived from the message rows (and rebuilt from them): not data of their own.
    return [t for t in metadata.sorted_tables if t.name != "alembic_version" and not t.name.startswith("message_fts")]


def fill(engine: Engine) -> Snapshot:
    """Insert ``ROWS_PER_TABLE`` rows in every table; return every row of every table, by its columns then."""
    with engine.begin() as connection:
        for table in _tables(connection):
            connection.execute(table.insert(), [_row(table, n) for n in range(1, ROWS_PER_TABLE + 1)])
    return snapshot(engine)


def snapshot(engine: Engine, columns: dict[str, list[str]] | None = None) -> Snapshot:
    """Every row of every table (or of the tables and columns in ``columns``), sorted, as plain tuples."""
    taken: Snapshot = {}
    with engine.connect() as connection:
        for table in _tables(connection):
            if columns is not None and table.name not in columns:
                continue
            names = columns[table.name] if columns is not None else [c.name for c in table.columns]
            rows = connection.execute(select(*(table.c[name] for name in names))).all()
            taken[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return taken


def columns_of(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as connection:
        return {table.name: [c.name for c in table.columns] for table in _tables(connection)}


def _row(table: Table, n: int) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.primary_key and isinstance(column.type, Integer):
            continue  # the database numbers rows 1..n
        if column.foreign_keys:
            row[column.name] = n  # the parent table's row n
        elif isinstance(column.type, Boolean):
            row[column.name] = n % 2 == 0
        elif isinstance(column.type, DateTime):
            row[column.name] = datetime(2026, 11, 20, 9, tzinfo=UTC) + timedelta(minutes=n)
        elif isinstance(column.type, Integer):
            row[column.name] = n
        elif isinstance(column.type, Float):
            row[column.name] = n / 4
        elif column.name in _VALID:
            row[column.name] = _VALID[column.name]
        elif column.name.endswith("_json"):
            row[column.name] = "{}"
        else:
            row[column.name] = f"{table.name}.{column.name} #{n} — café 🥐"
    return row
