"""The desktop preferences: round trip, and the upgrades from version 1 and version 2 settings files."""

import dataclasses
import json
from pathlib import Path

from socialinbox.settings import SETTINGS_VERSION, Settings, load_settings, save_settings


def test_desktop_preferences_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    chosen = dataclasses.replace(
        Settings(), start_at_login=True, quiet_hours="21:00-07:00", notification_sound=True, close_to_tray=False
    )
    save_settings(path, chosen)
    assert load_settings(path) == chosen


def test_a_version_1_file_is_upgraded_and_keeps_its_values(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "shop_name": "Crumb & Co.", "response_target_minutes": 30}))
    loaded = load_settings(path)
    assert loaded.version == SETTINGS_VERSION == 3
    assert loaded.shop_name == "Crumb & Co." and loaded.response_target_minutes == 30
    # Version 1 already closed to the tray: its users are not told again what they have seen.
    assert loaded.close_to_tray_explained is True
    assert loaded.start_at_login is False and loaded.quiet_hours == ""


def test_a_fresh_install_gets_the_one_time_tray_note(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "missing.json").close_to_tray_explained is False


def test_a_version_2_file_keeps_each_platform_s_poll_pace_and_its_other_values(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    version_2 = {"version": 2, "shop_name": "Crumb & Co.", "quiet_hours": "21:00-07:00"}
    path.write_text(json.dumps(version_2))

    loaded = load_settings(path)

    assert loaded.version == 3
    assert loaded.poll_interval_s == 0  # version 2 polled every account at its platform's pace
    assert (loaded.shop_name, loaded.quiet_hours) == ("Crumb & Co.", "21:00-07:00")
    # The version 1 step does not run again: a version 2 user who has not seen the tray note still gets it.
    assert loaded.close_to_tray_explained is False


def test_the_chosen_poll_interval_survives_a_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(path, dataclasses.replace(Settings(), poll_interval_s=180))

    assert load_settings(path).poll_interval_s == 180
