"""How times read on screen: short relative ages for rows, spoken ages for screen readers, local clock times.

Pure functions over aware datetimes and an explicit ``now`` (no clock is read here). Times are stored as aware UTC and
become local only here; ``tz=None`` means the machine's local zone. Month names are fixed English abbreviations rather
than ``strftime("%b")``, whose output depends on the process locale.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from socialinbox.domain import require_utc

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS_LONG = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Within this span an age reads in hours even across midnight: "2 h" says more than "yesterday" at 1 a.m.
_HOURS_SPAN = timedelta(hours=12)


def to_local(moment: datetime, tz: tzinfo | None = None) -> datetime:
    """``moment`` (aware) in ``tz``, or in the machine's zone when ``tz`` is None."""
    utc = require_utc(moment)
    return utc.astimezone(tz) if tz is not None else utc.astimezone()


def relative_age(moment: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """A short age for a list row: "now", "4 min", "2 h", "yesterday", "3 Nov", "3 Nov 2025".

    Times in the future (another machine's clock ahead of ours) read "now".
    """
    age = require_utc(now) - require_utc(moment)
    if age < timedelta(minutes=1):
        return "now"
    if age < timedelta(hours=1):
        return f"{age // timedelta(minutes=1)} min"
    local, today = to_local(moment, tz), to_local(now, tz).date()
    if age < _HOURS_SPAN or local.date() == today:
        return f"{age // timedelta(hours=1)} h"
    if local.date() == today - timedelta(days=1):
        return "yesterday"
    return _short_date(local.date(), today)


def spoken_age(moment: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """The same age as a phrase a screen reader can speak: "just now", "12 minutes ago", "on 3 November"."""
    age = require_utc(now) - require_utc(moment)
    if age < timedelta(minutes=1):
        return "just now"
    if age < timedelta(hours=1):
        return _plural(age // timedelta(minutes=1), "minute") + " ago"
    local, today = to_local(moment, tz), to_local(now, tz).date()
    if age < _HOURS_SPAN or local.date() == today:
        return _plural(age // timedelta(hours=1), "hour") + " ago"
    if local.date() == today - timedelta(days=1):
        return "yesterday"
    year = "" if local.year == today.year else f" {local.year}"
    return f"on {local.day} {_MONTHS_LONG[local.month - 1]}{year}"


def local_time(moment: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """A local clock time with as much date as needed: "14:05", "yesterday 14:05", "3 Nov 14:05", "3 Nov 2025 14:05"."""
    local, today = to_local(moment, tz), to_local(now, tz).date()
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if local.date() == today:
        return clock
    if local.date() == today - timedelta(days=1):
        return f"yesterday {clock}"
    return f"{_short_date(local.date(), today)} {clock}"


def _short_date(day: date, today: date) -> str:
    text = f"{day.day} {_MONTHS[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
