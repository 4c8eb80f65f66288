"""The clock in the running app on the demo shop: snooze and its return, a holding reply, the Reports view."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from socialinbox.domain import Status
from socialinbox.reports import EventKind
from socialinbox.storage.paging import InboxView
from socialinbox.ui.app import InboxApp
from socialinbox.ui.dialogs.reports_dialog import ReportsDialog
from tests.conftest import FakeClock
from tests.ui.conftest import started_demo_app


@pytest.fixture
def shop(tmp_path: Path, qtbot: QtBot, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[InboxApp]:
    app = started_demo_app(tmp_path, qtbot, monkeypatch, clock=clock, rows=3)
    yield app
    app.shutdown()


def _open_first(app: InboxApp, qtbot: QtBot) -> int:
    window = app.window
    window.inbox.setFocus()
    qtbot.keyClick(window.inbox, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: window.pane.conversation is not None, timeout=5_000)
    assert window.pane.conversation is not None
    return window.pane.conversation.id


def _tick(app: InboxApp) -> None:
    """Run the clock's scheduler tick now and hand its results through the bridge, as the scheduler does."""
    for result in app.clock.tick():
        app.bridge.publish(result)


def test_snooze_with_s_hides_it_and_it_comes_back_with_a_reminder(
    shop: InboxApp, qtbot: QtBot, clock: FakeClock, qtmodeltester: ModelTester
) -> None:
    qtmodeltester.check(shop.window.inbox_model)  # the due-ordered list is still a well-behaved model
    chosen = _open_first(shop, qtbot)
    actions = shop.clock.actions
    assert actions is not None
    actions.snooze_menu.aboutToShow.emit()  # the menu's quick choices, worked out when it opens
    labels = [action.text() for action in actions.snooze_menu.actions()]
    assert (
        labels[:2] == ["15 minutes", "1 hour"] and labels[2].startswith("Tomorrow morning") and labels[3] == "Custom…"
    )
    actions.ask_snooze = lambda _parent, now, _tz, _hours, _name: now + timedelta(minutes=15)
    qtbot.keyClick(shop.window.inbox, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: shop.window.inbox_model.row_of(chosen) is None, timeout=5_000)
    assert shop.core.repository.conversation(chosen).status is Status.SNOOZED
    clock.advance(minutes=16)
    _tick(shop)
    qtbot.waitUntil(lambda: shop.window.inbox_model.row_of(chosen) is not None, timeout=5_000)
    view = shop.clock.view
    assert view is not None
    qtbot.waitUntil(lambda: any(n[2] == chosen and "back from snooze" in n[0] for n in view.notified))
    shown = len(view.notified)
    _tick(shop)
    qtbot.wait(50)
    assert len(view.notified) == shown  # each reminder once: the next tick brings nothing new


def test_a_holding_reply_stops_the_clock_and_sets_the_promised_follow_up(
    shop: InboxApp, qtbot: QtBot, clock: FakeClock
) -> None:
    chosen = _open_first(shop, qtbot)
    actions = shop.clock.actions
    assert actions is not None
    asked: list[datetime] = []
    actions.confirm_follow_up = lambda _parent, promised, _now, _tz: asked.append(promised) or promised
    actions.holding_box.setChecked(True)
    shop.window.on_send_requested("Checking with the workshop, back to you within 2 hours")
    repository = shop.core.repository
    qtbot.waitUntil(lambda: repository.conversation(chosen).status is Status.WAITING, timeout=10_000)
    assert asked == [clock.now() + timedelta(hours=2)]
    (history,) = [
        h
        for h in repository.conversation_histories(clock.now() - timedelta(days=2), clock.now())
        if h.conversation_id == chosen
    ]
    assert history.events[-1].kind is EventKind.HOLDING_REPLY
    assert {r.conversation_id: r.follow_up_at for r in repository.clock_rows()}.get(chosen) == asked[0]
    assert not actions.holding_box.isChecked()
    # An ordinary reply with no promise in it takes the window's usual road, and asks nothing.
    qtbot.keyClick(shop.window.inbox, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: shop.window.pane.conversation is not None and shop.window.pane.conversation.id != chosen)
    other = shop.window.pane.conversation.id  # type: ignore[union-attr]
    actions.confirm_follow_up = lambda *_args: pytest.fail("nothing was promised")  # type: ignore[assignment]
    shop.window.on_send_requested("Thank you so much!")
    qtbot.waitUntil(lambda: repository.conversation(other).status is Status.WAITING, timeout=10_000)
    assert repository.messages(other)[-1].text == "Thank you so much!"


def test_reports_view_shows_the_figures_and_exports_privately(shop: InboxApp, qtbot: QtBot, tmp_path: Path) -> None:
    repository = shop.core.repository
    waiting = repository.conversations(InboxView.NEEDS_REPLY)
    repository.queue_reply(waiting[0].id, "On it!", shop.core.clock.now())
    shop.scheduler.send_now()
    qtbot.waitUntil(lambda: repository.conversation(waiting[0].id).status is Status.WAITING, timeout=10_000)
    actions = shop.clock.actions
    assert actions is not None
    actions.on_reports()
    dialog = actions.reports
    assert isinstance(dialog, ReportsDialog)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    assert dialog.report is not None and dialog.report.answered == 1
    assert dialog.figures["periods"].text() == str(dialog.report.waiting_periods)
    assert dialog.charts.count() == 4
    target = tmp_path / "export.csv"
    dialog.export_to(target)
    assert target.read_text().startswith("conversation_id,platform")
    if os.name == "posix":
        assert target.stat().st_mode & 0o777 == 0o600
    dialog.range_choice.setCurrentIndex(1)  # "Last 30 days": a new report is built
    qtbot.waitUntil(lambda: dialog.report is not None and len(dialog.report.volume_by_day) == 30, timeout=10_000)
    assert not dialog.grab().isNull()


def test_a_conversation_opens_while_a_report_is_still_being_built(
    shop: InboxApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A month's report of a big inbox takes a second or more: it is built apart from the owner's actions, so the
    thread of a conversation opened meanwhile (read on the task runner) does not wait behind it."""
    repository = shop.core.repository
    release = threading.Event()
    real = repository.conversation_histories

    def slow(*args: object, **kwargs: object) -> object:
        release.wait(15)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(repository, "conversation_histories", slow)
    actions = shop.clock.actions
    assert actions is not None
    try:
        actions.on_reports()
        assert isinstance(actions.reports, ReportsDialog)
        qtbot.addWidget(actions.reports)
        chosen = _open_first(shop, qtbot)  # within 5 s, while the report still waits
        assert shop.window.opened_conversation() is not None and chosen
    finally:
        release.set()
