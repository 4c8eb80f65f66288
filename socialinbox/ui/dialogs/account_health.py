"""One account's connection health, in detail: is it working, when did it last fetch, when next, how much of the
platform's rate limit is left, and what went wrong, with Reconnect and Remove at hand.

``health_rows`` is the plain content (tested without Qt widgets); ``AccountHealthDialog`` shows it and stays
current as poll reports arrive (``update_account``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayoutItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from socialinbox.domain import PLATFORM_LABELS, Account, Health
from socialinbox.ui import INT64
from socialinbox.ui.timefmt import local_time, spoken_age
from socialinbox.ui.views.platform_style import HEALTH_LABELS, health_colour, health_needs_attention


def health_rows(account: Account, now: datetime, tz: tzinfo | None = None) -> list[tuple[str, str]]:
    """(label, value) lines describing the account's connection, in the order shown."""

    def when(moment: datetime) -> str:
        return f"{local_time(moment, now, tz)} ({spoken_age(moment, now, tz)})"

    rows = [("Account", f"{PLATFORM_LABELS[account.platform]}: {account.handle}"), ("Status", _status(account))]
    if account.health_detail:
        rows.append(("Problem" if health_needs_attention(account.health) else "Note", account.health_detail))
    rows.append(("Last successful check", when(account.last_success_at) if account.last_success_at else "never"))
    if account.last_poll_at is not None and account.last_poll_at != account.last_success_at:
        rows.append(("Last attempt", when(account.last_poll_at)))
    rows.append(("Next check", _next_check(account, now, tz)))
    rows.append(("Requests left", _budget(account, now, tz)))
    return rows


def _status(account: Account) -> str:
    label = HEALTH_LABELS[account.health]
    if account.health is Health.NEEDS_RECONNECT:
        return f"{label}: Social Inbox stopped checking this account until you reconnect it"
    return label


def _next_check(account: Account, now: datetime, tz: tzinfo | None) -> str:
    if account.polling_stopped:
        return "stopped until you reconnect"
    if account.poll_interval_s == 0 and account.health in (Health.NEW, Health.CONNECTED):
        return "listening continuously: new messages arrive within seconds"
    if account.next_poll_at is None:
        return "as soon as the app runs"
    if account.next_poll_at <= now:
        return "now"
    return local_time(account.next_poll_at, now, tz)


def _budget(account: Account, now: datetime, tz: tzinfo | None) -> str:
    budget = account.rate_budget
    if budget is None or budget.remaining is None:
        return f"{PLATFORM_LABELS[account.platform]} does not say"
    text = f"{budget.remaining:,} of {budget.limit:,}" if budget.limit is not None else f"{budget.remaining:,}"
    if budget.resets_at is not None and budget.resets_at > now:
        text += f", renewed at {local_time(budget.resets_at, now, tz)}"
    return text


class AccountHealthDialog(QDialog):
    """Signals:
    reconnect_requested(id), remove_requested(id): the owner's choice, for the accounts controller.
    """

    reconnect_requested = Signal(INT64)
    remove_requested = Signal(INT64)

    def __init__(
        self,
        account: Account,
        now: Callable[[], datetime],
        parent: QWidget | None = None,
        *,
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        self._now = now
        self._tz = tz
        self.account = account
        self.setMinimumWidth(520)
        self._form = QFormLayout()
        self._form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.reconnect_button = QPushButton("&Reconnect", self)
        self.reconnect_button.clicked.connect(lambda: self.reconnect_requested.emit(self.account.id))
        self.remove_button = QPushButton("Re&move account…", self)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self.account.id))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.reconnect_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.remove_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self._form)
        layout.addWidget(buttons)
        self.update_account(account)

    def update_account(self, account: Account) -> None:
        """Show the latest state (called as poll reports arrive)."""
        if account.id != self.account.id:
            return
        self.account = account
        self.setWindowTitle(f"Connection: {account.label}")
        while self._form.rowCount():
            self._form.removeRow(0)
        for label, value in health_rows(account, self._now(), self._tz):
            shown = QLabel(value, self)
            shown.setTextFormat(Qt.TextFormat.PlainText)  # details quote servers: never markup
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if label == "Status":
                shown.setStyleSheet(f"color: {health_colour(account.health).name()}; font-weight: bold;")
            self._form.addRow(f"{label}:", shown)
        self.reconnect_button.setDefault(health_needs_attention(account.health))

    def rows(self) -> list[tuple[str, str]]:
        """What the dialog shows now, for tests and accessibility checks."""
        found = []
        for row in range(self._form.rowCount()):
            label = _widget(self._form.itemAt(row, QFormLayout.ItemRole.LabelRole))
            value = _widget(self._form.itemAt(row, QFormLayout.ItemRole.FieldRole))
            if isinstance(label, QLabel) and isinstance(value, QLabel):
                found.append((label.text().rstrip(":"), value.text()))
        return found


def _widget(item: QLayoutItem | None) -> QWidget | None:
    return None if item is None else item.widget()
