"""The inbox's hot read path without ORM objects: one Core select of just the columns a ``Conversation`` shows,
each row unpacked by position straight into the domain value.

Why not ``convert.to_conversation`` over ORM entities: on the first page of "needs reply" (100 rows, a million
messages) loading two ORM entities per row, reading their attributes by name and keyword-building the values took
about 7x the raw SQL; this path takes well under 3x (docs/performance.md, B2). The price is a second converter, so
tests/storage/test_conversation_rows.py checks it against ``convert.to_conversation`` field by field, and fails when
``Conversation`` or ``Contact`` gains a field this module does not know yet.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Select, String, Table, bindparam, select, tuple_, type_coerce
from sqlalchemy.orm import Bundle

from socialinbox.domain import Conversation, Platform, Status
from socialinbox.storage.models import AccountRow, ContactRow, ConversationRow
from socialinbox.storage.row_values import CONTACT_FIELDS, CONVERSATION_FIELDS, to_conversations

CONVERSATION = cast(Table, ConversationRow.__table__)  # type: ignore[attr-defined]
CONTACT = cast(Table, ContactRow.__table__)  # type: ignore[attr-defined]
ACCOUNT = cast(Table, AccountRow.__table__)  # type: ignore[attr-defined]


@functools.cache  # statements are immutable; building one costs more than running it
def conversation_select() -> Select[Any]:
    """The conversation's, then the contact's columns above, then the account's platform."""
    return (
        select(
            *(_fast_time(CONVERSATION.c[name]) for name in CONVERSATION_FIELDS),
            *(CONTACT.c[name] for name in CONTACT_FIELDS),
            ACCOUNT.c.platform,
        )
        .join_from(CONVERSATION, CONTACT, CONTACT.c.id == CONVERSATION.c.contact_id)
        .join(ACCOUNT, ACCOUNT.c.id == CONVERSATION.c.account_id)
    )


@functools.cache
def conversation_bundles() -> Select[Any]:
    """(conversation, contact, platform) rows whose first two items read like the ORM rows (``row.status``), for
    callers that convert with ``convert.to_conversation``; far cheaper than loading entities."""
    return (
        select(Bundle("conversation", *CONVERSATION.c), Bundle("contact", *CONTACT.c), ACCOUNT.c.platform)
        .join_from(CONVERSATION, CONTACT, CONTACT.c.id == CONVERSATION.c.contact_id)
        .join(ACCOUNT, ACCOUNT.c.id == CONVERSATION.c.account_id)
    )


@functools.cache
def inbox_page_select(
    newest_first: bool, by_account: bool, after: bool, only_platforms: bool = False, other_platforms: bool = False
) -> Select[Any]:
    """One page of an inbox view, keyset-paginated on an index: bind ``statuses`` (a list) and ``limit``, and
    ``account_id``, ``after_value``/``after_id``, ``platforms`` (only these) or ``excluded`` (all but these) when
    asked for. Newest first orders by the last message, otherwise longest waiting first."""
    sort = CONVERSATION.c.last_message_at if newest_first else CONVERSATION.c.waiting_since
    key = tuple_(sort, CONVERSATION.c.id)
    query = conversation_select().where(CONVERSATION.c.status.in_(bindparam("statuses", expanding=True)))
    query = _narrowed(query, by_account, only_platforms, other_platforms)
    if after:
        position = tuple_(bindparam("after_value", type_=sort.type), bindparam("after_id"))
        query = query.where(key < position if newest_first else key > position)
    order = (sort.desc(), CONVERSATION.c.id.desc()) if newest_first else (sort.asc(), CONVERSATION.c.id.asc())
    return query.order_by(*order).limit(bindparam("limit"))


def _narrowed(query: Select[Any], by_account: bool, only_platforms: bool, other_platforms: bool) -> Select[Any]:
    """The filters every inbox view may add: one account, only some platforms, or all but some."""
    if by_account:
        query = query.where(CONVERSATION.c.account_id == bindparam("account_id"))
    if only_platforms:
        query = query.where(ACCOUNT.c.platform.in_(bindparam("platforms", expanding=True)))
    if other_platforms:
        query = query.where(ACCOUNT.c.platform.not_in(bindparam("excluded", expanding=True)))
    return query


@functools.cache
def needs_reply_select(by_account: bool, after: bool, only_platforms: bool, other_platforms: bool) -> Select[Any]:
    """``inbox_page_select`` for the one status "needs reply": an equality, not an expanding ``IN``, whose list
    SQLAlchemy would re-render into the SQL text on every execution."""
    sort = CONVERSATION.c.waiting_since
    query = conversation_select().where(CONVERSATION.c.status == bindparam("status"))
    query = _narrowed(query, by_account, only_platforms, other_platforms)
    if after:
        position = tuple_(bindparam("after_value", type_=sort.type), bindparam("after_id"))
        query = query.where(tuple_(sort, CONVERSATION.c.id) > position)
    return query.order_by(sort.asc(), CONVERSATION.c.id.asc()).limit(bindparam("limit"))


def needs_reply_page(
    connection: Connection,
    *,
    only: Collection[Platform] | None,
    exclude: Collection[Platform],
    account_id: int | None,
    after: tuple[datetime, int] | None,
    limit: int,
    memo: ConversationMemo | None = None,
) -> list[Conversation]:
    """Needs-reply conversations on some platforms, longest waiting first (``Repository.needs_reply_stream``)."""
    query = needs_reply_select(account_id is not None, after is not None, only is not None, bool(exclude))
    params: dict[str, Any] = {"status": Status.NEEDS_REPLY.value, "limit": limit}
    if account_id is not None:
        params["account_id"] = account_id
    if only is not None:
        params["platforms"] = [platform.value for platform in only]
    if exclude:
        params["excluded"] = [platform.value for platform in exclude]
    if after is not None:
        params.update(after_value=after[0], after_id=after[1])
    rows = connection.execute(query, params).all()
    return to_conversations(rows) if memo is None else memo.conversations(rows)


def _fast_time(column: ColumnElement[Any]) -> ColumnElement[Any]:
    return text_time(column) if column.name in _TIMES else column


_TIMES = frozenset({"last_message_at", "waiting_since", "snoozed_until"})


def text_time(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQLite keeps times as text: read the text and parse it in one C call (``utc_time``), not through the column
    type's two Python-level conversions, which cost more than the rest of the row."""
    return type_coerce(column, String).label(column.name)


class ConversationMemo:
    """The values last built from each conversation's row, reused while the row reads back identical.

    Why: the inbox reads the same first page again and again (every reload, every return to "Needs reply"), and
    building a ``Conversation`` and its ``Contact`` (frozen dataclasses) cost more than the query itself; comparing
    the row just read with the one a value was built from costs a tenth of that (docs/performance.md, B2). The
    whole row is the key, so any change to any column builds a new value. Thread-safe (the sync worker and the GUI
    both read); bounded, the oldest entries forgotten first.
    """

    def __init__(self, size: int = 2000) -> None:
        self._size = size
        self._entries: dict[Any, tuple[tuple[Any, ...], Conversation]] = {}
        self._lock = threading.Lock()

    def conversations(self, rows: Iterable[Sequence[Any]]) -> list[Conversation]:
        plain = [tuple(row) for row in rows]
        with self._lock:
            found: list[Conversation | None] = []
            for row in plain:
                hit = self._entries.get(row[0])
                found.append(hit[1] if hit is not None and hit[0] == row else None)
        missing = [row for row, value in zip(plain, found, strict=True) if value is None]
        if not missing:
            return cast(list[Conversation], found)
        built = to_conversations(missing)
        fresh = iter(built)
        values = [value if value is not None else next(fresh) for value in found]
        with self._lock:
            for row, value in zip(missing, built, strict=True):
                self._entries.pop(row[0], None)  # inserted again, as the newest
                self._entries[row[0]] = (row, value)
            while len(self._entries) > self._size:
                del self._entries[next(iter(self._entries))]
        return values

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
