"""Rows to domain values: the only place that knows both shapes."""

from __future__ import annotations

import json

from socialinbox.domain import (
    Account,
    Contact,
    Conversation,
    Direction,
    Health,
    Message,
    OutboxItem,
    OutboxState,
    Platform,
    RateBudget,
    Status,
    Visibility,
)
from socialinbox.storage.models import AccountRow, ContactRow, ConversationRow, MessageRow, OutboxRow


def to_account(row: AccountRow) -> Account:
    assert row.id is not None
    budget = None
    if row.rate_remaining is not None or row.rate_limit is not None or row.rate_resets_at is not None:
        budget = RateBudget(row.rate_remaining, row.rate_limit, row.rate_resets_at)
    return Account(
        id=row.id,
        platform=Platform(row.platform),
        handle=row.handle,
        display_name=row.display_name,
        settings=json.loads(row.settings_json or "{}"),
        health=Health(row.health),
        health_detail=row.health_detail,
        poll_interval_s=row.poll_interval_s,
        last_poll_at=row.last_poll_at,
        last_success_at=row.last_success_at,
        next_poll_at=row.next_poll_at,
        rate_budget=budget,
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
