"""Snooze a conversation: 15 minutes, an hour, tomorrow morning, or a time the owner picks.

``snooze_choices`` is plain Python (tested without Qt); ``SnoozeDialog`` is the small window the S key opens, with one
button per choice (keys 1-3) and a date-time field for a custom time. It returns an aware UTC time, never a naive one.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo

from PySide6.QtCore import QDateTime, Qt, QTimeZone
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from socialinbox.responsetime import BusinessHours, next_opening
from socialinbox.ui.timefmt import local_time

MORNING = time(9)


def tomorrow_morning(now: datetime, tz: tzinfo, hours: BusinessHours | None) -> datetime:
    """The shop's first opening after today (any day it opens), or 09:00 tomorrow without business hours."""
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0), tzinfo=tz).astimezone(UTC)
    if hours is not None:
        return next_opening(start, hours)
    return datetime.combine(tomorrow, MORNING, tzinfo=tz).astimezone(UTC)


def snooze_choices(now: datetime, tz: tzinfo, hours: BusinessHours | None) -> list[tuple[str, datetime]]:
    """(label, until) for the quick choices, in the order the menu and the dialog show them."""
    morning = tomorrow_morning(now, tz, hours)
    return [
        ("15 minutes", now + timedelta(minutes=15)),
        ("1 hour", now + timedelta(hours=1)),
        (f"Tomorrow morning ({local_time(morning, now, tz)})", morning),
    ]


class SnoozeDialog(QDialog):
    """Pick when a conversation comes back; ``chosen`` is set (aware UTC) when the dialog is accepted."""

    def __init__(
        self, now: datetime, tz: tzinfo, hours: BusinessHours | None, name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Snooze")
        self.chosen: datetime | None = None
        self._now = now
        layout = QVBoxLayout(self)
        prompt = QLabel(f"Hide the conversation with {name} until:", self)
        prompt.setTextFormat(Qt.TextFormat.PlainText)  # the customer's name is platform text
        layout.addWidget(prompt)
        self.buttons: list[QPushButton] = []
        for number, (label, until) in enumerate(snooze_choices(now, tz, hours), start=1):
            button = QPushButton(f"&{number}  {label}", self)
            button.clicked.connect(lambda _checked=False, at=until: self._choose(at))
            layout.addWidget(button)
            self.buttons.append(button)
        custom = QHBoxLayout()
        self.custom = QDateTimeEdit(self)
        self.custom.setCalendarPopup(True)
        self.custom.setTimeZone(QTimeZone.systemTimeZone())
        self.custom.setDateTime(QDateTime.fromSecsSinceEpoch(int((now + timedelta(hours=3)).timestamp())))
        self.custom.setMinimumDateTime(QDateTime.fromSecsSinceEpoch(int(now.timestamp())))
        self.custom.setAccessibleName("Custom snooze time")
        self.custom_button = QPushButton("Until this time", self)
        self.custom_button.clicked.connect(self.on_custom)
        custom.addWidget(self.custom, 1)
        custom.addWidget(self.custom_button)
        layout.addLayout(custom)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def on_custom(self) -> None:
        until = datetime.fromtimestamp(self.custom.dateTime().toSecsSinceEpoch(), UTC)
        self._choose(max(until, self._now + timedelta(minutes=1)))

    def _choose(self, until: datetime) -> None:
        self.chosen = until
        self.accept()


def ask_snooze(parent: QWidget, now: datetime, tz: tzinfo, hours: BusinessHours | None, name: str) -> datetime | None:
    """Show the dialog modally; the time chosen, or None when the owner cancelled."""
    dialog = SnoozeDialog(now, tz, hours, name, parent)
    return dialog.chosen if dialog.exec() == QDialog.DialogCode.Accepted else None
