"""Queries behind answering: taking a public conversation private as one linked case, marking unread, and the
facts the outbox checks just before it sends a reply that has waited.
"""

from __future__ import annotations

import dataclasses
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from socialinbox.domain import Conversation, Direction, OutboxState, Status, Visibility
from socialinbox.storage.models import ConversationRow, MessageRow, OutboxRow

PRIVATE_PREVIEW = "Private chat, taken from a public thread"


@dataclasses.dataclass(frozen=True, slots=True)
class LinkedCase:
    """A public thread and the private chat it was taken to, seen from one of them."""

    public: Conversation
    private: Conversation
    loop_closed_at: datetime | None  # set once the owner closed the loop publicly, or said there was no need

    def other(self, conversation_id: int) -> Conversation:
        return self.private if conversation_id == self.public.id else self.public

    @property
    def loop_open(self) -> bool:
        """The private chat is done and nobody has said so in public yet."""
        return self.private.status is Status.DONE and self.loop_closed_at is None


@dataclasses.dataclass(frozen=True, slots=True)
class ThreadSince:
    """What happened in a conversation after a moment (the time a reply was drafted)."""

    customer_messages: int  # the customer wrote again
    other_replies: int  # the shop answered from somewhere else (the platform's own app, a colleague)
    last_customer_message_at: datetime | None


class AnsweringMixin:
    if TYPE_CHECKING:

        def _reading(self) -> AbstractContextManager[Session]: ...
        def _writing(self) -> AbstractContextManager[Session]: ...
        def _conversations_by_id(self, session: Session, ids: list[int]) -> list[Conversation]: ...

    def open_private_conversation(self, public_id: int, thread_key: str, now: datetime) -> Conversation:
        """Find or start the private chat with the public thread's customer (same account) and link both as one case.

        A new chat needs a reply at once: the customer's clock carries on from the public thread.
        """
        with self._writing() as session:
            public = _row(session, public_id)
            if public.visibility != Visibility.PUBLIC.value:
                raise ValueError("This conversation is already private.")
            private = session.scalars(
                select(ConversationRow).where(
                    col(ConversationRow.account_id) == public.account_id, col(ConversationRow.thread_key) == thread_key
                )
            ).first()
            if private is None:
                private = ConversationRow(
                    account_id=public.account_id,
                    contact_id=public.contact_id,
                    thread_key=thread_key,
                    visibility=Visibility.PRIVATE.value,
                    status=Status.NEEDS_REPLY.value,
                    last_message_at=now,
                    preview=PRIVATE_PREVIEW,
                    waiting_since=public.waiting_since or now,
                )
                session.add(private)
                session.flush()
            elif private.status != Status.NEEDS_REPLY.value:
                private.status = Status.NEEDS_REPLY.value
                private.waiting_since = now
                private.snoozed_until = None
            public.linked_conversation_id, private.linked_conversation_id = private.id, public.id
            public.loop_closed_at = None
            session.flush()
            assert private.id is not None
            return self._conversations_by_id(session, [private.id])[0]

    def linked_case(self, conversation_id: int) -> LinkedCase | None:
        with self._reading() as session:
            row = _row(session, conversation_id)
            other = session.get(ConversationRow, row.linked_conversation_id) if row.linked_conversation_id else None
            if other is None:
                return None
            public, private = (row, other) if row.visibility == Visibility.PUBLIC.value else (other, row)
            assert public.id is not None and private.id is not None
            found = {c.id: c for c in self._conversations_by_id(session, [public.id, private.id])}
            return LinkedCase(found[public.id], found[private.id], public.loop_closed_at)

    def close_loop(self, conversation_id: int, now: datetime) -> LinkedCase | None:
        """The owner closed the loop publicly (or chose not to): the reminder goes away."""
        case = self.linked_case(conversation_id)
        if case is None:
            return None
        with self._writing() as session:
            _row(session, case.public.id).loop_closed_at = now
        return dataclasses.replace(case, loop_closed_at=now)

    def mark_unread(self, conversation_id: int) -> Conversation:
        with self._writing() as session:
            row = _row(session, conversation_id)
            row.unread = max(row.unread, 1)
            session.flush()
            return self._conversations_by_id(session, [conversation_id])[0]

    def thread_since(self, conversation_id: int, since: datetime) -> ThreadSince:
        """What changed in the thread after ``since``; the shop's replies sent by this app do not count as others'."""
        with self._reading() as session:
            ours = select(col(OutboxRow.remote_id)).where(
                col(OutboxRow.conversation_id) == conversation_id,
                col(OutboxRow.state) == OutboxState.SENT.value,
                col(OutboxRow.remote_id).is_not(None),
            )
            newer = (col(MessageRow.conversation_id) == conversation_id, col(MessageRow.sent_at) > since)
            customer = session.scalar(
                select(func.count()).where(*newer, col(MessageRow.direction) == Direction.INBOUND.value)
            )
            others = session.scalar(
                select(func.count()).where(
                    *newer,
                    col(MessageRow.direction) == Direction.OUTBOUND.value,
                    col(MessageRow.remote_id).not_in(ours),
                )
            )
            last = session.scalar(
                select(func.max(col(MessageRow.sent_at))).where(
                    col(MessageRow.conversation_id) == conversation_id,
                    col(MessageRow.direction) == Direction.INBOUND.value,
                )
            )
            return ThreadSince(int(customer or 0), int(others or 0), last)


def _row(session: Session, conversation_id: int) -> ConversationRow:
    row = session.get(ConversationRow, conversation_id)
    if row is None:
        raise LookupError(f"There is no conversation {conversation_id}.")
    return row
