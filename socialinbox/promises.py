"""Promised times in a sent reply: "back to you by 3 pm", "tomorrow", "within 2 hours" become a follow-up time.

Pure: the text, when it was sent, the owner's zone and optional business hours in; an aware UTC time out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from socialinbox.domain import require_utc
from socialinbox.responsetime import BusinessHours

_DAY = timedelta(days=1)

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NAMED_DAY = "today|tomorrow|" + "|".join(_WEEKDAYS)
_CLOCK = (
    r"(?:(?P<h>1[0-2]|0?[1-9])(?::(?P<m>[0-5]\d))?\s*(?P<ampm>am|pm)\b"
    r"|(?P<h24>[01]?\d|2[0-3]):(?P<m24>[0-5]\d)\b|(?P<noon>noon|midday)\b"
    r"|(?P<eod>(?:the\s+)?(?:end\s+of\s+(?:the\s+)?(?:day|today)|close\s+of\s+business|eod|cob|closing(?:\s+time)?)\b))"
)
_BY = r"\b(?:by|before|no\s+later\s+than)\s+"
_BY_CLOCK = re.compile(
    rf"(?:\b(?P<d1>{_NAMED_DAY})\s+)?{_BY}(?:(?P<d2>{_NAMED_DAY})\s+(?:at\s+)?)?{_CLOCK}"
    rf"(?:\s+(?:on\s+)?(?P<d3>{_NAMED_DAY})\b)?",
    re.IGNORECASE,
)
_ON_DAY = re.compile(
    rf"\b(?:(?:by|before|on|this|next|coming)\s+(?P<d>tomorrow|{'|'.join(_WEEKDAYS)})|(?P<t>tomorrow))\b"
    r"(?:\s+(?P<part>morning|afternoon|evening))?",
    re.IGNORECASE,
)
_WORD_AMOUNTS: dict[str, float] = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_WORD_AMOUNTS |= {"ten": 10, "twenty": 20, "thirty": 30, "a couple of": 2, "a few": 3, "half an": 0.5}
_WORDS = "|".join(sorted((word.replace(" ", r"\s+") for word in _WORD_AMOUNTS), key=len, reverse=True))
_WITHIN = re.compile(
    rf"\b(?:with)?in\s+(?:the\s+next\s+)?(?:(?P<n>\d{{1,3}})\s*|(?P<w>{_WORDS})\s+)"
    r"(?P<unit>minutes?|mins?|hours?|hrs?|h)\b|\bwithin\s+the\s+hour\b",
    re.IGNORECASE,
)
_AMPM_DOTS = re.compile(r"\b([ap])\.\s?m\b\.?", re.IGNORECASE)
_CLAUSES = re.compile(r"[.!?;:,](?:\s+|$)|\n|\s(?:but|and|so)\s", re.IGNORECASE)
_PAST = re.compile(r"\b(?:yesterday|ago|last|earlier|was|were|had|did)\b", re.IGNORECASE)
_RELATIVE_DAYS = {"today": 0, "tomorrow": 1}
_PARTS_OF_DAY = {"afternoon": time(14), "evening": time(18)}


def find_promised_time(text: str, sent_at: datetime, tz: tzinfo, hours: BusinessHours | None = None) -> datetime | None:
    """The first follow-up time promised in a sent reply ("by 3pm", "tomorrow", "within 2 hours"), aware UTC.

    Conservative: clauses that speak of the past ("yesterday", "was", "ago") are skipped, a bare clock time
    needs "by"/"before", and a day alone means its opening (``hours`` read in ``tz``) or 10:00 local.
    """
    sent = require_utc(sent_at)
    local = sent.astimezone(tz)
    resolvers: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], datetime, BusinessHours | None], datetime]], ...]
    resolvers = ((_BY_CLOCK, _at_clock), (_ON_DAY, _on_day), (_WITHIN, _within))
    for clause in _CLAUSES.split(_AMPM_DOTS.sub(r"\1m", text)):
        if _PAST.search(clause):
            continue
        found = [(match, resolve) for pattern, resolve in resolvers for match in pattern.finditer(clause)]
        found.sort(key=lambda pair: (pair[0].start(), -len(pair[0][0])))
        for match, resolve in found:
            promised = resolve(match, local, hours)
            if promised > sent:
                return promised.astimezone(UTC)
    return None


def _named_day(word: str, today: date, allow_today: bool) -> date:
    word = word.lower()
    if word in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[word])
    ahead = (_WEEKDAYS.index(word) - today.weekday()) % 7
    return today + timedelta(days=ahead if ahead or allow_today else 7)


def _at_clock(match: re.Match[str], local: datetime, hours: BusinessHours | None) -> datetime:
    if match["eod"]:  # today's closing time; after it, the next day's
        openings = hours.week[local.weekday()] if hours is not None else ()
        at = openings[-1].end if openings else time(17)
    elif match["noon"]:
        at = time(12)
    elif match["h24"]:
        at = time(int(match["h24"]), int(match["m24"]))
    else:
        at = time(int(match["h"]) % 12 + (12 if match["ampm"].lower() == "pm" else 0), int(match["m"] or 0))
    word = match["d1"] or match["d2"] or match["d3"]
    if word:
        return datetime.combine(_named_day(word, local.date(), at > local.time()), at, tzinfo=local.tzinfo)
    promised = datetime.combine(local.date(), at, tzinfo=local.tzinfo)
    return promised if promised > local else datetime.combine(local.date() + _DAY, at, tzinfo=local.tzinfo)


def _on_day(match: re.Match[str], local: datetime, hours: BusinessHours | None) -> datetime:
    day = _named_day(match["d"] or match["t"], local.date(), allow_today=False)
    part = (match["part"] or "").lower()
    openings = hours.week[day.weekday()] if hours is not None else ()
    at = _PARTS_OF_DAY.get(part) or (openings[0].start if openings else time(10))
    return datetime.combine(day, at, tzinfo=local.tzinfo)


def _within(match: re.Match[str], local: datetime, hours: BusinessHours | None) -> datetime:
    sent = local.astimezone(UTC)  # elapsed time, not wall-clock arithmetic: right across a DST change
    if match["unit"] is None:  # "within the hour"
        return sent + timedelta(hours=1)
    amount = float(match["n"]) if match["n"] else _WORD_AMOUNTS[" ".join(match["w"].lower().split())]
    unit = timedelta(minutes=1) if match["unit"].lower().startswith("m") else timedelta(hours=1)
    return sent + amount * unit
