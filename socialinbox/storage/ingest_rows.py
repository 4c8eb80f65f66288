"""The plain values and multi-row statements that ingest writes one poll with (storage/ingest.py decides what).

Why not ORM objects: creating, flushing and reading back one ORM object per contact, conversation and message made a
back-fill ten times slower than plain ``executemany`` of the same rows (docs/performance.md, B1).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import operator
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    DateTime,
    String,
    Table,
    TypeDecorator,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from socialinbox.domain import Direction, Message, Status, Visibility
from socialinbox.storage.models import ContactRow, ConversationRow
from socialinbox.storage.row_values import sqlite_time

CONVERSATIONS = cast(Table, ConversationRow.__table__)  # type: ignore[attr-defined]


@dataclasses.dataclass(eq=False)
class NewContact:
    remote_id: str
    handle: str
    display_name: str = ""
    followers: int | None = None
    id: int | None = None  # known once inserted


@dataclasses.dataclass(eq=False)
class NewConversation:
    """A conversation this poll starts; inserted with the others of the poll once threading is done."""

    contact: ContactRow | NewContact
    thread_key: str
    visibility: str
    last_message_at: datetime
    status: str = Status.NEEDS_REPLY.value
    preview: str = ""
    waiting_since: datetime | None = None
    last_outbound_at: datetime | None = None
    unread: int = 0
    snoozed_until: datetime | None = None
    message_count: int = 0
    id: int | None = None  # known once inserted


@dataclasses.dataclass(eq=False)
class StoredConversation:
    """A stored conversation this poll touches: read with one query, written back with one executemany."""

    id: int
    thread_key: str
    status: str
    last_message_at: datetime
    preview: str
    waiting_since: datetime | None
    last_outbound_at: datetime | None
    unread: int
    snoozed_until: datetime | None
    message_count: int


AnyConversation = StoredConversation | NewConversation
STATE = tuple(field.name for field in dataclasses.fields(StoredConversation))
WRITTEN = STATE[2:]  # everything apply_message moves
LEAN_DIALECTS = frozenset({"sqlite"})  # where a poll's writes skip SQLAlchemy's parameter processing (see below)


def insert_returning(
    session: Session, table: type[SQLModel], rows: list[dict[str, object]], key: str
) -> dict[str, int]:
    """Insert ``rows`` as multi-row INSERTs; return each new id by the row's ``key`` (unique per account).

    Ids are matched by key, not by position: asking SQLAlchemy to keep the parameters' order
    (``sort_by_parameter_order``) makes it send one INSERT per row on SQLite, three times slower.
    """
    core_table = table.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    if connection.dialect.name in LEAN_DIALECTS:
        return _sqlite_insert_returning(connection, core_table, rows, key)
    statement = insert(core_table).returning(core_table.c.id, core_table.c[key])
    # Core, not the ORM's bulk insert (which prepares every row in Python first): on the session's own connection.
    return {str(found_key): int(row_id) for row_id, found_key in connection.execute(statement, rows)}


def one_of(session: Session, column: ColumnElement[Any], values: Collection[object]) -> ColumnElement[bool]:
    """``column IN values``. On SQLite the values travel as one JSON parameter (``json_each``, still answered from
    the column's index): SQLAlchemy spells out an ``IN`` list parameter by parameter in Python at every execution,
    which cost a poll of 1,000 messages about 2,700 of them (docs/performance.md, B1)."""
    if session.connection().dialect.name in LEAN_DIALECTS:
        listed = func.json_each(bindparam(None, json.dumps(list(values)), type_=String)).table_valued("value")
        return column.in_(select(listed.c.value))
    return column.in_(values)


def update_by_id(session: Session, table: Table, rows: list[dict[str, object]]) -> None:
    """``UPDATE table SET ... WHERE id = :id`` for each row (all with the same columns), as one executemany."""
    if not rows:
        return
    connection = session.connection()
    names = [name for name in rows[0] if name != "id"]
    if connection.dialect.name in LEAN_DIALECTS:
        columns = _column_names(table, names)
        sql = f"UPDATE {table.name} SET {', '.join(f'{name} = ?' for name in columns)} WHERE id = ?"  # noqa: S608
        connection.exec_driver_sql(sql, sqlite_rows(table, [*names, "id"], rows))
        return
    statement = update(table).where(table.c.id == bindparam("row_id")).values({name: bindparam(name) for name in names})
    connection.execute(statement, [{"row_id": row["id"], **{name: row[name] for name in names}} for row in rows])


# --- the lean path on SQLite ---------------------------------------------------------------------------------------
# SQLAlchemy prepares every parameter of every row in Python (a dict per row, then each value through its type:
# a datetime goes through two conversions to reach SQLite's text form). For a poll of thousands of messages that
# was a third of save_poll beyond the plain executemany (docs/performance.md, B1). On SQLite the writes of a poll
# hand the driver plain tuples instead, times already in the text SQLAlchemy would store (a test compares both).


def sqlite_rows(table: Table, names: Sequence[str], rows: Iterable[Mapping[str, object]]) -> list[tuple[object, ...]]:
    """Each row's values in ``names`` order, ready for the sqlite3 driver (only times need converting)."""
    times = _time_columns(table, tuple(names))
    pick = operator.itemgetter(*names)
    if len(names) == 1:
        return [(pick(row),) for row in rows]
    if not times:
        return [pick(row) for row in rows]
    text: dict[datetime, str] = {}  # a poll's rows share many times (stored_at above all)
    found = []
    for row in rows:
        values = list(pick(row))
        for index in times:
            value = values[index]
            if value is not None:
                converted = text.get(value)
                if converted is None:
                    converted = text[value] = sqlite_time(value)
                values[index] = converted
        found.append(tuple(values))
    return found


def _sqlite_insert_returning(
    connection: Connection, table: Table, rows: list[dict[str, object]], key: str
) -> dict[str, int]:
    if not rows:
        return {}
    names = _column_names(table, list(rows[0]))
    values = sqlite_rows(table, names, rows)
    limit = getattr(connection.dialect, "insertmanyvalues_max_parameters", 999)
    per_statement = max(1, min(_ROWS_PER_INSERT, limit // len(names)))
    marks = f"({', '.join('?' for _ in names)})"
    found: dict[str, int] = {}
    start = 0
    while start < len(values):
        # Batches of power-of-two sizes only: sqlite3 keeps up to 128 prepared statements per connection, and one
        # per distinct row count (up to 0.7 MB each) grew R8's process 12% over a day (docs/reliability.md).
        size = 1 << (min(len(values) - start, per_statement).bit_length() - 1)
        batch, start = values[start : start + size], start + size
        sql = (
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES {', '.join(marks for _ in batch)} "  # noqa: S608
            f"RETURNING id, {table.c[key].name}"
        )
        flat = tuple(itertools.chain.from_iterable(batch))
        returned = connection.exec_driver_sql(sql, flat).all()
        found.update((str(found_key), int(row_id)) for row_id, found_key in returned)
    return found


_ROWS_PER_INSERT = 1000  # SQLAlchemy's own page size for multi-row inserts


def _column_names(table: Table, names: Sequence[str]) -> list[str]:
    """The statement text is built from the table's own column names (a key that is not one raises); every value
    is a bound parameter."""
    return [table.c[name].name for name in names]


@functools.cache
def _time_columns(table: Table, names: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(index for index, name in enumerate(names) if is_time_column(table.c[name]))


def is_time_column(column: Column[Any]) -> bool:
    kind = column.type
    return isinstance(kind, DateTime) or (isinstance(kind, TypeDecorator) and isinstance(kind.impl, DateTime))


def written_messages(rows: list[dict[str, object]]) -> list[Message]:
    """The new messages as domain values, from the rows just written, oldest id first. Reading a poll's thousands back
    from the table cost a fifth of save_poll, and going through ``convert.to_message`` (a namespace per row, enums
    looked up by value) half of what was left (B1); tests/storage/test_ingest_lean.py compares both ways."""
    directions, visibilities = _DIRECTIONS, _VISIBILITIES
    written = [
        Message(
            row["id"],
            row["conversation_id"],
            row["account_id"],
            row["remote_id"],
            directions[row["direction"]],
            row["author_handle"],
            row["author_name"],
            row["text"],
            row["sent_at"],
            visibilities[row["visibility"]],
            row.get("in_reply_to"),
            row.get("url"),
        )
        for row in cast("list[dict[str, Any]]", rows)  # the values as _message_row put them
    ]
    return sorted(written, key=lambda message: message.id)


_DIRECTIONS = {direction.value: direction for direction in Direction}
_VISIBILITIES = {visibility.value: visibility for visibility in Visibility}
