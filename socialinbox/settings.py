"""The owner's preferences: versioned JSON outside Qt, with named upgrade steps for older files."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

from socialinbox.paths import replace_private_file

log = logging.getLogger(__name__)

SETTINGS_VERSION = 3


def preference(default: Any, label: str, section: str, help_text: str = "", **editor: Any) -> Any:
    """A setting the owner sees in Preferences; the dialog builds its editor from this metadata and the type.

    ``editor`` holds hints for the editor, e.g. ``minimum``, ``maximum``, ``step``, ``suffix`` and ``special`` (the
    text shown for the minimum) for a number."""
    metadata = {"label": label, "section": section, "help": help_text, **editor}
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every user preference, with its default. Fields made with ``preference`` appear in the Preferences dialog;
    the others are the app's own bookkeeping."""

    version: int = SETTINGS_VERSION
    shop_name: str = preference("", "Shop name", "Shop", "Used in reply templates as {shop_name}.")
    owner_name: str = preference("", "Your name", "Shop", "Used in reply templates as {owner_name}.")
    opening_hours: str = preference(
        "", "Opening hours", "Shop", "Used in reply templates as {opening_hours}, e.g. 'Mon-Sat 8:00-18:00'."
    )
    public_contact_details: str = preference(
        "",
        "Shop e-mail, phone and address",
        "Shop",
        "Fine to post in public replies: the safety check does not flag them. Separate them with ';'.",
    )
    response_target_minutes: int = preference(60, "Answer within (minutes)", "Response time")
    at_risk_minutes: int = preference(15, "Warn when this many minutes are left", "Response time")
    channel_targets: str = preference(
        "", "Per-channel targets (minutes)", "Response time", "For example 'email=240, telegram=30'; others: above."
    )
    business_hours: str = preference(
        "",
        "Business hours (the clock pauses outside them)",
        "Response time",
        "Empty: the clock runs around the day. For example 'Mon-Fri 09:00-18:00; Sat 10:00-14:00'.",
    )
    time_zone: str = preference(
        "", "Time zone", "Response time", "An IANA name such as Europe/Berlin; empty: this computer's."
    )
    away_reply_enabled: bool = preference(False, "Send an away reply outside business hours", "Away reply")
    away_reply_template: str = preference(
        "Away reply", "Away reply template", "Away reply", "The name of the template sent, once per closed period."
    )
    notifications_enabled: bool = preference(True, "Desktop notifications", "Notifications")
    notification_sound: bool = preference(False, "Play a sound with each notification", "Notifications")
    quiet_hours: str = preference(
        "", "Quiet hours", "Notifications", "No notifications in this time, e.g. '21:00-07:30'; empty: none."
    )
    start_at_login: bool = preference(False, "Start Social Inbox when I log in", "Desktop")
    close_to_tray: bool = preference(
        True, "Closing the window keeps Social Inbox running in the tray", "Desktop", "Where the desktop has a tray."
    )
    poll_interval_s: int = preference(
        0,
        "Check accounts every",
        "Checking",
        "Each platform's usual pace, or 30 s to 15 min for accounts checked at intervals (Mastodon, Bluesky,"
        " e-mail). Telegram listens continuously; the demo keeps its own pace. No platform is checked faster than"
        " its rate limits allow.",
        minimum=0,
        maximum=900,  # socialinbox.poll_interval.MAX_PREFERENCE_S
        step=15,
        suffix=" s",
        special="each platform's usual pace",
    )
    close_to_tray_explained: bool = False  # the one-time note about closing to the tray was shown
    demo_offered: bool = False  # the demo channel is connected once, on the very first start
    database_url: str = ""  # empty: the SQLite file in the data folder; a PostgreSQL URL for a shared team inbox
    # Mastodon server URL -> this app's client_id there (registered once per server; the secret is in the keyring).
    mastodon_apps: dict[str, str] = dataclasses.field(default_factory=dict)


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
    raw = upgrade_settings(raw)
    known = {field.name for field in dataclasses.fields(Settings)}
    values: dict[str, Any] = {key: value for key, value in raw.items() if key in known}
    values["version"] = SETTINGS_VERSION
    return Settings(**values)


def _upgrade_1_to_2(raw: dict[str, Any]) -> dict[str, Any]:
    """Version 2 explains closing to the tray once. Version 1 already closed to the tray (silently), so whoever
    used it has seen it happen: no note for them."""
    return {**raw, "close_to_tray_explained": True}


def _upgrade_2_to_3(raw: dict[str, Any]) -> dict[str, Any]:
    """Version 3 adds one global poll interval. Version 2 polled each account at its platform's pace, so that is
    what an upgraded file keeps (0), whatever a later default may be."""
    return {**raw, "poll_interval_s": 0}


# version found in the file -> the step that turns it into the next version
UPGRADES = {1: _upgrade_1_to_2, 2: _upgrade_2_to_3}


def upgrade_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """Run the upgrade steps from the file's version up to SETTINGS_VERSION (a file without one is version 1)."""
    version = raw.get("version", 1)
    version = version if isinstance(version, int) else 1
    while version < SETTINGS_VERSION:
        if version in UPGRADES:
            raw = UPGRADES[version](raw)
        version += 1
    return raw


def save_settings(path: Path, settings: Settings) -> None:
    """Write atomically, so a crash mid-write never leaves half a file."""
    replace_private_file(path, json.dumps(dataclasses.asdict(settings), indent=2, sort_keys=True))
