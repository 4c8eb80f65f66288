"""The left column: the fixed inbox views (All, Needs reply, Waiting, Snoozed, Done), then one entry per account.

GUI thread only; no queries. Counts and accounts are handed in by whoever has them (the controller, from a
background count query or a sync report).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal

from PySide6.QtCore import QAbstractListModel, QByteArray, QModelIndex, QObject, QPersistentModelIndex, Qt

from socialinbox.domain import PLATFORM_LABELS, Account
from socialinbox.storage.paging import InboxCounts, InboxView
from socialinbox.ui.models import plain_tooltip
from socialinbox.ui.timefmt import local_time, spoken_age
from socialinbox.ui.views.platform_style import HEALTH_LABELS, health_needs_attention, platform_colour

EntryRole = Qt.ItemDataRole.UserRole + 1  # NavEntry
CountRole = Qt.ItemDataRole.UserRole + 2  # int: conversations in the view, or the account's needing a reply
# Health for an account, None for a view. Qt returns a StrEnum as its plain str ("needs-reconnect"): it still
# compares equal to the member, and Health(value) gives the member back.
HealthRole = Qt.ItemDataRole.UserRole + 3
AccountRole = Qt.ItemDataRole.UserRole + 4  # Account for an account, None for a view

VIEW_ORDER: tuple[InboxView, ...] = (
    InboxView.ALL,
    InboxView.NEEDS_REPLY,
    InboxView.WAITING,
    InboxView.SNOOZED,
    InboxView.DONE,
)
VIEW_LABELS: dict[InboxView, str] = {
    InboxView.ALL: "All",
    InboxView.NEEDS_REPLY: "Needs reply",
    InboxView.WAITING: "Waiting",
    InboxView.SNOOZED: "Snoozed",
    InboxView.DONE: "Done",
}
_VIEW_TOOLTIPS: dict[InboxView, str] = {
    InboxView.ALL: "Every open conversation: needing a reply or waiting on the customer",
    InboxView.NEEDS_REPLY: "Customers waiting for an answer, longest-waiting first",
    InboxView.WAITING: "You answered; waiting on the customer",
    InboxView.SNOOZED: "Put aside until later",
    InboxView.DONE: "Finished conversations",
}
_WARNING_SIGN = "\u26a0"

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclasses.dataclass(frozen=True, slots=True)
class NavEntry:
    """What one row of the left column stands for."""

    kind: Literal["view", "account"]
    view: InboxView | None = None
    account_id: int | None = None

    @classmethod
    def for_view(cls, view: InboxView) -> NavEntry:
        return cls("view", view=view)

    @classmethod
    def for_account(cls, account_id: int) -> NavEntry:
        return cls("account", account_id=account_id)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class NavigationModel(QAbstractListModel):
    """The views first (always all five, in VIEW_ORDER), then the accounts in the order given."""

    # The roles are module constants; these aliases let callers write NavigationModel.EntryRole.
    EntryRole = EntryRole
    CountRole = CountRole
    HealthRole = HealthRole
    AccountRole = AccountRole

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        now: Callable[[], datetime] = _utc_now,
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        self._now = now
        self._tz = tz
        self._accounts: list[Account] = []
        self._counts: InboxCounts | None = None

    # --- updates ---------------------------------------------------------------------------

    def set_counts(self, counts: InboxCounts) -> None:
        self._counts = counts
        if self.rowCount():
            self.dataChanged.emit(self.index(0), self.index(self.rowCount() - 1))

    def set_accounts(self, accounts: Sequence[Account]) -> None:
        """Show these accounts; rows are updated in place when the same accounts come back in the same order."""
        accounts = list(accounts)
        if [a.id for a in accounts] == [a.id for a in self._accounts]:
            self._accounts = accounts
            if accounts:
                self._account_rows_changed(0, len(accounts) - 1)
            return
        first = len(VIEW_ORDER)
        if self._accounts:
            self.beginRemoveRows(QModelIndex(), first, first + len(self._accounts) - 1)
            self._accounts = []
            self.endRemoveRows()
        if accounts:
            self.beginInsertRows(QModelIndex(), first, first + len(accounts) - 1)
            self._accounts = accounts
            self.endInsertRows()

    def update_account(self, account: Account) -> None:
        """Refresh one account's row (health, name, last poll); an account not shown yet is added at the end."""
        position = self._account_position(account.id)
        if position is None:
            row = len(VIEW_ORDER) + len(self._accounts)
            self.beginInsertRows(QModelIndex(), row, row)
            self._accounts.append(account)
            self.endInsertRows()
            return
        self._accounts[position] = account
        self._account_rows_changed(position, position)

    def remove_account(self, account_id: int) -> None:
        position = self._account_position(account_id)
        if position is None:
            return
        row = len(VIEW_ORDER) + position
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._accounts[position]
        self.endRemoveRows()

    def _account_rows_changed(self, first: int, last: int) -> None:
        offset = len(VIEW_ORDER)
        self.dataChanged.emit(self.index(offset + first), self.index(offset + last))

    # --- lookups ---------------------------------------------------------------------------

    def row_for_view(self, view: InboxView) -> int:
        return VIEW_ORDER.index(view)

    def row_for_account(self, account_id: int) -> int | None:
        position = self._account_position(account_id)
        return None if position is None else len(VIEW_ORDER) + position

    def entry_at(self, row: int) -> NavEntry | None:
        if 0 <= row < len(VIEW_ORDER):
            return NavEntry.for_view(VIEW_ORDER[row])
        account = self.account_at(row)
        return None if account is None else NavEntry.for_account(account.id)

    def account_at(self, row: int) -> Account | None:
        position = row - len(VIEW_ORDER)
        return self._accounts[position] if 0 <= position < len(self._accounts) else None

    def _account_position(self, account_id: int) -> int | None:
        return next((i for i, account in enumerate(self._accounts) if account.id == account_id), None)

    def _count(self, row: int) -> int:
        if self._counts is None:
            return 0
        if row < len(VIEW_ORDER):
            return self._counts.by_view.get(VIEW_ORDER[row], 0)
        account = self.account_at(row)
        return 0 if account is None else self._counts.needs_reply_by_account.get(account.id, 0)

    # --- Qt overrides ----------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        """Override QAbstractItemModel::rowCount."""
        return 0 if parent.isValid() else len(VIEW_ORDER) + len(self._accounts)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Override QAbstractItemModel::flags."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::data."""
        if not index.isValid() or index.column() != 0 or not 0 <= index.row() < self.rowCount():
            return None
        row = index.row()
        if row < len(VIEW_ORDER):
            return self._view_data(VIEW_ORDER[row], role)
        account = self._accounts[row - len(VIEW_ORDER)]
        return self._account_data(account, role)

    def roleNames(self) -> dict[int, QByteArray]:
        """Override QAbstractItemModel::roleNames."""
        names = dict(super().roleNames())
        names[int(Qt.ItemDataRole.AccessibleTextRole)] = QByteArray(b"accessibleText")
        names[EntryRole] = QByteArray(b"entry")
        names[CountRole] = QByteArray(b"count")
        names[HealthRole] = QByteArray(b"health")
        names[AccountRole] = QByteArray(b"account")
        return names

    # --- per kind --------------------------------------------------------------------------

    def _view_data(self, view: InboxView, role: int) -> Any:
        count = self._count(VIEW_ORDER.index(view))
        if role == Qt.ItemDataRole.DisplayRole:
            return _with_count(VIEW_LABELS[view], count)
        if role == EntryRole:
            return NavEntry.for_view(view)
        if role == CountRole:
            return count
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(_VIEW_TOOLTIPS[view])
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{VIEW_LABELS[view]}, {_conversations(count)}"
        return None

    def _account_data(self, account: Account, role: int) -> Any:
        count = self._counts.needs_reply_by_account.get(account.id, 0) if self._counts else 0
        if role == Qt.ItemDataRole.DisplayRole:
            warning = f" {_WARNING_SIGN}" if health_needs_attention(account.health) else ""
            return _with_count(account.label, count) + warning
        if role == Qt.ItemDataRole.DecorationRole:
            return platform_colour(account.platform)  # the item view paints a colour swatch for a QColor
        if role == EntryRole:
            return NavEntry.for_account(account.id)
        if role == CountRole:
            return count
        if role == HealthRole:
            return account.health
        if role == AccountRole:
            return account
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(self._account_tooltip(account))
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{account.label}, {count} needing a reply, {HEALTH_LABELS[account.health]}"
        return None

    def _account_tooltip(self, account: Account) -> str:
        now = self._now()
        health = HEALTH_LABELS[account.health]
        lines = [f"{PLATFORM_LABELS[account.platform]}: {account.handle}", f"Status: {health}"]
        if account.health_detail:
            lines.append(account.health_detail)
        if account.last_poll_at is None:
            lines.append("Not checked yet")
        else:
            when = local_time(account.last_poll_at, now, self._tz)
            lines.append(f"Last checked: {when} ({spoken_age(account.last_poll_at, now, self._tz)})")
        if account.last_success_at is not None and account.last_success_at != account.last_poll_at:
            lines.append(f"Last successful check: {local_time(account.last_success_at, now, self._tz)}")
        if account.next_poll_at is not None and not account.polling_stopped:
            lines.append(f"Next check: {local_time(account.next_poll_at, now, self._tz)}")
        return "\n".join(lines)


def _with_count(label: str, count: int) -> str:
    return f"{label} ({count:,})" if count else label


def _conversations(count: int) -> str:
    return "1 conversation" if count == 1 else f"{count:,} conversations"
