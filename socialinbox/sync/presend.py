"""The last look before a reply that has waited goes out: is it still the right thing to send?

A reply written offline (or stuck behind a rate limit) can arrive stale: the customer has written again, someone
already answered from the platform's own app, the customer deleted what it answers, or the platform's messaging
window has closed. Any of these holds the reply for the owner instead of sending it: it is marked failed with a
reason starting with ``HELD_PREFIX``, and the owner chooses "Send anyway" (``Repository.confirm_reply``, after which
the check counts from that moment) or "Discard".

A reply sent within ``STALE_AFTER`` of being written is not checked: nothing has had time to change, and the check's
extra request would only slow down the common case.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from socialinbox.connectors.base import ChecksOriginals, Connector
from socialinbox.domain import HELD_PREFIX, Platform, Visibility
from socialinbox.storage.answering_queries import ThreadSince
from socialinbox.storage.outbox_queries import ClaimedReply
from socialinbox.storage.repository import Repository

if TYPE_CHECKING:  # a type only: the conversation pane imports this module before the first paint
    import httpx

STALE_AFTER = timedelta(minutes=2)
# Private replies are only allowed this long after the customer's last message (Meta's 24-hour rule).
MESSAGING_WINDOWS: Mapping[Platform, timedelta] = {
    Platform.FACEBOOK: timedelta(hours=24),
    Platform.INSTAGRAM: timedelta(hours=24),
}


def has_waited(claim: ClaimedReply, now: datetime) -> bool:
    drafted = claim.drafted_at or claim.item.created_at
    return now - drafted > STALE_AFTER


def hold_reasons(
    claim: ClaimedReply, platform: Platform, thread: ThreadSince, now: datetime, original_exists: bool = True
) -> list[str]:
    """Why this reply should wait for the owner; empty when it is still right to send. Pure."""
    reasons = []
    if thread.customer_messages:
        more = "a new message" if thread.customer_messages == 1 else f"{thread.customer_messages} new messages"
        reasons.append(f"the customer sent {more} after you wrote this")
    if thread.other_replies:
        reasons.append("someone already answered on the platform itself")
    if not original_exists:
        reasons.append("the message it answers has been deleted")
    window = MESSAGING_WINDOWS.get(platform)
    last = thread.last_customer_message_at
    # A private chat taken from a public comment may open with the platform's private reply to that comment, which
    # its own rule allows (Instagram: within 7 days of the comment); the connector knows which one it may send.
    taken = claim.reply.taken_from is not None
    if (
        window
        and claim.reply.visibility is Visibility.PRIVATE
        and not taken
        and last is not None
        and now - last > window
    ):
        hours = int(window.total_seconds() // 3600)
        reasons.append(f"the {hours}-hour messaging window closed, so the platform would refuse it")
    return reasons


def held_reason(reasons: list[str]) -> str:
    return f"{HELD_PREFIX}{'; '.join(reasons)}. Send it anyway, or discard it."


def check(
    repository: Repository,
    connector: Connector,
    client: httpx.Client,
    token: str,
    claim: ClaimedReply,
    platform: Platform,
    now: datetime,
) -> str | None:
    """The reason to hold ``claim`` for the owner, or ``None`` to send it. May raise a ``ConnectorError``."""
    if not has_waited(claim, now):
        return None
    drafted = claim.drafted_at or claim.item.created_at
    thread = repository.thread_since(claim.item.conversation_id, drafted)
    original = claim.reply.in_reply_to
    exists = True
    if original is not None and isinstance(connector, ChecksOriginals):
        exists = connector.original_exists(client, token, original)
    reasons = hold_reasons(claim, platform, thread, now, exists)
    return held_reason(reasons) if reasons else None
