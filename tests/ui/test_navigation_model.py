"""NavigationModel: fixed views first, then accounts; counts, health and tooltips; the model tester watching."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextDocument
from pytestqt.modeltest import ModelTester

from socialinbox.domain import Account, Health, Platform
from socialinbox.storage.paging import InboxCounts, InboxView
from socialinbox.ui.models.navigation_model import (
    AccountRole,
    CountRole,
    EntryRole,
    HealthRole,
    NavEntry,
    NavigationModel,
)

NOW = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole


def account(account_id: int, *, platform: Platform = Platform.MASTODON, health: Health = Health.CONNECTED) -> Account:
    return Account(
        id=account_id,
        platform=platform,
        handle=f"@shop{account_id}@example.social",
        display_name=f"Shop {account_id}",
        settings={},
        health=health,
        health_detail="",
        poll_interval_s=60,
        last_poll_at=NOW - timedelta(minutes=4),
        last_success_at=NOW - timedelta(minutes=4),
        next_poll_at=NOW + timedelta(minutes=1),
    )


def counts(needs: int = 0, waiting: int = 0, done: int = 0, snoozed: int = 0, **by_account: int) -> InboxCounts:
    return InboxCounts(
        by_view={
            InboxView.ALL: needs + waiting,
            InboxView.NEEDS_REPLY: needs,
            InboxView.WAITING: waiting,
            InboxView.DONE: done,
            InboxView.SNOOZED: snoozed,
        },
        needs_reply_by_account={int(key.removeprefix("a")): value for key, value in by_account.items()},
    )


def make_model() -> NavigationModel:
    return NavigationModel(now=lambda: NOW, tz=UTC)


def labels(model: NavigationModel) -> list[str]:
    return [model.index(row).data(DISPLAY) for row in range(model.rowCount())]


def plain(tooltip: str) -> str:
    document = QTextDocument()
    document.setHtml(tooltip)
    return document.toPlainText()


@pytest.mark.qt_log_level_fail("WARNING")
@pytest.mark.parametrize("force_py", [True, False], ids=["python-tester", "qt-tester"])
def test_model_tester_stays_happy_while_accounts_and_counts_change(qtmodeltester: ModelTester, force_py: bool) -> None:
    model = make_model()
    qtmodeltester.check(model, force_py=force_py)

    model.set_accounts([account(1), account(2, platform=Platform.TELEGRAM)])
    model.set_counts(counts(needs=3, a1=2, a2=1))
    model.update_account(account(2, platform=Platform.TELEGRAM, health=Health.NEEDS_RECONNECT))
    model.update_account(account(3, platform=Platform.EMAIL))
    model.set_accounts([account(3, platform=Platform.EMAIL), account(1)])
    model.remove_account(3)
    model.set_accounts([])

    assert model.rowCount() == 5


def test_the_five_views_come_first_in_a_fixed_order(qapp: Any) -> None:
    model = make_model()
    model.set_accounts([account(7)])

    entries = [model.index(row).data(EntryRole) for row in range(model.rowCount())]

    assert entries == [
        NavEntry("view", view=InboxView.ALL),
        NavEntry("view", view=InboxView.NEEDS_REPLY),
        NavEntry("view", view=InboxView.WAITING),
        NavEntry("view", view=InboxView.SNOOZED),
        NavEntry("view", view=InboxView.DONE),
        NavEntry("account", account_id=7),
    ]
    assert model.row_for_view(InboxView.DONE) == 4
    assert model.row_for_account(7) == 5 and model.row_for_account(8) is None
    assert model.entry_at(5) == NavEntry.for_account(7) and model.entry_at(6) is None
    assert NavigationModel.EntryRole == EntryRole


def test_labels_carry_counts_once_they_are_known(qapp: Any) -> None:
    model = make_model()
    model.set_accounts([account(1), account(2)])
    assert labels(model)[:2] == ["All", "Needs reply"]

    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda top, bottom, _roles=(): changed.append((top.row(), bottom.row())))
    model.set_counts(counts(needs=12, waiting=3, done=1204, a1=12))

    assert labels(model) == [
        "All (15)",
        "Needs reply (12)",
        "Waiting (3)",
        "Snoozed",
        "Done (1,204)",
        "Mastodon · Shop 1 (12)",
        "Mastodon · Shop 2",
    ]
    assert changed == [(0, 6)]
    assert model.index(1).data(CountRole) == 12
    assert model.index(6).data(CountRole) == 0
    assert model.index(1).data(Qt.ItemDataRole.AccessibleTextRole) == "Needs reply, 12 conversations"


def test_an_account_in_trouble_is_marked_and_its_tooltip_says_why(qapp: Any) -> None:
    model = make_model()
    broken = dataclasses.replace(
        account(1, health=Health.NEEDS_RECONNECT), health_detail="The server said <b>401</b>: token revoked"
    )
    model.set_accounts([broken, account(2)])
    row = model.row_for_account(1)
    assert row is not None
    index = model.index(row)

    assert index.data(DISPLAY).endswith("\u26a0")
    assert not model.index(row + 1).data(DISPLAY).endswith("\u26a0")
    assert Health(index.data(HealthRole)) is Health.NEEDS_RECONNECT  # Qt hands a StrEnum back as its str
    assert index.data(AccountRole) == broken
    assert model.index(0).data(HealthRole) is None
    tooltip = plain(index.data(TOOLTIP))
    assert "needs reconnecting" in tooltip
    assert "The server said <b>401</b>: token revoked" in tooltip  # shown as written, not as markup
    assert "Last checked: 14:26 (4 minutes ago)" in tooltip
    assert "Next check" not in tooltip  # polling is stopped until the owner reconnects
    assert isinstance(index.data(Qt.ItemDataRole.DecorationRole), QColor)


def test_update_account_refreshes_its_row_in_place_or_adds_a_new_one(qapp: Any) -> None:
    model = make_model()
    model.set_accounts([account(1), account(2)])
    inserted: list[int] = []
    changed: list[int] = []
    model.rowsInserted.connect(lambda _parent, first, _last: inserted.append(first))
    model.dataChanged.connect(lambda top, _bottom, _roles=(): changed.append(top.row()))

    model.update_account(account(2, health=Health.RATE_LIMITED))
    model.update_account(account(9, platform=Platform.BLUESKY))

    assert changed == [6]
    assert inserted == [7]
    assert model.index(6).data(HealthRole) == Health.RATE_LIMITED
    assert model.index(7).data(DISPLAY) == "Bluesky · Shop 9"


def test_set_accounts_with_the_same_accounts_keeps_the_rows(qapp: Any) -> None:
    model = make_model()
    model.set_accounts([account(1), account(2)])
    removed: list[int] = []
    model.rowsRemoved.connect(lambda _parent, first, _last: removed.append(first))

    model.set_accounts([account(1, health=Health.BROKEN), account(2)])
    assert removed == []
    assert model.index(5).data(HealthRole) == Health.BROKEN

    model.set_accounts([account(2)])
    assert removed == [5]
    assert model.row_for_account(2) == 5
