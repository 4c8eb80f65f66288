"""Quiet hours: a daily span such as ``21:00-07:30`` in which notifications stay silent. Pure, no Qt."""

from __future__ import annotations

import re
from datetime import time

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """``"21:00-07:30"`` -> (21:00, 07:30); an empty text means no quiet hours. Raises ValueError when malformed."""
    if not text.strip():
        return None
    match = _SPAN.match(text)
    if match is None:
        raise ValueError(f"quiet hours look like 21:00-07:30, not {text!r}")
    start_hour, start_minute, end_hour, end_minute = (int(part) for part in match.groups())
    start, end = time(start_hour, start_minute), time(end_hour, end_minute)  # ValueError when out of range
    if start == end:
        raise ValueError("quiet hours must start and end at different times")
    return start, end


def is_quiet(moment: time, span: tuple[time, time] | None) -> bool:
    """Whether the local wall-clock ``moment`` falls in the span; a span past midnight wraps (start inclusive)."""
    if span is None:
        return False
    start, end = span
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end
