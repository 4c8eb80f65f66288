"""Storing one poll: dedupe, thread into conversations, and move each conversation's status.

Runs inside the repository's write transaction, so the cursor advances only together with the messages.
Lookups are batched per poll (one query per kind, not per message) because a back-fill can bring thousands.

Threading rule, in order:
1. a message joins the conversation of the message it replies to (``in_reply_to``), when that one is stored;
2. else the conversation with the same ``thread_key`` (a direct-message chat, an e-mail thread);
3. else it starts a new conversation keyed by its ``thread_key``, or by its own remote id.
The shop's own messages (outbound) only ever join a conversation: a post of the shop's that nobody answered
is not a customer waiting.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, insert, select
from sqlalchemy.orm import Session
from sqlmodel import col

from socialinbox.domain import Direction, RemoteAuthor, RemoteMessage, Status
from socialinbox.storage.models import ContactRow, ConversationRow, MessageRow

PREVIEW_LENGTH = 200
_IN_CHUNK = 500  # stay well under SQLite's bound-parameter limit


@dataclasses.dataclass
class IngestResult:
    message_ids: list[int]
    conversation_ids: list[int]


def store_messages(session: Session, account_id: int, incoming: Sequence[RemoteMessage], now: datetime) -> IngestResult:
    fresh = _unseen(session, account_id, incoming)
    if not fresh:
        return IngestResult([], [])
    fresh.sort(key=lambda m: (m.sent_at, m.remote_id))
    threads = _ThreadIndex.load(session, account_id, fresh)
    contacts = _ContactIndex.load(session, account_id, fresh)
    rows: list[dict[str, object]] = []
    touched: dict[int, ConversationRow] = {}
    for message in fresh:
        conversation = threads.find(message)
        if conversation is None:
            if message.direction is Direction.OUTBOUND:
                continue
            conversation = threads.start(message, contacts.ensure(message.author).id or 0)
        elif message.direction is Direction.INBOUND:
            contacts.ensure(message.author)
        apply_message(conversation, message.direction, message.text, message.sent_at)
        assert conversation.id is not None
        touched[conversation.id] = conversation
        threads.remember(message.remote_id, conversation)
        rows.append(_message_row(account_id, conversation.id, message, now))
    ids = _insert_messages(session, rows)
    return IngestResult(ids, list(touched))


def _unseen(session: Session, account_id: int, incoming: Sequence[RemoteMessage]) -> list[RemoteMessage]:
    """Messages not stored yet; a poll that repeats an item (or a page) stores it once."""
    by_id: dict[str, RemoteMessage] = {}
    for message in incoming:
        by_id.setdefault(message.remote_id, message)
    for chunk in _chunks(list(by_id), _IN_CHUNK):
        query = select(col(MessageRow.remote_id)).where(
            col(MessageRow.account_id) == account_id,
            col(MessageRow.remote_id).in_(chunk),
        )
        for remote_id in session.scalars(query):
            by_id.pop(remote_id, None)
    return list(by_id.values())


class _ThreadIndex:
    """Finds the conversation a message belongs to, from the database and from earlier messages of this poll."""

    def __init__(self, session: Session, account_id: int) -> None:
        self._session = session
        self._account_id = account_id
        self._by_message: dict[str, ConversationRow] = {}
        self._by_key: dict[str, ConversationRow] = {}

    @classmethod
    def load(cls, session: Session, account_id: int, messages: Sequence[RemoteMessage]) -> _ThreadIndex:
        index = cls(session, account_id)
        parents = {m.in_reply_to for m in messages if m.in_reply_to}
        keys = {m.thread_key for m in messages if m.thread_key}
        conversation_of_parent: dict[str, int] = {}
        for chunk in _chunks(sorted(parents), _IN_CHUNK):
            query = select(col(MessageRow.remote_id), col(MessageRow.conversation_id)).where(
                col(MessageRow.account_id) == account_id,
                col(MessageRow.remote_id).in_(chunk),
            )
            conversation_of_parent.update({r: c for r, c in session.execute(query)})
        wanted_ids = set(conversation_of_parent.values())
        rows = index._conversations_where(col(ConversationRow.id).in_(wanted_ids)) if wanted_ids else []
        for chunk in _chunks(sorted(keys), _IN_CHUNK):
            rows += index._conversations_where(col(ConversationRow.thread_key).in_(chunk))
        by_id = {row.id: row for row in rows}
        index._by_key = {row.thread_key: row for row in rows}
        index._by_message = {remote: by_id[conv] for remote, conv in conversation_of_parent.items() if conv in by_id}
        return index

    def _conversations_where(self, condition: ColumnElement[bool]) -> list[ConversationRow]:
        query = select(ConversationRow).where(col(ConversationRow.account_id) == self._account_id, condition)
        return list(self._session.scalars(query))

    def find(self, message: RemoteMessage) -> ConversationRow | None:
        if message.in_reply_to and message.in_reply_to in self._by_message:
            return self._by_message[message.in_reply_to]
        if message.thread_key:
            return self._by_key.get(message.thread_key)
        return None

    def start(self, message: RemoteMessage, contact_id: int) -> ConversationRow:
        conversation = ConversationRow(
            account_id=self._account_id,
            contact_id=contact_id,
            thread_key=message.thread_key or message.remote_id,
            visibility=message.visibility.value,
            status=Status.NEEDS_REPLY.value,
            last_message_at=message.sent_at,
        )
        self._session.add(conversation)
        self._session.flush()  # the id is needed for the message rows
        self._by_key[conversation.thread_key] = conversation
        return conversation

    def remember(self, remote_id: str, conversation: ConversationRow) -> None:
        self._by_message[remote_id] = conversation


class _ContactIndex:
    def __init__(self, session: Session, account_id: int, rows: Iterable[ContactRow]) -> None:
        self._session = session
        self._account_id = account_id
        self._rows = {row.remote_id: row for row in rows}

    @classmethod
    def load(cls, session: Session, account_id: int, messages: Sequence[RemoteMessage]) -> _ContactIndex:
        wanted = sorted({m.author.remote_id for m in messages if m.direction is Direction.INBOUND})
        rows: list[ContactRow] = []
        for chunk in _chunks(wanted, _IN_CHUNK):
            query = select(ContactRow).where(
                col(ContactRow.account_id) == account_id, col(ContactRow.remote_id).in_(chunk)
            )
            rows += list(session.scalars(query))
        return cls(session, account_id, rows)

    def ensure(self, author: RemoteAuthor) -> ContactRow:
        """The stored contact for ``author``, created or refreshed with what the platform says now."""
        row = self._rows.get(author.remote_id)
        if row is None:
            row = ContactRow(account_id=self._account_id, remote_id=author.remote_id, handle=author.handle)
            self._session.add(row)
            self._rows[author.remote_id] = row
        row.handle = author.handle or row.handle
        row.display_name = author.display_name or row.display_name
        if author.followers is not None:
            row.followers = author.followers
        self._session.flush()
        return row


def apply_message(conversation: ConversationRow, direction: Direction, text: str, sent_at: datetime) -> None:
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
        conversation.waiting_since = sent_at
    elif conversation.waiting_since is None or sent_at < conversation.waiting_since:
        conversation.waiting_since = sent_at


def _apply_shop_reply(conversation: ConversationRow, sent_at: datetime) -> None:
    if conversation.last_outbound_at is None or sent_at > conversation.last_outbound_at:
        conversation.last_outbound_at = sent_at
    waiting = conversation.waiting_since
    if conversation.status == Status.NEEDS_REPLY.value and (waiting is None or waiting <= sent_at):
        conversation.status = Status.WAITING.value
        conversation.waiting_since = None
        conversation.unread = 0


def _message_row(account_id: int, conversation_id: int, message: RemoteMessage, now: datetime) -> dict[str, object]:
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
    }


def _insert_messages(session: Session, rows: list[dict[str, object]]) -> list[int]:
    if not rows:
        return []
    statement = insert(MessageRow).returning(col(MessageRow.id), sort_by_parameter_order=True)
    return [row_id for (row_id,) in session.execute(statement, rows) if row_id is not None]


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
