"""The owner's preferences: versioned JSON outside Qt, with named upgrade steps for older files."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SETTINGS_VERSION = 1


def preference(default: Any, label: str, section: str, help_text: str = "") -> Any:
    """A setting the owner sees in Preferences; the dialog builds its editor from this metadata and the type."""
    return dataclasses.field(default=default, metadata={"label": label, "section": section, "help": help_text})


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every user preference, with its default. Fields made with ``preference`` appear in the Preferences dialog;
    the others are the app's own bookkeeping."""

    version: int = SETTINGS_VERSION
    shop_name: str = preference("", "Shop name", "Shop", "Used in reply templates as {shop_name}.")
    owner_name: str = preference("", "Your name", "Shop", "Used in reply templates as {owner_name}.")
    response_target_minutes: int = preference(60, "Answer within (minutes)", "Response time")
    at_risk_minutes: int = preference(15, "Warn when this many minutes are left", "Response time")
    notifications_enabled: bool = preference(True, "Desktop notifications", "Notifications")
    demo_offered: bool = False  # the demo channel is connected once, on the very first start
    database_url: str = ""  # empty: the SQLite file in the data folder; a PostgreSQL URL for a shared team inbox


def load_settings(path: Path) -> Settings:
    """Read the settings; a missing file gives the defaults, a damaged one is set aside and says so."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as error:
        backup = path.with_suffix(".damaged.json")
        log.warning("settings file unreadable (%s); using defaults and keeping the old file as %s", error, backup)
        path.replace(backup)
        return Settings()
    if not isinstance(raw, dict):
        return Settings()
    known = {field.name for field in dataclasses.fields(Settings)}
    values: dict[str, Any] = {key: value for key, value in raw.items() if key in known}
    values["version"] = SETTINGS_VERSION
    return Settings(**values)


def save_settings(path: Path, settings: Settings) -> None:
    """Write atomically, so a crash mid-write never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(dataclasses.asdict(settings), indent=2, sort_keys=True), encoding="utf-8")
    if os.name == "posix":
        temporary.chmod(0o600)
    temporary.replace(path)
