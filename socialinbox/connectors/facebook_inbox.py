"""A Page's private conversations through Graph's Conversations API: Messenger for a Facebook Page, Instagram Direct
for the Instagram professional account linked to it.

Both answer ``GET /{page}/conversations?platform=...`` in the same shape, newest conversation first, each with its most
recent messages; only Graph's ``platform``, the shop's own participant id (the Page's, or the Instagram account's) and
the thread key differ. Conversations cannot be paged by time, so reading stops at the first one not updated since the
watermark.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

import httpx

from socialinbox.connectors.base import TransientError
from socialinbox.connectors.facebook_graph import Get
from socialinbox.connectors.facebook_mapping import (
    Json,
    after_cursor,
    customer_psid,
    items,
    messenger_message,
    own_item,
)
from socialinbox.connectors.watermark import Watermark, advance, parse_time
from socialinbox.domain import RemoteMessage, SentReply

CONVERSATION_PAGE_LIMIT = 25
MAX_CONVERSATION_PAGES = 4
MESSAGES_PER_CONVERSATION = 20  # Graph shows message details only for a conversation's most recent messages
CONVERSATION_FIELDS = (
    f"id,updated_time,participants,messages.limit({MESSAGES_PER_CONVERSATION}){{id,created_time,from,to,message}}"
)


@dataclasses.dataclass(frozen=True, slots=True)
class Inbox:
    platform: str  # Graph's ``platform`` parameter: "messenger" or "instagram"
    own_id: str  # the shop's participant: the Page, or the Instagram professional account
    thread_prefix: str  # thread key = prefix + the customer's scoped id (PSID or IGSID)
    name: str  # how the owner knows the platform ("Facebook")
    what: str  # how the owner knows the inbox ("Messenger")


def read_inbox(
    get: Get, page: str, inbox: Inbox, mark: Watermark | None, reading: Watermark | None, warnings: list[str]
) -> tuple[list[RemoteMessage], Watermark | None, httpx.Response]:
    """New messages of the conversations updated since ``reading`` (a first poll reads one page), the watermark after
    them and the last response (for its usage headers)."""
    params = {"platform": inbox.platform, "fields": CONVERSATION_FIELDS, "limit": str(CONVERSATION_PAGE_LIMIT)}
    found: list[RemoteMessage] = []
    seen: list[tuple[datetime, str]] = []
    unreadable = 0
    response: httpx.Response | None = None
    for _ in range(1 if mark is None else MAX_CONVERSATION_PAGES):
        data, response = get(f"{page}/conversations", params)
        reached = False
        for thread in items(data, inbox.name):
            try:
                updated = parse_time(thread.get("updated_time"))
                customer = customer_psid(thread, inbox.own_id)
            except (KeyError, ValueError, TypeError, TransientError):  # TransientError: participants not a list
                unreadable += 1
                continue
            if reading is not None and updated < reading.time:
                reached = True
                break
            unreadable += _read_thread(thread, inbox, customer, reading, found, seen, warnings)
        after = after_cursor(data)
        if reached or after is None:
            break
        params["after"] = after
    if unreadable:
        warnings.append(f"Skipped {unreadable} {inbox.name} {inbox.what} item(s) Social Inbox could not read.")
    assert response is not None  # the loop runs at least once
    return found, advance(mark, seen), response


def _read_thread(
    thread: Json,
    inbox: Inbox,
    customer: str,
    mark: Watermark | None,
    found: list[RemoteMessage],
    seen: list[tuple[datetime, str]],
    warnings: list[str],
) -> int:
    unreadable, new = 0, 0
    try:
        listed = items(thread.get("messages"), inbox.name)
    except TransientError:  # one conversation without readable messages must not stop the others being read
        return 1
    for item in listed:
        try:
            when, message_id = parse_time(item.get("created_time")), str(item["id"])
            if mark is None or mark.is_new(when, message_id):
                new += 1
                found.append(messenger_message(item, inbox.own_id, customer, when, inbox.thread_prefix))
                seen.append((when, message_id))
        except (KeyError, ValueError, TypeError, AttributeError):
            unreadable += 1
    if mark is not None and listed and new == len(listed) >= MESSAGES_PER_CONVERSATION:
        warnings.append(
            f"{inbox.name} shows only the latest {MESSAGES_PER_CONVERSATION} messages of a conversation; "
            "earlier ones may be missing."
        )
    return unreadable


def conversation_with(get: Get, page: str, inbox: Inbox, customer: str) -> list[Json]:
    """The latest messages of the one conversation with ``customer``, newest first (none when they never wrote)."""
    params = {"platform": inbox.platform, "user_id": customer, "fields": CONVERSATION_FIELDS}
    data, _ = get(f"{page}/conversations", params)
    return [message for thread in items(data, inbox.name) for message in items(thread.get("messages"), inbox.name)]


def find_in_inbox(get: Get, page: str, inbox: Inbox, customer: str, text: str, now: datetime) -> SentReply | None:
    """The shop's message ``text`` in its conversation with ``customer``: what an uncertain send did deliver."""
    return own_item(conversation_with(get, page, inbox, customer), inbox.own_id, text, now)
