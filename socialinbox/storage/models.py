"""SQLModel tables. They never leave ``storage/``: the repository turns rows into domain values.

Every constraint and index is named (the naming convention below), because SQLite's batch migrations can only
drop named constraints. Enum-like columns are plain strings holding the domain enums' values, so that a new
platform or state needs no schema change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, MetaData, UniqueConstraint
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
METADATA: MetaData = SQLModel.metadata


class AccountRow(SQLModel, table=True):
    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    handle: str
    display_name: str = ""
    settings_json: str = "{}"  # connector settings only; never a token
    health: str = "new"
    health_detail: str = ""
    poll_interval_s: int = 60
    cursor: str | None = None
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    next_poll_at: datetime | None = None
    rate_remaining: int | None = None
    rate_limit: int | None = None
    rate_resets_at: datetime | None = None
    created_at: datetime


class ContactRow(SQLModel, table=True):
    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("account_id", "remote_id", name="uq_contact_account_remote"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    remote_id: str
    handle: str
    display_name: str = ""
    followers: int | None = None


class ConversationRow(SQLModel, table=True):
    __tablename__ = "conversation"
    __table_args__ = (
        UniqueConstraint("account_id", "thread_key", name="uq_conversation_account_thread"),
        # The inbox lists: one status, newest first, keyset-paginated on (last_message_at, id).
        Index("ix_conversation_status_last", "status", "last_message_at", "id"),
        # "Needs reply" ordered by how long the customer has waited.
        Index("ix_conversation_status_waiting", "status", "waiting_since", "id"),
        Index("ix_conversation_account_last", "account_id", "last_message_at", "id"),
        Index("ix_conversation_follow_up", "follow_up_at"),  # the reminder tick's promised follow-ups
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    contact_id: int = Field(foreign_key="contact.id")
    thread_key: str
    visibility: str
    status: str
    last_message_at: datetime
    preview: str = ""
    waiting_since: datetime | None = None
    last_outbound_at: datetime | None = None  # the shop's latest reply; older customer messages are answered
    unread: int = 0
    snoozed_until: datetime | None = None
    message_count: int = 0
    # "Take it private": the public thread and the private chat with the same customer point at each other.
    linked_conversation_id: int | None = Field(default=None, foreign_key="conversation.id", ondelete="SET NULL")
    loop_closed_at: datetime | None = None  # the owner closed the loop publicly (or declined to) after the private chat
    follow_up_at: datetime | None = None  # promised in a holding reply; a full reply clears it
    away_replied_at: datetime | None = None  # the latest away reply: one per closed period


class MessageRow(SQLModel, table=True):
    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("account_id", "remote_id", name="uq_message_account_remote"),
        Index("ix_message_conversation_sent", "conversation_id", "sent_at", "id"),
        Index("ix_message_sent", "sent_at"),  # reports read a time range across all conversations
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", ondelete="CASCADE")
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    remote_id: str
    direction: str
    author_handle: str
    author_name: str = ""
    text: str
    sent_at: datetime
    visibility: str
    in_reply_to: str | None = None
    url: str | None = None
    stored_at: datetime
    edited: bool = False  # the platform later sent a new text for it (Telegram edits); the text is the newest
    kind: str = "message"  # reports.EventKind: a full message, a holding reply, an away reply
    sentiment: float | None = None  # inbound only: VADER's compound score, stored the first time a report reads it


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
        Index("ix_outbox_state_created", "state", "created_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", ondelete="CASCADE")
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    text: str
    state: str
    attempts: int = 0
    idempotency_key: str
    in_reply_to: str | None = None  # the customer's message this answers, fixed when queued
    last_error: str = ""
    remote_id: str | None = None
    created_at: datetime
    sent_at: datetime | None = None
    next_attempt_at: datetime | None = None
    uncertain: bool = False  # the last attempt may have reached the platform: look for it before sending again
    confirmed_at: datetime | None = None  # the owner said "send anyway": the pre-send check counts from here
    kind: str = "message"  # reports.EventKind of the reply: stored on its message once sent
    follow_up_at: datetime | None = None  # the follow-up the owner confirmed with this reply; set once it is sent
    claimed_at: datetime | None = None  # when a worker took it to send ("sending"): see SEND_LEASE
    claimed_by: str | None = None  # and which process (storage/claimant.py)
