"""Storing one poll: dedupe, thread into conversations, and move each conversation's status.

Runs inside the repository's write transaction, so the cursor advances only together with the messages.
Lookups are batched per poll (one query per kind, not per message) because a back-fill can bring thousands, and so
are the writes: new contacts, new conversations and the messages go in as one multi-row INSERT each (see
docs/performance.md, B1: flushing one ORM object at a time made ingest ten times slower than plain executemany).

Threading rule, in order:
1. a message joins the conversation of the message it replies to (``in_reply_to``), when that one is stored;
2. else the conversation with the same ``thread_key`` (a direct-message chat, an e-mail thread);
3. else it starts a new conversation keyed by its ``thread_key``, or by its own remote id.
The shop's own messages (outbound) only ever join a conversation: a post of the shop's that nobody answered
is not a customer waiting.

A customer's message that comes back with a new text (Telegram sends edits under the same id) is updated in place
and flagged ``edited``; it is not new, so it neither notifies nor restarts the clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar, cast

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.orm import Session
from sqlmodel import col

from socialinbox.domain import Direction, RemoteAuthor, RemoteMessage, Status
from socialinbox.storage.conversation_rows import text_time
from socialinbox.storage.ingest_rows import (
    CONVERSATIONS,
    STATE,
    WRITTEN,
    AnyConversation,
    NewContact,
    NewConversation,
    StoredConversation,
    insert_returning,
    is_time_column,
    one_of,
    update_by_id,
)
from socialinbox.storage.models import ContactRow, ConversationRow, MessageRow
from socialinbox.storage.row_values import utc_time

PREVIEW_LENGTH = 200
_T = TypeVar("_T")
_IN_CHUNK = 500  # stay well under SQLite's bound-parameter limit
_MESSAGES = cast(Table, MessageRow.__table__)  # type: ignore[attr-defined]
_CONTACTS = cast(Table, ContactRow.__table__)  # type: ignore[attr-defined]
# Times read as text and parsed in one C call: the column types' conversions were a third of loading a poll's
# conversations (docs/performance.md, B1).
_STATE_TIMES = tuple(n for n, name in enumerate(STATE) if is_time_column(CONVERSATIONS.c[name]))
_STATE_COLUMNS = tuple(
    text_time(CONVERSATIONS.c[name]) if n in _STATE_TIMES else CONVERSATIONS.c[name] for n, name in enumerate(STATE)
)


@dataclasses.dataclass
class IngestResult:
    message_ids: list[int]
    conversation_ids: list[int]
    message_rows: list[dict[str, object]] = dataclasses.field(default_factory=list)  # as written, with their ids


class ConversationState(Protocol):
    """What ``apply_message`` moves: a stored ``ConversationRow`` or one this poll starts."""

    status: str
    last_message_at: datetime
    preview: str
    waiting_since: datetime | None
    last_outbound_at: datetime | None
    unread: int
    snoozed_until: datetime | None
    message_count: int


def store_messages(session: Session, account_id: int, incoming: Sequence[RemoteMessage], now: datetime) -> IngestResult:
    latest, edited_in_poll = _latest_versions(incoming)
    fresh, edited_conversations = _unseen(session, account_id, latest)
    if not fresh:
        return IngestResult([], edited_conversations)
    fresh.sort(key=lambda m: (m.sent_at, m.remote_id))
    threads = _ThreadIndex.load(session, account_id, fresh)
    contacts = _ContactIndex.load(session, account_id, fresh)
    placed: list[tuple[AnyConversation, dict[str, object]]] = []
    for message in fresh:
        conversation = threads.find(message)
        if conversation is None:
            if message.direction is Direction.OUTBOUND:
                continue
            conversation = threads.start(message, contacts.ensure(message.author))
        elif message.direction is Direction.INBOUND:
            contacts.ensure(message.author)
        apply_message(conversation, message.direction, message.text, message.sent_at)
        threads.remember(message.remote_id, conversation)
        placed.append((conversation, _message_row(account_id, 0, message, now, message.remote_id in edited_in_poll)))
    contacts.insert_new()
    threads.insert_new()
    threads.write_back(conversation for conversation, _ in placed)
    for conversation, row in placed:
        row["conversation_id"] = conversation.id
    rows = [row for _, row in placed]
    ids = _insert_messages(session, rows)
    for row, row_id in zip(rows, ids, strict=True):
        row["id"] = row_id
    touched = [conversation.id for conversation, _ in placed if conversation.id is not None]
    return IngestResult(ids, list(dict.fromkeys([*touched, *edited_conversations])), rows)


def _latest_versions(incoming: Sequence[RemoteMessage]) -> tuple[dict[str, RemoteMessage], set[str]]:
    """One message per remote id, the last version given (a poll can hold a message and then its edit)."""
    by_id: dict[str, RemoteMessage] = {}
    edited: set[str] = set()
    for message in incoming:
        earlier = by_id.get(message.remote_id)
        if earlier is not None and earlier.text != message.text:
            edited.add(message.remote_id)
        by_id[message.remote_id] = message
    return by_id, edited


def _unseen(
    session: Session, account_id: int, by_id: dict[str, RemoteMessage]
) -> tuple[list[RemoteMessage], list[int]]:
    """Messages not stored yet (a poll that repeats an item or a page stores it once), and the conversations whose
    stored messages were edited meanwhile."""
    fresh = dict(by_id)
    edited_conversations: list[int] = []
    for chunk in _chunks(list(by_id), _IN_CHUNK):
        query = select(MessageRow).where(
            col(MessageRow.account_id) == account_id,
            one_of(session, _MESSAGES.c.remote_id, chunk),
        )
        for row in session.scalars(query):
            message = fresh.pop(row.remote_id)
            if _apply_edit(session, row, message):
                edited_conversations.append(row.conversation_id)
    return list(fresh.values()), edited_conversations


def _apply_edit(session: Session, row: MessageRow, message: RemoteMessage) -> bool:
    """Take a customer's new text. Only inbound: the shop's own reply as the platform shows it may differ from what
    the app stored without being edited (Mastodon puts the customer's handle in front)."""
    if message.direction is not Direction.INBOUND or row.direction != Direction.INBOUND.value:
        return False
    if row.text == message.text:
        return False
    row.text = message.text
    row.edited = True
    conversation = session.get(ConversationRow, row.conversation_id)
    if conversation is not None and conversation.last_message_at == row.sent_at:
        conversation.preview = " ".join(message.text.split())[:PREVIEW_LENGTH]
    return True


class _ThreadIndex:
    """Finds the conversation a message belongs to, from the database and from earlier messages of this poll."""

    def __init__(self, session: Session, account_id: int) -> None:
        self._session = session
        self._account_id = account_id
        self._by_message: dict[str, AnyConversation] = {}
        self._by_key: dict[str, AnyConversation] = {}
        self._new: list[NewConversation] = []

    @classmethod
    def load(cls, session: Session, account_id: int, messages: Sequence[RemoteMessage]) -> _ThreadIndex:
        index = cls(session, account_id)
        session.flush()  # edits found by _unseen are read back below with everything else
        parents = {m.in_reply_to for m in messages if m.in_reply_to}
        keys = {m.thread_key for m in messages if m.thread_key}
        conversation_of_parent: dict[str, int] = {}
        for chunk in _chunks(sorted(parents), _IN_CHUNK):
            query = select(col(MessageRow.remote_id), col(MessageRow.conversation_id)).where(
                col(MessageRow.account_id) == account_id,
                one_of(session, _MESSAGES.c.remote_id, chunk),
            )
            conversation_of_parent.update({r: c for r, c in session.execute(query)})
        wanted_ids = sorted(set(conversation_of_parent.values()))
        rows: list[StoredConversation] = []
        for chunk_ids in _chunks(wanted_ids, _IN_CHUNK):
            rows += index._conversations_where(CONVERSATIONS.c.id.in_(chunk_ids))  # few: a plain list will do
        for chunk in _chunks(sorted(keys), _IN_CHUNK):
            rows += index._conversations_where(one_of(session, CONVERSATIONS.c.thread_key, chunk))
        by_id = {row.id: row for row in rows}
        index._by_key = {row.thread_key: row for row in rows}
        index._by_message = {remote: by_id[conv] for remote, conv in conversation_of_parent.items() if conv in by_id}
        return index

    def _conversations_where(self, condition: ColumnElement[bool]) -> list[StoredConversation]:
        query = select(*_STATE_COLUMNS).where(CONVERSATIONS.c.account_id == self._account_id, condition)
        found = []
        for row in self._session.connection().execute(query):
            values = list(row)
            for index in _STATE_TIMES:
                values[index] = utc_time(values[index])
            found.append(StoredConversation(*values))
        return found

    def find(self, message: RemoteMessage) -> AnyConversation | None:
        if message.in_reply_to and message.in_reply_to in self._by_message:
            return self._by_message[message.in_reply_to]
        if message.thread_key:
            return self._by_key.get(message.thread_key)
        return None

    def start(self, message: RemoteMessage, contact: ContactRow | NewContact) -> NewConversation:
        conversation = NewConversation(
            contact=contact,
            thread_key=message.thread_key or message.remote_id,
            visibility=message.visibility.value,
            last_message_at=message.sent_at,
        )
        self._new.append(conversation)
        self._by_key[conversation.thread_key] = conversation
        return conversation

    def remember(self, remote_id: str, conversation: AnyConversation) -> None:
        self._by_message[remote_id] = conversation

    def insert_new(self) -> None:
        """Insert the conversations this poll started, in one statement, and learn their ids (after the contacts)."""
        if not self._new:
            return
        rows: list[dict[str, object]] = [
            {
                "account_id": self._account_id,
                "contact_id": c.contact.id,
                "thread_key": c.thread_key,
                "visibility": c.visibility,
                "status": c.status,
                "last_message_at": c.last_message_at,
                "preview": c.preview,
                "waiting_since": c.waiting_since,
                "last_outbound_at": c.last_outbound_at,
                "unread": c.unread,
                "snoozed_until": c.snoozed_until,
                "message_count": c.message_count,
            }
            for c in self._new
        ]
        ids = insert_returning(self._session, ConversationRow, rows, "thread_key")
        for conversation in self._new:
            conversation.id = ids[conversation.thread_key]

    def write_back(self, touched: Iterable[AnyConversation]) -> None:
        """Store the new state of the stored conversations this poll moved, in one executemany."""
        stored = {id(c): c for c in touched if isinstance(c, StoredConversation)}.values()
        if not stored:
            return
        rows = [{**{name: getattr(c, name) for name in WRITTEN}, "id": c.id} for c in stored]
        update_by_id(self._session, CONVERSATIONS, rows)


class _ContactIndex:
    def __init__(self, session: Session, account_id: int, rows: Iterable[ContactRow]) -> None:
        self._session = session
        self._account_id = account_id
        self._rows: dict[str, ContactRow | NewContact] = {row.remote_id: row for row in rows}
        self._new: list[NewContact] = []

    @classmethod
    def load(cls, session: Session, account_id: int, messages: Sequence[RemoteMessage]) -> _ContactIndex:
        wanted = sorted({m.author.remote_id for m in messages if m.direction is Direction.INBOUND})
        rows: list[ContactRow] = []
        for chunk in _chunks(wanted, _IN_CHUNK):
            query = select(ContactRow).where(
                col(ContactRow.account_id) == account_id, one_of(session, _CONTACTS.c.remote_id, chunk)
            )
            rows += list(session.scalars(query))
        return cls(session, account_id, rows)

    def ensure(self, author: RemoteAuthor) -> ContactRow | NewContact:
        """The contact for ``author``, new or refreshed with what the platform says now (stored contacts are
        written back by the session; new ones by ``insert_new``)."""
        row = self._rows.get(author.remote_id)
        if row is None:
            row = NewContact(remote_id=author.remote_id, handle=author.handle)
            self._new.append(row)
            self._rows[author.remote_id] = row
        # Only real changes: each assignment to a stored row costs an ORM event and, at flush, an UPDATE.
        if author.handle and author.handle != row.handle:
            row.handle = author.handle
        if author.display_name and author.display_name != row.display_name:
            row.display_name = author.display_name
        if author.followers is not None and author.followers != row.followers:
            row.followers = author.followers
        return row

    def insert_new(self) -> None:
        if not self._new:
            return
        rows: list[dict[str, object]] = [
            {
                "account_id": self._account_id,
                "remote_id": c.remote_id,
                "handle": c.handle,
                "display_name": c.display_name,
                "followers": c.followers,
            }
            for c in self._new
        ]
        ids = insert_returning(self._session, ContactRow, rows, "remote_id")
        for contact in self._new:
            contact.id = ids[contact.remote_id]


def apply_message(conversation: ConversationState, direction: Direction, text: str, sent_at: datetime) -> None:
    """Move a conversation's state for one new message (messages of one poll go oldest first)."""
    conversation.message_count += 1
    if sent_at >= conversation.last_message_at or conversation.message_count == 1:
        conversation.last_message_at = sent_at
        prefix = "You: " if direction is Direction.OUTBOUND else ""
        conversation.preview = (prefix + " ".join(text.split()))[:PREVIEW_LENGTH]
    if direction is Direction.OUTBOUND:
        _apply_shop_reply(conversation, sent_at)
        return
    answered_already = conversation.last_outbound_at is not None and sent_at <= conversation.last_outbound_at
    if answered_already:
        return  # back-filled history the shop had answered on the platform itself
    conversation.unread += 1
    if conversation.status != Status.NEEDS_REPLY.value:
        conversation.status = Status.NEEDS_REPLY.value
        conversation.snoozed_until = None
        # A snoozed customer was already waiting: the new message ends the snooze, not the wait.
        conversation.waiting_since = min(conversation.waiting_since or sent_at, sent_at)
    elif conversation.waiting_since is None or sent_at < conversation.waiting_since:
        conversation.waiting_since = sent_at


def _apply_shop_reply(conversation: ConversationState, sent_at: datetime) -> None:
    if conversation.last_outbound_at is None or sent_at > conversation.last_outbound_at:
        conversation.last_outbound_at = sent_at
    waiting = conversation.waiting_since
    if conversation.status == Status.NEEDS_REPLY.value and (waiting is None or waiting <= sent_at):
        conversation.status = Status.WAITING.value
        conversation.waiting_since = None
        conversation.unread = 0


def _message_row(
    account_id: int, conversation_id: int, message: RemoteMessage, now: datetime, edited: bool
) -> dict[str, object]:
    return {
        "conversation_id": conversation_id,
        "account_id": account_id,
        "remote_id": message.remote_id,
        "direction": message.direction.value,
        "author_handle": message.author.handle,
        "author_name": message.author.display_name,
        "text": message.text,
        "sent_at": message.sent_at,
        "visibility": message.visibility.value,
        "in_reply_to": message.in_reply_to,
        "url": message.url,
        "stored_at": now,
        "edited": edited,
    }


def _insert_messages(session: Session, rows: list[dict[str, object]]) -> list[int]:
    if not rows:
        return []
    ids = insert_returning(session, MessageRow, rows, "remote_id")
    return [ids[str(row["remote_id"])] for row in rows]


def _chunks(items: list[_T], size: int) -> Iterable[list[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
