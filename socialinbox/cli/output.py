"""How the command line prints: plain lines for people, ``--json`` for scripts."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

from socialinbox.domain import Account, Conversation, Direction, Message
from socialinbox.wiring import Core

Command = Callable[[Core, argparse.Namespace], int]


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, or None."""
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def account_json(account: Account) -> dict[str, Any]:
    budget = account.rate_budget
    return {
        "id": account.id,
        "platform": account.platform.value,
        "handle": account.handle,
        "name": account.display_name,
        "health": account.health.value,
        "detail": account.health_detail,
        "last_poll_at": iso(account.last_poll_at),
        "last_success_at": iso(account.last_success_at),
        "next_poll_at": iso(account.next_poll_at),
        "poll_interval_s": account.poll_interval_s,
        "rate_limit_remaining": budget.remaining if budget else None,
    }


def conversation_json(conversation: Conversation, accounts: dict[int, Account]) -> dict[str, Any]:
    account = accounts.get(conversation.account_id)
    return {
        "id": conversation.id,
        "platform": conversation.platform.value,
        "account": account.handle if account else conversation.account_id,
        "account_id": conversation.account_id,
        "contact": conversation.contact.handle,
        "contact_name": conversation.contact.display_name,
        "visibility": conversation.visibility.value,
        "status": conversation.status.value,
        "last_message_at": iso(conversation.last_message_at),
        "waiting_since": iso(conversation.waiting_since),
        "unread": conversation.unread,
        "preview": conversation.preview,
    }


def message_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "remote_id": message.remote_id,
        "direction": message.direction.value,
        "author": message.author_handle,
        "author_name": message.author_name,
        "text": message.text,
        "sent_at": iso(message.sent_at),
        "visibility": message.visibility.value,
        "in_reply_to": message.in_reply_to,
        "url": message.url,
    }


def speaker(message: Message) -> str:
    return "you" if message.direction is Direction.OUTBOUND else message.author_handle
