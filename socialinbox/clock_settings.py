"""The clock's preferences as the owner writes them, turned into a ``ResponsePolicy``.

Business hours are one line, days then times, groups separated by ";":  ``Mon-Fri 09:00-18:00; Sat 10:00-14:00``
(several openings a day: ``Mon-Fri 9-12, 13-18``; ``24:00`` means midnight at the end of the day). Per-channel
targets are ``channel=minutes`` pairs: ``email=240, telegram=30``. Both are plain text so that the Preferences
dialog can edit them with a line edit, and errors name the piece that is wrong.
"""

from __future__ import annotations

import os
import re
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from socialinbox.domain import PLATFORM_LABELS, Platform
from socialinbox.responsetime import BusinessHours, Opening, ResponsePolicy
from socialinbox.settings import Settings

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?")
_GROUP = re.compile(r"^(?P<days>[a-z]{3}(?:\s*-\s*[a-z]{3})?(?:\s*,\s*[a-z]{3}(?:\s*-\s*[a-z]{3})?)*)\s+(?P<times>.+)$")


class ClockSettingsError(ValueError):
    """A clock preference cannot be read; the message says which part and how to write it."""


def parse_business_hours(text: str, timezone: str) -> BusinessHours | None:
    """``None`` for an empty text: the clock runs around the day."""
    if not text.strip():
        return None
    week: list[list[Opening]] = [[] for _ in range(7)]
    for group in filter(None, (part.strip() for part in text.lower().split(";"))):
        match = _GROUP.match(group)
        if match is None:
            raise ClockSettingsError(f"business hours: cannot read {group!r}; write e.g. 'Mon-Fri 09:00-18:00'")
        openings = [_opening(piece.strip()) for piece in match["times"].split(",")]
        for day in _days(match["days"]):
            week[day] += openings
    try:
        return BusinessHours(timezone, tuple(tuple(day) for day in week))
    except ValueError as error:
        raise ClockSettingsError(f"business hours: {error}") from error


def _days(text: str) -> list[int]:
    days: list[int] = []
    for span in text.split(","):
        ends = [part.strip() for part in span.split("-")]
        if any(end not in _DAYS for end in ends):
            raise ClockSettingsError(f"business hours: unknown day in {span.strip()!r}; use Mon, Tue, ... Sun")
        first, last = _DAYS.index(ends[0]), _DAYS.index(ends[-1])
        days += [(first + step) % 7 for step in range((last - first) % 7 + 1)]
    return days


def _opening(text: str) -> Opening:
    ends = [part.strip() for part in text.split("-")]
    if len(ends) != 2:
        raise ClockSettingsError(f"business hours: cannot read the times {text!r}; write e.g. '09:00-18:00'")
    start, end = (_clock(part) for part in ends)
    try:
        return Opening(start, end)
    except ValueError as error:
        raise ClockSettingsError(f"business hours: {error}") from error


def _clock(text: str) -> time:
    match = _CLOCK.fullmatch(text)
    hour, minute = (int(match["h"]), int(match["m"] or 0)) if match else (-1, -1)
    if (hour, minute) == (24, 0):
        return time(0)  # midnight at the end of the day, as Opening reads it
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ClockSettingsError(f"business hours: {text!r} is not a time of day; write e.g. 09:00")
    return time(hour, minute)


def parse_channel_targets(text: str) -> dict[Platform, timedelta]:
    """``email=240, telegram=30`` -> per-platform targets; channels may be named by id or label."""
    names = {platform.value: platform for platform in Platform}
    names |= {label.lower(): platform for platform, label in PLATFORM_LABELS.items()}
    targets: dict[Platform, timedelta] = {}
    for pair in filter(None, (part.strip() for part in re.split(r"[,;]", text))):
        name, _, minutes = pair.partition("=")
        platform = names.get(name.strip().lower())
        if platform is None:
            raise ClockSettingsError(f"channel targets: unknown channel {name.strip()!r}")
        if not minutes.strip().isdigit() or int(minutes) <= 0:
            raise ClockSettingsError(f"channel targets: {pair!r} needs a whole number of minutes, e.g. email=240")
        targets[platform] = timedelta(minutes=int(minutes))
    return targets


def machine_timezone() -> str:
    """The machine's IANA zone name (needed for daylight saving rules), or "UTC" when it cannot be told.

    ``TZ`` first, then the /etc/localtime link, then /etc/timezone (Debian).
    """
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        candidates.append(target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "")
    timezone_file = Path("/etc/timezone")
    if timezone_file.is_file():
        candidates.append(timezone_file.read_text(encoding="utf-8").strip())
    for name in filter(None, candidates):
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return "UTC"


def timezone_of(settings: Settings) -> str:
    return settings.time_zone.strip() or machine_timezone()


def policy_from_settings(settings: Settings) -> ResponsePolicy:
    """The policy the clock, the reminders and the reports share; raises ClockSettingsError on bad preferences."""
    if settings.response_target_minutes <= 0 or settings.at_risk_minutes < 0:
        raise ClockSettingsError("the response target must be positive and the warning time not negative")
    try:
        zone = timezone_of(settings)
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ClockSettingsError(f"unknown time zone {settings.time_zone!r}") from error
    return ResponsePolicy(
        target=timedelta(minutes=settings.response_target_minutes),
        per_platform=parse_channel_targets(settings.channel_targets),
        at_risk_before=timedelta(minutes=settings.at_risk_minutes),
        business_hours=parse_business_hours(settings.business_hours, zone),
    )


def safe_policy(settings: Settings) -> tuple[ResponsePolicy, str]:
    """The policy, or the default one-hour clock and the reason when a preference cannot be read."""
    try:
        return policy_from_settings(settings), ""
    except ClockSettingsError as error:
        return ResponsePolicy(), f"{error} (using a 60-minute clock around the day until it is fixed)"
