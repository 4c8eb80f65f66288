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
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Select, String, Table, bindparam, select, tuple_, type_coerce
from sqlalchemy.orm import Bundle

from socialinbox.domain import Contact, Conversation, Platform, Status, Visibility
from socialinbox.storage.models import AccountRow, ContactRow, ConversationRow

CONVERSATION = cast(Table, ConversationRow.__table__)  # type: ignore[attr-defined]
CONTACT = cast(Table, ContactRow.__table__)  # type: ignore[attr-defined]
ACCOUNT = cast(Table, AccountRow.__table__)  # type: ignore[attr-defined]

# The fields each value is built from, in the order of the select below.
CONVERSATION_FIELDS = (
    "id", "account_id", "visibility", "status", "last_message_at", "preview", "waiting_since", "unread",
    "snoozed_until", "message_count",
)  # fmt: skip
CONTACT_FIELDS = ("id", "account_id", "remote_id", "handle", "display_name", "followers")

# Plain dicts: an enum's own lookup by value costs about as much as building the whole Contact.
_PLATFORMS = {platform.value: platform for platform in Platform}
_VISIBILITIES = {visibility.value: visibility for visibility in Visibility}
_STATUSES = {status.value: status for status in Status}


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
    if by_account:
        query = query.where(CONVERSATION.c.account_id == bindparam("account_id"))
    if only_platforms:
        query = query.where(ACCOUNT.c.platform.in_(bindparam("platforms", expanding=True)))
    if other_platforms:
        query = query.where(ACCOUNT.c.platform.not_in(bindparam("excluded", expanding=True)))
    if after:
        position = tuple_(bindparam("after_value", type_=sort.type), bindparam("after_id"))
        query = query.where(key < position if newest_first else key > position)
    order = (sort.desc(), CONVERSATION.c.id.desc()) if newest_first else (sort.asc(), CONVERSATION.c.id.asc())
    return query.order_by(*order).limit(bindparam("limit"))


def needs_reply_page(
    connection: Connection,
    *,
    only: Collection[Platform] | None,
    exclude: Collection[Platform],
    account_id: int | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[Conversation]:
    """Needs-reply conversations on some platforms, longest waiting first (``Repository.needs_reply_stream``)."""
    query = inbox_page_select(False, account_id is not None, after is not None, only is not None, bool(exclude))
    params: dict[str, Any] = {"statuses": [Status.NEEDS_REPLY.value], "limit": limit}
    if account_id is not None:
        params["account_id"] = account_id
    if only is not None:
        params["platforms"] = [platform.value for platform in only]
    if exclude:
        params["excluded"] = [platform.value for platform in exclude]
    if after is not None:
        params.update(after_value=after[0], after_id=after[1])
    return to_conversations(connection.execute(query, params).all())


def _fast_time(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQLite keeps times as text: read the text and parse it in one C call (see ``_utc``), not through the
    column type's two Python-level conversions, which cost more than the rest of the row."""
    return type_coerce(column, String).label(column.name) if column.name in _TIMES else column


_TIMES = frozenset({"last_message_at", "waiting_since", "snoozed_until"})


def _utc(value: Any) -> Any:
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")  # SQLAlchemy stores UTC without an offset on SQLite
    if isinstance(value, datetime):
        return value.astimezone(UTC)  # PostgreSQL's driver hands back aware datetimes
    return value


def to_conversations(rows: Iterable[Sequence[Any]]) -> list[Conversation]:
    found = []
    for (
        conversation_id, account_id, visibility, status, last_message_at, preview, waiting_since, unread,
        snoozed_until, message_count,
        contact_id, contact_account_id, remote_id, handle, display_name, followers,
        platform,
    ) in rows:  # fmt: skip
        contact = Contact(
            id=contact_id,
            account_id=contact_account_id,
            remote_id=remote_id,
            handle=handle,
            display_name=display_name,
            followers=followers,
        )
        found.append(
            Conversation(
                id=conversation_id,
                account_id=account_id,
                platform=_PLATFORMS[platform],
                contact=contact,
                visibility=_VISIBILITIES[visibility],
                status=_STATUSES[status],
                last_message_at=_utc(last_message_at),
                preview=preview,
                waiting_since=_utc(waiting_since),
                unread=unread,
                snoozed_until=_utc(snoozed_until),
                message_count=message_count,
            )
        )
    return found
