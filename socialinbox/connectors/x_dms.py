"""Direct messages on X: ``GET /2/dm_events``, newest first, for every conversation of the shop.

X has no ``since_id`` for them: a read stops at the first event older than ``OVERLAP`` before the newest event of the
last read, and skips the ids seen since then (a message can show up a little after a later one). Every check gets the
newest events again and X bills each event read (once a day per event), so a check reads a short page and pages on
only while every event on it is new; and checks come every ``DM_EVERY`` at most (X allows about 15 reads per 15
minutes per user). A rate limit here only postpones them: the mentions a poll already read are kept.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from socialinbox.connectors.base import RateLimited
from socialinbox.connectors.x_api import NAME, Answer, parse_time, postponed, snowflake_time
from socialinbox.connectors.x_mapping import (
    MAX_SEEN_DMS,
    POST_ID,
    Json,
    XCursor,
    dm_message,
    items,
    meta,
    read_each,
    users_by_id,
)
from socialinbox.connectors.x_session import XApi
from socialinbox.domain import RemoteMessage

DM_CHECK_SIZE = "10"
MAX_DM_PAGES = 5  # each page is one of about 15 reads allowed per 15 minutes; a burst past that waits for the reset
DM_EVERY = timedelta(minutes=3)
OVERLAP = timedelta(minutes=2)
DM_FIELDS = "id,text,event_type,created_at,sender_id,dm_conversation_id,attachments,referenced_tweets,entities"
DM_PARAMS = {
    "max_results": "100",
    "event_types": "MessageCreate",
    "dm_event.fields": DM_FIELDS,
    "expansions": "sender_id",
    "user.fields": "username,name",
}


def dms_due(state: XCursor, now: datetime) -> bool:
    if state.dm_until is not None and now < state.dm_until:
        return False
    return state.dm_read_at is None or now - state.dm_read_at >= DM_EVERY


def poll_dms(
    api: XApi, shop: str, state: XCursor, now: datetime, warnings: list[str]
) -> tuple[list[RemoteMessage], XCursor]:
    """New direct messages and the cursor after them. A rate limit here only postpones them: the mentions
    already read are not thrown away (each read costs money)."""
    try:
        events, users, answer = _read_dm_pages(api, state, warnings)
    except RateLimited as limited:
        until = now + timedelta(seconds=limited.retry_after)
        warnings.append(postponed(limited, "direct messages"))
        return [], dataclasses.replace(state, dm_until=until)
    found: list[RemoteMessage] = []
    fresh = [event for event in events if str(event.get("id")) not in state.dm_seen]
    unreadable = read_each(fresh, lambda event: dm_message(event, users, shop), found)
    if unreadable:
        warnings.append(f"Skipped {unreadable} {NAME} direct message(s) Social Inbox could not read.")
    newest, seen = _dm_watermark(state, events)
    after = dataclasses.replace(
        state, dm_newest=newest, dm_seen=seen, dm_read_at=now, dm_until=answer.exhausted_until(now)
    )
    return found, after


def _read_dm_pages(api: XApi, state: XCursor, warnings: list[str]) -> tuple[list[Json], dict[str, Json], Answer]:
    """Events down to ``OVERLAP`` before the last read's newest (one page of 100 on a first read, short pages
    after), the people who sent them, and the last answer (for its rate-limit headers)."""
    floor = state.dm_newest - OVERLAP if state.dm_newest is not None else None
    params = dict(DM_PARAMS) | ({"max_results": DM_CHECK_SIZE} if floor is not None else {})
    events: list[Json] = []
    users: dict[str, Json] = {}
    for _ in range(1 if floor is None else MAX_DM_PAGES):
        answer = api.get("2/dm_events", params)
        users |= users_by_id(answer.body)
        page = items(answer.body)
        recent = [event for event in page if floor is None or not _before(event, floor)]
        events += recent
        next_token = meta(answer.body, "next_token")
        if next_token is None or len(recent) < len(page):
            break  # the end, or the events the last read already covered
        params["pagination_token"] = next_token
    else:
        if floor is not None:
            warnings.append(f"More {NAME} direct messages came in than one check reads; some may be missing.")
    return events, users, answer


def _event_time(event: Json) -> datetime | None:
    try:
        return parse_time(event.get("created_at"))
    except ValueError:
        return snowflake_time(str(event.get("id", "")))


def _before(event: Json, floor: datetime) -> bool:
    when = _event_time(event)
    return when is not None and when < floor


def _dm_watermark(state: XCursor, events: list[Json]) -> tuple[datetime | None, frozenset[str]]:
    """The newest event time read so far, and the ids read within ``OVERLAP`` of it (the next read skips those)."""
    times = [when for event in events if (when := _event_time(event)) is not None]
    newest = max([*times, *([state.dm_newest] if state.dm_newest else [])], default=None)
    if newest is None:
        return None, frozenset()
    ids = {str(event.get("id")) for event in events if POST_ID.match(str(event.get("id")))} | state.dm_seen
    recent = [i for i in ids if (when := snowflake_time(i)) is None or when >= newest - OVERLAP]
    return newest, frozenset(sorted(recent, key=int)[-MAX_SEEN_DMS:])
