"""timefmt: short and spoken ages and local clock times, with fixed datetimes and explicit zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from socialinbox.ui.timefmt import local_time, relative_age, spoken_age, to_local

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday morning
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (NOW, "now"),
        (NOW - timedelta(seconds=59), "now"),
        (NOW + timedelta(minutes=3), "now"),  # a clock ahead of ours
        (NOW - timedelta(minutes=4, seconds=50), "4 min"),
        (NOW - timedelta(minutes=59, seconds=59), "59 min"),
        (NOW - timedelta(hours=2, minutes=40), "2 h"),
        (NOW - timedelta(hours=10), "10 h"),  # 23:00 yesterday, but only ten hours ago
        (NOW - timedelta(hours=13), "yesterday"),
        (NOW - timedelta(hours=32), "yesterday"),
        (NOW - timedelta(hours=34), "21 Nov"),
        (datetime(2025, 11, 3, 12, 0, tzinfo=UTC), "3 Nov 2025"),
    ],
)
def test_relative_age_in_utc(moment: datetime, expected: str) -> None:
    assert relative_age(moment, NOW, UTC) == expected


def test_late_evening_counts_in_hours_until_the_day_is_over() -> None:
    evening = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    assert relative_age(datetime(2026, 11, 23, 0, 30, tzinfo=UTC), evening, UTC) == "22 h"


def test_the_local_zone_decides_what_yesterday_is() -> None:
    # 23:30 UTC on the 22nd is 00:30 on the 23rd in Berlin: the same day there, the day before in UTC.
    late = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    afternoon = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)

    assert relative_age(late, afternoon, BERLIN) == "13 h"
    assert relative_age(late, afternoon, UTC) == "yesterday"
    assert local_time(late, afternoon, BERLIN) == "00:30"
    assert local_time(late, afternoon, UTC) == "yesterday 23:30"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 23, 8, 5, tzinfo=UTC), "09:05"),
        (datetime(2026, 11, 22, 13, 5, tzinfo=UTC), "yesterday 14:05"),
        (datetime(2026, 11, 3, 13, 5, tzinfo=UTC), "3 Nov 14:05"),
        (datetime(2025, 11, 3, 13, 5, tzinfo=UTC), "3 Nov 2025 14:05"),
        (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "1 Jul 14:00"),  # summer time: UTC+2
    ],
)
def test_local_time_shows_as_much_date_as_needed(moment: datetime, expected: str) -> None:
    assert local_time(moment, NOW, BERLIN) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (NOW - timedelta(seconds=20), "just now"),
        (NOW - timedelta(minutes=1), "1 minute ago"),
        (NOW - timedelta(minutes=12), "12 minutes ago"),
        (NOW - timedelta(hours=1), "1 hour ago"),
        (NOW - timedelta(hours=5), "5 hours ago"),
        (NOW - timedelta(hours=20), "yesterday"),
        (datetime(2026, 11, 3, 12, 0, tzinfo=UTC), "on 3 November"),
        (datetime(2025, 5, 3, 12, 0, tzinfo=UTC), "on 3 May 2025"),
    ],
)
def test_spoken_age_reads_as_a_phrase(moment: datetime, expected: str) -> None:
    assert spoken_age(moment, NOW, UTC) == expected


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        relative_age(datetime(2026, 11, 23, 8, 0), NOW)  # naive on purpose
    with pytest.raises(ValueError, match="naive"):
        local_time(NOW, datetime(2026, 11, 23, 9, 0))


def test_to_local_without_a_zone_uses_the_machines_zone() -> None:
    assert to_local(NOW).utcoffset() == NOW.astimezone().utcoffset()
    assert to_local(NOW, BERLIN).hour == 10
