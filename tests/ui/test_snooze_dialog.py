"""Snooze choices: quick times, tomorrow morning by the shop's hours, and a custom time from the small dialog."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime
from pytestqt.qtbot import QtBot

from socialinbox.responsetime import BusinessHours
from socialinbox.ui.dialogs.snooze_dialog import SnoozeDialog, snooze_choices, tomorrow_morning

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY_EVENING = datetime(2026, 11, 20, 18, 30, tzinfo=BERLIN).astimezone(UTC)


def test_quick_choices_are_fifteen_minutes_an_hour_and_tomorrow_morning() -> None:
    labels, times = zip(*snooze_choices(FRIDAY_EVENING, BERLIN, None), strict=True)
    assert labels[:2] == ("15 minutes", "1 hour") and labels[2].startswith("Tomorrow morning")
    assert times[0] - FRIDAY_EVENING == timedelta(minutes=15) and times[1] - FRIDAY_EVENING == timedelta(hours=1)
    assert times[2] == datetime(2026, 11, 21, 9, 0, tzinfo=BERLIN)  # nine o'clock without business hours


def test_tomorrow_morning_is_the_shops_next_opening() -> None:
    weekdays = BusinessHours.on_days("Europe/Berlin", range(5), (time(8, 30), time(18)))
    assert tomorrow_morning(FRIDAY_EVENING, BERLIN, weekdays) == datetime(2026, 11, 23, 8, 30, tzinfo=BERLIN)


def test_the_dialog_returns_a_quick_choice_or_a_custom_time(qtbot: QtBot) -> None:
    dialog = SnoozeDialog(FRIDAY_EVENING, BERLIN, None, "Anna <b>Berg</b>")
    qtbot.addWidget(dialog)
    dialog.buttons[1].click()
    assert dialog.chosen == FRIDAY_EVENING + timedelta(hours=1)
    custom = SnoozeDialog(FRIDAY_EVENING, BERLIN, None, "Anna")
    qtbot.addWidget(custom)
    wanted = FRIDAY_EVENING + timedelta(days=2, hours=3)
    custom.custom.setDateTime(QDateTime.fromSecsSinceEpoch(int(wanted.timestamp())))
    custom.custom_button.click()
    assert custom.chosen == wanted and custom.chosen.tzinfo is UTC
