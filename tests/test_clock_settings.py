"""The clock's preferences as the owner types them, and the policy made of them."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from socialinbox.clock_settings import (
    ClockSettingsError,
    machine_timezone,
    parse_business_hours,
    parse_channel_targets,
    policy_from_settings,
    safe_policy,
)
from socialinbox.domain import Platform
from socialinbox.responsetime import Opening, ResponsePolicy
from socialinbox.settings import Settings, load_settings, save_settings


def test_business_hours_read_day_ranges_and_several_openings() -> None:
    hours = parse_business_hours("Mon-Fri 9-12, 13:00-18:30; Sat 10:00-14:00", "Europe/Berlin")
    assert hours is not None
    assert hours.week[0] == (Opening(time(9), time(12)), Opening(time(13), time(18, 30)))
    assert hours.week[4] == hours.week[0]
    assert hours.week[5] == (Opening(time(10), time(14)),)
    assert hours.week[6] == ()


def test_day_ranges_may_wrap_the_week_and_24_00_is_midnight() -> None:
    hours = parse_business_hours("fri-mon 18:00-24:00", "UTC")
    assert hours is not None
    assert [bool(day) for day in hours.week] == [True, False, False, False, True, True, True]
    assert hours.week[4] == (Opening(time(18), time(0)),)


def test_empty_business_hours_mean_around_the_clock() -> None:
    assert parse_business_hours("  ", "UTC") is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Mon-Fri", "cannot read"),
        ("Mon-Fri 9:00", "cannot read the times"),
        ("Mon-Fry 09:00-17:00", "unknown day"),
        ("Mon 25:00-26:00", "not a time of day"),
        ("Mon 17:00-09:00", "must end after it starts"),
        ("Mon 09:00-12:00, 11:00-13:00", "overlap"),
    ],
)
def test_bad_business_hours_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ClockSettingsError, match=says):
        parse_business_hours(text, "UTC")


def test_channel_targets_by_id_or_label() -> None:
    assert parse_channel_targets("email=240; Telegram = 30, google reviews=1440") == {
        Platform.EMAIL: timedelta(hours=4),
        Platform.TELEGRAM: timedelta(minutes=30),
        Platform.GOOGLE_REVIEWS: timedelta(days=1),
    }
    with pytest.raises(ClockSettingsError, match="unknown channel"):
        parse_channel_targets("myspace=10")
    with pytest.raises(ClockSettingsError, match="whole number"):
        parse_channel_targets("email=soon")


def test_policy_from_settings_uses_every_clock_preference() -> None:
    settings = Settings(
        response_target_minutes=45,
        at_risk_minutes=10,
        channel_targets="email=120",
        business_hours="Mon-Fri 09:00-17:00",
        time_zone="America/New_York",
    )
    policy = policy_from_settings(settings)
    assert policy.target == timedelta(minutes=45) and policy.at_risk_before == timedelta(minutes=10)
    assert policy.target_for(Platform.EMAIL) == timedelta(hours=2)
    assert policy.business_hours is not None and policy.business_hours.timezone == "America/New_York"


def test_a_bad_preference_falls_back_to_the_plain_hour_and_says_why() -> None:
    policy, problem = safe_policy(Settings(business_hours="whenever"))
    assert policy == ResponsePolicy()
    assert "business hours" in problem and "60-minute" in problem
    assert safe_policy(Settings(time_zone="Mars/Olympus"))[1].startswith("unknown time zone")


def test_the_machine_zone_is_an_iana_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert machine_timezone() == "Asia/Tokyo"
    monkeypatch.setenv("TZ", "Not/AZone")
    assert machine_timezone() != "Not/AZone"


def test_clock_preferences_survive_a_save_and_load(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings(business_hours="Sat 10-14", away_reply_enabled=True, away_reply_template="Closed")
    save_settings(path, settings)
    loaded = load_settings(path)
    assert (loaded.business_hours, loaded.away_reply_enabled, loaded.away_reply_template) == (
        "Sat 10-14",
        True,
        "Closed",
    )
    assert Settings().away_reply_enabled is False  # off by default
