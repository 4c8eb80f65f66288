"""Rows to domain values: the only place that knows both shapes."""

from __future__ import annotations

from socialinbox.domain import (
    Account,
    Contact,
    Conversation,
    Direction,
    Message,
    OutboxItem,
    OutboxState,
    Platform,
    Status,
    Visibility,
)
from socialinbox.storage.models import AccountRow, ContactRow, ConversationRow, MessageRow, OutboxRow
from socialinbox.storage.row_values import to_account_value


def to_account(row: AccountRow) -> Account:
    assert row.id is not None
    return to_account_value(
        row.id,
        row.platform,
        row.handle,
        row.display_name,
        row.settings_json,
        row.health,
        row.health_detail,
        row.poll_interval_s,
        row.last_poll_at,
        row.last_success_at,
        row.next_poll_at,
        row.rate_remaining,
        row.rate_limit,
        row.rate_resets_at,
    )


def to_contact(row: ContactRow) -> Contact:
    assert row.id is not None
    return Contact(
        id=row.id,
        account_id=row.account_id,
        remote_id=row.remote_id,
        handle=row.handle,
        display_name=row.display_name,
        followers=row.followers,
    )


def to_conversation(row: ConversationRow, contact: ContactRow, platform: str) -> Conversation:
    assert row.id is not None
    return Conversation(
        id=row.id,
        account_id=row.account_id,
        platform=Platform(platform),
        contact=to_contact(contact),
        visibility=Visibility(row.visibility),
        status=Status(row.status),
        last_message_at=row.last_message_at,
        preview=row.preview,
        waiting_since=row.waiting_since,
        unread=row.unread,
        snoozed_until=row.snoozed_until,
        message_count=row.message_count,
    )


def to_message(row: MessageRow) -> Message:
    assert row.id is not None
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        account_id=row.account_id,
        remote_id=row.remote_id,
        direction=Direction(row.direction),
        author_handle=row.author_handle,
        author_name=row.author_name,
        text=row.text,
        sent_at=row.sent_at,
        visibility=Visibility(row.visibility),
        in_reply_to=row.in_reply_to,
        url=row.url,
    )


def to_outbox_item(row: OutboxRow) -> OutboxItem:
    assert row.id is not None
    return OutboxItem(
        id=row.id,
        conversation_id=row.conversation_id,
        account_id=row.account_id,
        text=row.text,
        state=OutboxState(row.state),
        attempts=row.attempts,
        created_at=row.created_at,
        idempotency_key=row.idempotency_key,
        last_error=row.last_error,
        remote_id=row.remote_id,
        sent_at=row.sent_at,
    )
