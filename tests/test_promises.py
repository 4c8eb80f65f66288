"""Promised times in a sent reply: found, resolved in the owner's zone, right across daylight saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from socialinbox.promises import find_promised_time
from socialinbox.responsetime import BusinessHours

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SHOP = BusinessHours.on_days("Europe/Berlin", range(5), (time(9), time(19)))


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- promised times ----------------------------------------------------------------------------

SENT = berlin(2026, 11, 23, 10, 0)  # a Monday morning


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Checking with the workshop, back to you by 3 pm", berlin(2026, 11, 23, 15, 0)),
        ("I'll confirm by 3pm.", berlin(2026, 11, 23, 15, 0)),
        ("We'll have it ready by 15:00", berlin(2026, 11, 23, 15, 0)),
        ("by 4:30 p.m. at the latest", berlin(2026, 11, 23, 16, 30)),
        ("back to you by 9am", berlin(2026, 11, 24, 9, 0)),  # 9am has passed: tomorrow's
        ("by 3 pm tomorrow", berlin(2026, 11, 24, 15, 0)),
        ("Tomorrow by 11:30 then", berlin(2026, 11, 24, 11, 30)),
        ("I'll get back to you tomorrow", berlin(2026, 11, 24, 9, 0)),  # opening time
        ("tomorrow afternoon", berlin(2026, 11, 24, 14, 0)),
        ("within 2 hours", berlin(2026, 11, 23, 12, 0)),
        ("in 30 minutes", berlin(2026, 11, 23, 10, 30)),
        ("in half an hour", berlin(2026, 11, 23, 10, 30)),
        ("within the hour", berlin(2026, 11, 23, 11, 0)),
        ("back to you by Friday", berlin(2026, 11, 27, 9, 0)),
        ("we will call on Monday", berlin(2026, 11, 30, 9, 0)),  # said on a Monday: next week
        ("by Friday at 2pm", berlin(2026, 11, 27, 14, 0)),
        ("by noon", berlin(2026, 11, 23, 12, 0)),
        ("you'll hear from us by end of day", berlin(2026, 11, 23, 19, 0)),  # closing time
        ("Sorry it was late, we'll send tracking by 5pm", berlin(2026, 11, 23, 17, 0)),
    ],
)
def test_promised_time_is_found(text: str, expected: datetime) -> None:
    found = find_promised_time(text, SENT.astimezone(UTC), BERLIN, SHOP)
    assert found == expected.astimezone(UTC)
    assert found is not None and found.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "3 pm yesterday we were closed",
        "It was delivered by 3pm",
        "We opened in 2019",
        "Thanks for waiting 2 hours",
        "Our shop is open 9-19",
        "The parcel left last Friday",
        "by 13pm",
        "Thanks, have a lovely day!",
        "",
    ],
)
def test_no_promised_time_where_none_is_promised(text: str) -> None:
    assert find_promised_time(text, SENT.astimezone(UTC), BERLIN, SHOP) is None


def test_tomorrow_without_business_hours_means_ten_o_clock() -> None:
    assert find_promised_time("tomorrow", SENT, BERLIN) == berlin(2026, 11, 24, 10, 0)


def test_promised_times_across_daylight_saving_changes() -> None:
    night = berlin(2026, 3, 29, 1, 30)  # half an hour before the clocks jump
    assert find_promised_time("within 2 hours", night, BERLIN) == utc(2026, 3, 29, 2, 30)
    assert find_promised_time("by 3pm", night, BERLIN) == utc(2026, 3, 29, 13, 0)
    autumn = datetime(2026, 10, 31, 12, 0, tzinfo=NEW_YORK)
    assert find_promised_time("by 10am on Monday", autumn, NEW_YORK) == utc(2026, 11, 2, 15, 0)
