import dataclasses
import json
from pathlib import Path

from socialinbox.settings import SETTINGS_VERSION, Settings, load_settings, save_settings


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "settings.json") == Settings()


def test_round_trip_keeps_every_value(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    chosen = dataclasses.replace(Settings(), shop_name="Crumb & Co.", response_target_minutes=45, demo_offered=True)
    save_settings(path, chosen)
    assert load_settings(path) == chosen
    assert json.loads(path.read_text())["version"] == SETTINGS_VERSION


def test_unknown_keys_from_a_newer_version_are_ignored_and_missing_ones_default(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 0, "shop_name": "Bakery", "from_the_future": 1}))
    loaded = load_settings(path)
    assert loaded.shop_name == "Bakery" and loaded.response_target_minutes == 60


def test_damaged_file_is_set_aside_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    assert load_settings(path) == Settings()
    assert (tmp_path / "settings.damaged.json").read_text() == "{not json"


def test_preferences_carry_labels_for_the_dialog() -> None:
    shown = [f for f in dataclasses.fields(Settings) if "label" in f.metadata]
    assert {f.name for f in shown} >= {"shop_name", "response_target_minutes", "notifications_enabled"}
    assert "demo_offered" not in {f.name for f in shown}
