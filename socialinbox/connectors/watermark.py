"""The cursor of a list read newest first by time, from an API that is eventually consistent and whose times are
coarse (Graph's are whole seconds): Facebook, Instagram and Google reviews.

A watermark is the newest time read plus the ids read at exactly that time, so a same-instant arrival is neither lost
nor read twice. Such lists can show an item a little after a later one was read, so each poll reads ``OVERLAP``
behind the watermark until one has run that long after it (``reading_from``); the repository stores each remote id
once, so what is read twice is not doubled. The cursor is compact JSON: one watermark for public items, one for
private ones, when the poll ran, and whatever else a connector keeps (``format_cursor``'s ``extra``).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

OVERLAP = timedelta(minutes=5)


@dataclasses.dataclass(frozen=True, slots=True)
class Watermark:
    """The newest time seen, and the ids seen at exactly that second, so a same-second arrival is neither lost nor
    returned twice (Graph times have one-second resolution)."""

    time: datetime
    ids: frozenset[str] = frozenset()

    def is_new(self, when: datetime, item_id: str) -> bool:
        return when > self.time or (when == self.time and item_id not in self.ids)


def advance(mark: Watermark | None, seen: list[tuple[datetime, str]]) -> Watermark | None:
    """The watermark after reading ``seen`` (every item read, skipped ones too: those are decided, not unseen)."""
    if not seen:
        return mark
    newest = max(when for when, _ in seen)
    if mark is not None and mark.time > newest:
        return mark
    ids = {item_id for when, item_id in seen if when == newest}
    if mark is not None and mark.time == newest:
        ids |= mark.ids
    return Watermark(newest, frozenset(ids))


def cursor_data(cursor: str | None) -> dict[str, Any]:
    """The cursor's JSON object; empty for anything unreadable, which counts as a first poll rather than a crash."""
    try:
        data = json.loads(cursor) if cursor else None
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def parse_cursor(cursor: str | None) -> tuple[Watermark | None, Watermark | None, datetime | None]:
    """(comments, Messenger) watermarks and when the poll that wrote them ran; anything unreadable counts as a first
    poll rather than a crash."""
    data = cursor_data(cursor)
    if not data:
        return None, None, None
    polled = _mark(data.get("at"), None)
    marks = _mark(data.get("c"), data.get("ci")), _mark(data.get("m"), data.get("mi"))
    return *marks, polled.time if polled is not None else None


def format_cursor(comments: Watermark | None, messenger: Watermark | None, polled_at: datetime, **extra: Any) -> str:
    """``extra``: what else a connector keeps between polls (Instagram: each media's comment count)."""
    data: dict[str, Any] = {"v": 1, "at": polled_at.isoformat(), **extra}
    for key, mark in (("c", comments), ("m", messenger)):
        if mark is not None:
            data[key] = mark.time.isoformat()
            data[f"{key}i"] = sorted(mark.ids)
    return json.dumps(data, separators=(",", ":"))


def _mark(when: Any, ids: Any) -> Watermark | None:
    if not isinstance(when, str):
        return None
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    known = frozenset(str(i) for i in ids) if isinstance(ids, list) else frozenset()
    return Watermark(moment.astimezone(UTC), known)


def reading_from(mark: Watermark | None, polled_at: datetime | None) -> Watermark | None:
    """Where a poll starts reading (None: a first poll, which back-fills). While no poll has run ``OVERLAP`` after
    the newest item read, an older one may still turn up: read from ``OVERLAP`` before it. After such a poll,
    everything older has been read, and reading starts at the watermark itself."""
    if mark is None or (polled_at is not None and polled_at >= mark.time + OVERLAP):
        return mark
    return Watermark(mark.time - OVERLAP)


def parse_time(value: Any) -> datetime:
    """Graph's ``2026-05-19T10:29:08+0000`` as aware UTC; ValueError for anything else."""
    if not isinstance(value, str):
        raise ValueError("not a time")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a time without a zone")
    return moment.astimezone(UTC)
