"""The outbox's queries: a reply is stored before anyone tries to send it, then claimed, then settled.

States: queued -> sending (claimed by one worker, attempts + 1) -> sent | queued again (retry later) | failed.
A reply left in "sending" by a crash is uncertain: it may have reached the platform. It is never sent again
silently; the owner is told and decides (``recover_interrupted``). Another process may be sending it right now (a
team's other computer, or the window while a command starts), so it counts as interrupted only once the process
that claimed it has stopped (one of this computer), or its claim is older than ``SEND_LEASE``.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from socialinbox.domain import (
    Conversation,
    DeliveryReport,
    Direction,
    OutboxItem,
    OutboxState,
    OutgoingReply,
    RemoteAuthor,
    SentReply,
    Visibility,
)
from socialinbox.storage.claimant import has_stopped, this_process
from socialinbox.storage.convert import to_message, to_outbox_item
from socialinbox.storage.history import settle_sent_reply
from socialinbox.storage.models import AccountRow, ContactRow, ConversationRow, MessageRow, OutboxRow

# Far longer than one attempt takes: a few HTTP requests (20 s read timeouts), an SMTP session (30 s), an upload.
SEND_LEASE = timedelta(minutes=10)
INTERRUPTED = (
    "The app stopped while sending this reply, so it may or may not have been posted. "
    "Check the conversation on the platform, then retry or discard it."
)


@dataclasses.dataclass(frozen=True, slots=True)
class ClaimedReply:
    item: OutboxItem
    reply: OutgoingReply
    uncertain: bool = False  # an earlier attempt may have been posted: look for it before sending again
    drafted_at: datetime | None = None  # when the owner last stood behind this text (queued, or "send anyway")


class OutboxMixin:
    if TYPE_CHECKING:

        def _reading(self) -> AbstractContextManager[Session]: ...
        def _writing(self) -> AbstractContextManager[Session]: ...
        def _conversations_by_id(self, session: Session, ids: list[int]) -> list[Conversation]: ...

    def queue_reply(
        self,
        conversation_id: int,
        text: str,
        now: datetime,
        *,
        kind: str = "message",
        follow_up_at: datetime | None = None,
    ) -> OutboxItem:
        """Store a reply to the customer's latest message; a worker sends it.

        ``kind`` is a ``reports.EventKind`` value (a holding reply, an away reply); ``follow_up_at`` is the follow-up
        the owner confirmed with it, kept on the conversation once the reply is sent.
        """
        if not text.strip():
            raise ValueError("A reply needs some text.")
        with self._writing() as session:
            conversation = session.get(ConversationRow, conversation_id)
            if conversation is None:
                raise LookupError(f"There is no conversation {conversation_id}.")
            row = OutboxRow(
                conversation_id=conversation_id,
                account_id=conversation.account_id,
                text=text,
                state=OutboxState.QUEUED.value,
                idempotency_key=uuid.uuid4().hex,
                in_reply_to=_latest_customer_message(session, conversation_id),
                created_at=now,
                kind=kind,
                follow_up_at=follow_up_at,
            )
            session.add(row)
            session.flush()
            return to_outbox_item(row)

    def claim_due_replies(self, now: datetime, limit: int = 20, account_id: int | None = None) -> list[ClaimedReply]:
        """Mark due queued replies as sending and hand them out, each to exactly one caller."""
        with self._writing() as session:
            query = (
                select(OutboxRow)
                .where(
                    col(OutboxRow.state) == OutboxState.QUEUED.value,
                    or_(col(OutboxRow.next_attempt_at).is_(None), col(OutboxRow.next_attempt_at) <= now),
                )
                .order_by(col(OutboxRow.created_at), col(OutboxRow.id))
                .limit(limit)
                # A team's copies of the app share one PostgreSQL database, each with its own write lock: the rows
                # one copy is claiming are locked until it commits, and the others pass over them. SQLite has one
                # writer at a time and no such clause (SQLAlchemy leaves it out there).
                .with_for_update(skip_locked=True)
            )
            if account_id is not None:
                query = query.where(col(OutboxRow.account_id) == account_id)
            claimed = []
            for row in session.scalars(query):
                row.state = OutboxState.SENDING.value
                row.claimed_at = now
                row.claimed_by = this_process()
                row.attempts += 1
                drafted_at = row.confirmed_at or row.created_at
                claimed.append(ClaimedReply(to_outbox_item(row), _outgoing(session, row), row.uncertain, drafted_at))
            return claimed

    def mark_sent(self, outbox_id: int, sent: SentReply, now: datetime) -> DeliveryReport:
        """Record the platform's id, add the reply to the thread and stop the customer's clock."""
        with self._writing() as session:
            row = _outbox_row(session, outbox_id)
            row.state = OutboxState.SENT.value
            row.remote_id = sent.remote_id
            row.sent_at = sent.sent_at
            row.last_error = ""
            row.uncertain = False
            conversation = session.get(ConversationRow, row.conversation_id)
            assert conversation is not None
            joined_id = None
            if sent.thread_key and sent.thread_key != conversation.thread_key:
                conversation, joined_id = _rekey(session, conversation, sent.thread_key)
            message = _store_outbound(session, row, conversation, sent, now)
            session.flush()
            return DeliveryReport(
                to_outbox_item(row),
                self._conversations_by_id(session, [row.conversation_id])[0],
                to_message(message),
                joined_id,
            )

    def mark_send_failed(
        self, outbox_id: int, reason: str, retry_at: datetime | None, *, uncertain: bool | None = None
    ) -> DeliveryReport:
        """Queue the reply again for ``retry_at``, or with ``None`` stop and show the owner ``reason``.

        ``uncertain=True`` notes that this attempt may have been posted (the next one looks for it first).
        """
        with self._writing() as session:
            row = _outbox_row(session, outbox_id)
            row.last_error = reason
            row.uncertain = row.uncertain if uncertain is None else uncertain
            row.state = OutboxState.QUEUED.value if retry_at else OutboxState.FAILED.value
            row.next_attempt_at = retry_at
            session.flush()
            conversations = self._conversations_by_id(session, [row.conversation_id])
            return DeliveryReport(to_outbox_item(row), conversations[0] if conversations else None, None)

    def retry_reply(self, outbox_id: int) -> OutboxItem:
        """The owner asked to try a failed reply again."""
        with self._writing() as session:
            row = _outbox_row(session, outbox_id)
            if row.state != OutboxState.FAILED.value:
                raise ValueError("Only a failed reply can be retried.")
            row.state = OutboxState.QUEUED.value
            row.next_attempt_at = None
            return to_outbox_item(row)

    def confirm_reply(self, outbox_id: int, now: datetime) -> OutboxItem:
        """The owner said "send anyway" to a held reply: it is queued, and the pre-send check counts from ``now``."""
        with self._writing() as session:
            row = _outbox_row(session, outbox_id)
            if row.state != OutboxState.FAILED.value:
                raise ValueError("Only a held or failed reply can be sent anyway.")
            row.state = OutboxState.QUEUED.value
            row.next_attempt_at = None
            row.confirmed_at = now
            return to_outbox_item(row)

    def discard_reply(self, outbox_id: int) -> None:
        with self._writing() as session:
            row = _outbox_row(session, outbox_id)
            if row.state == OutboxState.SENT.value:
                raise ValueError("A sent reply cannot be discarded.")
            session.delete(row)

    def recover_interrupted(
        self, now: datetime, *, stopped: Callable[[str], bool] = has_stopped
    ) -> list[DeliveryReport]:
        """Replies a stopped process left in "sending" become failed, with the reason, for the owner to check. Each
        start calls it, and the outbox worker on its rounds, for a process that stopped while the others ran on."""
        query = select(OutboxRow).where(col(OutboxRow.state) == OutboxState.SENDING.value)
        with self._writing() as session:
            sending = session.scalars(query.with_for_update(skip_locked=True))
            rows = [row for row in sending if _interrupted(row, now, stopped)]
            for row in rows:
                row.state = OutboxState.FAILED.value
                row.last_error = INTERRUPTED
                row.uncertain = True  # a retry looks for it on the platform first, where the connector can
            session.flush()
            conversations = {c.id: c for c in self._conversations_by_id(session, [r.conversation_id for r in rows])}
            return [DeliveryReport(to_outbox_item(row), conversations.get(row.conversation_id), None) for row in rows]

    def outbox(self, conversation_id: int | None = None, states: tuple[OutboxState, ...] = ()) -> list[OutboxItem]:
        query = select(OutboxRow).order_by(col(OutboxRow.created_at), col(OutboxRow.id))
        if conversation_id is not None:
            query = query.where(col(OutboxRow.conversation_id) == conversation_id)
        if states:
            query = query.where(col(OutboxRow.state).in_([s.value for s in states]))
        with self._reading() as session:
            return [to_outbox_item(row) for row in session.scalars(query)]


def _interrupted(row: OutboxRow, now: datetime, stopped: Callable[[str], bool]) -> bool:
    """A claim from before claims were recorded, one whose process is known to have stopped, or one long past."""
    if row.claimed_at is None or row.claimed_by is None:
        return True
    return stopped(row.claimed_by) or row.claimed_at <= now - SEND_LEASE


def _outbox_row(session: Session, outbox_id: int) -> OutboxRow:
    row = session.get(OutboxRow, outbox_id)
    if row is None:
        raise LookupError(f"There is no queued reply {outbox_id}.")
    return row


def _latest_customer_message(session: Session, conversation_id: int, author_handle: str | None = None) -> str | None:
    """``author_handle``: only that customer's (a public thread may hold other people's comments too)."""
    query = (
        select(col(MessageRow.remote_id))
        .where(col(MessageRow.conversation_id) == conversation_id, col(MessageRow.direction) == Direction.INBOUND.value)
        .order_by(col(MessageRow.sent_at).desc(), col(MessageRow.id).desc())
        .limit(1)
    )
    if author_handle is not None:
        query = query.where(col(MessageRow.author_handle) == author_handle)
    return session.scalars(query).first()


def _outgoing(session: Session, row: OutboxRow) -> OutgoingReply:
    conversation = session.get(ConversationRow, row.conversation_id)
    assert conversation is not None and row.id is not None
    contact = session.get(ContactRow, conversation.contact_id)
    recipient = None
    if contact is not None:
        recipient = RemoteAuthor(contact.remote_id, contact.handle, contact.display_name, contact.followers)
    taken_from = None
    if conversation.linked_conversation_id is not None and conversation.visibility == Visibility.PRIVATE.value:
        handle = contact.handle if contact is not None else None
        taken_from = _latest_customer_message(session, conversation.linked_conversation_id, handle)
    return OutgoingReply(
        outbox_id=row.id,
        idempotency_key=row.idempotency_key,
        text=row.text,
        visibility=Visibility(conversation.visibility),
        thread_key=conversation.thread_key,
        in_reply_to=row.in_reply_to,
        recipient=recipient,
        taken_from=taken_from,
    )


def _rekey(session: Session, conversation: ConversationRow, thread_key: str) -> tuple[ConversationRow, int | None]:
    """Key ``conversation`` as the platform now names it (Facebook's Messenger id, known only once the first private
    reply to a comment is sent), so the customer's answer threads into it. Return the conversation the reply belongs
    to, and the id of one joined into it and deleted, if any.

    Where the customer already has a chat under that key (they wrote to the shop in Messenger before), their answer
    will land there: a chat taken private that holds no message yet joins it, its queued replies and its link to the
    public thread with it, so the case is one chat. One holding messages (from a version before this joining) keeps
    its own key, and nothing is lost either way."""
    earlier = session.scalars(
        select(ConversationRow).where(
            col(ConversationRow.account_id) == conversation.account_id, col(ConversationRow.thread_key) == thread_key
        )
    ).first()
    if earlier is None:
        conversation.thread_key = thread_key
        return conversation, None
    holds_messages = session.scalars(
        select(col(MessageRow.id)).where(col(MessageRow.conversation_id) == conversation.id).limit(1)
    ).first()
    if holds_messages is not None:
        return conversation, None
    return earlier, _join(session, conversation, earlier)


def _join(session: Session, taken: ConversationRow, earlier: ConversationRow) -> int:
    """Move what the empty chat ``taken`` holds (queued replies, the case's link) to ``earlier``; delete ``taken``."""
    assert taken.id is not None and earlier.id is not None
    for queued in session.scalars(select(OutboxRow).where(col(OutboxRow.conversation_id) == taken.id)):
        queued.conversation_id = earlier.id
    public = session.get(ConversationRow, taken.linked_conversation_id) if taken.linked_conversation_id else None
    if public is not None:
        public.linked_conversation_id, earlier.linked_conversation_id = earlier.id, public.id
    taken.linked_conversation_id = None
    session.flush()  # the moves first: the delete must not find a row still pointing at it
    session.delete(taken)
    return taken.id


def _store_outbound(
    session: Session, row: OutboxRow, conversation: ConversationRow, sent: SentReply, now: datetime
) -> MessageRow:
    """The sent reply as a message of the thread; a poll that already brought it back is not stored twice."""
    existing = session.scalars(
        select(MessageRow).where(
            col(MessageRow.account_id) == row.account_id, col(MessageRow.remote_id) == sent.remote_id
        )
    ).first()
    if existing is not None:
        return existing
    account = session.get(AccountRow, row.account_id)
    message = MessageRow(
        conversation_id=row.conversation_id,
        account_id=row.account_id,
        remote_id=sent.remote_id,
        direction=Direction.OUTBOUND.value,
        author_handle=account.handle if account else "",
        author_name=account.display_name if account else "",
        text=row.text,
        sent_at=sent.sent_at,
        visibility=conversation.visibility,
        in_reply_to=row.in_reply_to,
        url=sent.url,
        stored_at=now,
        kind=row.kind,
    )
    session.add(message)
    settle_sent_reply(conversation, row.kind, row.follow_up_at, row.text, sent.sent_at)
    session.flush()
    return message
