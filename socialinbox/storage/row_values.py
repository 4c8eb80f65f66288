"""Domain values from plain database rows, by position, without SQLAlchemy: the repository's hot read path
(``conversation_rows``) and the first page a start paints before SQLAlchemy is loaded (``first_screen``) build
their conversations here, so both build exactly the same values (docs/performance.md, B2 and B4).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from socialinbox.domain import Account, Contact, Conversation, Health, Platform, RateBudget, Status, Visibility

# The fields each value is built from, in the order a row holds them (conversation_rows.conversation_select,
# first_screen.NEEDS_REPLY_SQL); the account's platform comes last.
CONVERSATION_FIELDS = (
    "id", "account_id", "visibility", "status", "last_message_at", "preview", "waiting_since", "unread",
    "snoozed_until", "message_count",
)  # fmt: skip
CONTACT_FIELDS = ("id", "account_id", "remote_id", "handle", "display_name", "followers")

# Plain dicts: an enum's own lookup by value costs about as much as building the whole Contact.
_PLATFORMS = {platform.value: platform for platform in Platform}
_VISIBILITIES = {visibility.value: visibility for visibility in Visibility}
_STATUSES = {status.value: status for status in Status}


def utc_time(value: Any) -> Any:
    """A time read through ``text_time`` as an aware UTC datetime (None stays None)."""
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")  # SQLAlchemy stores UTC without an offset on SQLite
    if isinstance(value, datetime):
        return value.astimezone(UTC)  # PostgreSQL's driver hands back aware datetimes
    return value


def sqlite_time(moment: datetime) -> str:
    """A datetime as SQLAlchemy stores it on SQLite: naive UTC text with microseconds. Naive input is refused, as
    the column type refuses it."""
    if moment.utcoffset() is None:
        raise ValueError("Datetime values must have timezone information.")
    return moment.astimezone(UTC).isoformat(" ", "microseconds")[:26]  # drop the "+00:00" the aware value adds


def to_conversations(rows: Iterable[Sequence[Any]]) -> list[Conversation]:
    """Positional arguments in the dataclasses' field order (a third cheaper than keywords; the field-by-field test
    catches a reordering), and no call for the times a row does not have.

    Previews and names are interned: a shop's customers ask the same things and come back under the same names, so a
    long list holds each text once (10,200 rows of "Done": 5,834 distinct previews and 4,540 names; -1.3 MB, B5).
    Interned strings are freed as usual once no row holds them."""
    platforms, visibilities, statuses, utc, intern = _PLATFORMS, _VISIBILITIES, _STATUSES, utc_time, sys.intern
    found: list[Conversation] = []
    append = found.append
    for (
        conversation_id, account_id, visibility, status, last_message_at, preview, waiting_since, unread,
        snoozed_until, message_count,
        contact_id, contact_account_id, remote_id, handle, display_name, followers,
        platform,
    ) in rows:  # fmt: skip
        append(
            Conversation(
                conversation_id,
                account_id,
                platforms[platform],
                Contact(contact_id, contact_account_id, remote_id, handle, intern(display_name), followers),
                visibilities[visibility],
                statuses[status],
                utc(last_message_at),
                intern(preview),
                None if waiting_since is None else utc(waiting_since),
                unread,
                None if snoozed_until is None else utc(snoozed_until),
                message_count,
            )
        )
    return found


def to_account_value(
    account_id: int,
    platform: str,
    handle: str,
    display_name: str,
    settings_json: str | None,
    health: str,
    health_detail: str,
    poll_interval_s: int,
    last_poll_at: datetime | None,
    last_success_at: datetime | None,
    next_poll_at: datetime | None,
    rate_remaining: int | None,
    rate_limit: int | None,
    rate_resets_at: datetime | None,
) -> Account:
    """An account from its columns (times already aware UTC): the repository's and the first screen's one builder."""
    budget = None
    if rate_remaining is not None or rate_limit is not None or rate_resets_at is not None:
        budget = RateBudget(rate_remaining, rate_limit, rate_resets_at)
    return Account(
        id=account_id,
        platform=Platform(platform),
        handle=handle,
        display_name=display_name,
        settings=json.loads(settings_json or "{}"),
        health=Health(health),
        health_detail=health_detail,
        poll_interval_s=poll_interval_s,
        last_poll_at=last_poll_at,
        last_success_at=last_success_at,
        next_poll_at=next_poll_at,
        rate_budget=budget,
    )
