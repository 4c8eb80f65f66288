"""The plain values and multi-row statements that ingest writes one poll with (storage/ingest.py decides what).

Why not ORM objects: creating, flushing and reading back one ORM object per contact, conversation and message made a
back-fill ten times slower than plain ``executemany`` of the same rows (docs/performance.md, B1).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Column, Table, insert
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from socialinbox.domain import Message, Status
from socialinbox.storage.convert import to_message
from socialinbox.storage.models import ContactRow, ConversationRow, MessageRow

CONVERSATIONS = cast(Table, ConversationRow.__table__)  # type: ignore[attr-defined]
MESSAGES = cast(Table, MessageRow.__table__)  # type: ignore[attr-defined]


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


def insert_returning(
    session: Session, table: type[SQLModel], rows: list[dict[str, object]], key: str
) -> dict[str, int]:
    """Insert ``rows`` as multi-row INSERTs; return each new id by the row's ``key`` (unique per account).

    Ids are matched by key, not by position: asking SQLAlchemy to keep the parameters' order
    (``sort_by_parameter_order``) makes it send one INSERT per row on SQLite, three times slower.
    """
    core_table = table.__table__  # type: ignore[attr-defined]
    statement = insert(core_table).returning(core_table.c.id, core_table.c[key])
    # Core, not the ORM's bulk insert (which prepares every row in Python first): on the session's own connection.
    return {str(found_key): int(row_id) for row_id, found_key in session.connection().execute(statement, rows)}


def written_messages(rows: list[dict[str, object]]) -> list[Message]:
    """The new messages as domain values, from the rows just written (each column, its default when not given),
    oldest id first. Reading a poll's thousands back from the table cost a fifth of save_poll (B1)."""
    blank = {column.name: _default(column) for column in MESSAGES.c}
    written = [to_message(cast(MessageRow, SimpleNamespace(**{**blank, **row}))) for row in rows]
    return sorted(written, key=lambda message: message.id)


def _default(column: Column[Any]) -> object:
    default = column.default
    return getattr(default, "arg", None) if default is not None and default.is_scalar else None
