from datetime import time

import pytest

from socialinbox.quiet_hours import is_quiet, parse_quiet_hours


def test_empty_text_means_no_quiet_hours() -> None:
    assert parse_quiet_hours("  ") is None
    assert not is_quiet(time(3, 0), None)


def test_span_across_midnight_wraps() -> None:
    span = parse_quiet_hours("21:00-07:30")
    assert span == (time(21, 0), time(7, 30))
    assert is_quiet(time(23, 59), span) and is_quiet(time(0, 0), span) and is_quiet(time(21, 0), span)
    assert not is_quiet(time(7, 30), span) and not is_quiet(time(12, 0), span)


def test_span_within_a_day() -> None:
    span = parse_quiet_hours(" 12:00 - 13:00 ")
    assert is_quiet(time(12, 30), span) and not is_quiet(time(13, 0), span) and not is_quiet(time(11, 59), span)


@pytest.mark.parametrize("text", ["9pm-7am", "25:00-07:00", "21:00", "21:00-21:00", "21:61-07:00"])
def test_malformed_spans_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_quiet_hours(text)
