"""The whole GUI on the demo channel, end to end: a poll on a worker thread lands in the window through the
bridge; the owner answers with the keyboard; a new mention while the window is away raises a notification
on the (stub) desktop notification service, and clicking it opens that conversation."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QToolBar
from pytestqt.qtbot import QtBot

from socialinbox.domain import Platform, PollResult, Status
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.storage.paging import InboxView
from socialinbox.storage.problems import StorageProblem, StorageUnavailable
from socialinbox.storage.repository import Repository
from socialinbox.ui import app as app_module
from socialinbox.ui.app import InboxApp
from socialinbox.ui.main_window import STARTING_MESSAGE
from socialinbox.wiring import build_core, ensure_demo_account
from tests.fakes import T0, remote_message
from tests.notification_stub import NotificationService


@pytest.fixture
def inbox_app(tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[InboxApp]:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")  # no notifier unless a test says
    core = build_core(paths_in(tmp_path), secrets=MemorySecretStore())
    ensure_demo_account(core)
    app = InboxApp(core)
    qtbot.addWidget(app.window)
    yield app
    app.shutdown()


def _wait_for_rows(qtbot: QtBot, app: InboxApp) -> None:
    qtbot.waitUntil(lambda: app.window.inbox_model.rowCount() > 0, timeout=10_000)


def test_first_poll_reaches_the_window_on_the_gui_thread(inbox_app: InboxApp, qtbot: QtBot) -> None:
    seen_on: list[bool] = []
    inbox_app.bridge.report_ready.connect(
        lambda _: seen_on.append(threading.current_thread() is threading.main_thread())
    )
    # Not qtbot.waitSignal: its blocker is a plain Python receiver, and a report the workers emitted just before it
    # disconnected is still delivered afterwards, to a freed blocker. That crashed the suite (SIGSEGV, or
    # "MultiSignalBlocker has no attribute check_params_callback" when another blocker took its memory).
    inbox_app.start()
    qtbot.waitUntil(lambda: bool(seen_on), timeout=10_000)
    _wait_for_rows(qtbot, inbox_app)
    assert seen_on and all(seen_on)
    statuses = {
        inbox_app.window.inbox_model.conversation_at(r).status for r in range(inbox_app.window.inbox_model.rowCount())
    }  # type: ignore[union-attr]
    assert statuses == {Status.NEEDS_REPLY}


def test_owner_answers_with_the_keyboard_and_the_conversation_moves(inbox_app: InboxApp, qtbot: QtBot) -> None:
    inbox_app.start()
    _wait_for_rows(qtbot, inbox_app)
    window = inbox_app.window
    window.inbox.setFocus()
    qtbot.keyClick(window.inbox, Qt.Key.Key_J)  # select the top (longest-waiting) conversation
    qtbot.waitUntil(lambda: window.pane.conversation is not None, timeout=5_000)
    chosen = window.pane.conversation
    assert chosen is not None
    qtbot.keyClick(window.inbox, Qt.Key.Key_R)
    assert window.pane.composer.editor.hasFocus()
    qtbot.keyClicks(window.pane.composer.editor, "So sorry about this, we will sort it out today.")
    qtbot.keyClick(window.pane.composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.inbox_model.row_of(chosen.id) is None, timeout=10_000)  # left "needs reply"
    assert inbox_app.core.repository.conversation(chosen.id).status is Status.WAITING
    assert inbox_app.core.repository.messages(chosen.id)[-1].text == "So sorry about this, we will sort it out today."


def test_a_database_out_of_reach_is_told_when_a_conversation_opens_or_a_list_is_read(
    inbox_app: InboxApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team's server that stopped answering (or a failing disk) while the owner opens a conversation or picks a
    list: the status bar says what to check, and nothing is raised into Qt (pytest-qt fails a test on that)."""
    inbox_app.start()
    _wait_for_rows(qtbot, inbox_app)
    window, repository = inbox_app.window, inbox_app.core.repository
    problem = StorageUnavailable(StorageProblem.SERVER_UNREACHABLE, "Social Inbox cannot use the team's database")

    def out_of_reach(*_args: object, **_kwargs: object) -> None:
        raise problem

    first = window.inbox_model.conversation_at(0)
    assert first is not None
    monkeypatch.setattr(repository, "messages", out_of_reach)
    window.conversation_opened.emit(first.id)  # read on the task runner
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == str(problem), timeout=5000)
    assert window.pane.conversation is None  # it keeps what it showed
    monkeypatch.undo()
    window.conversation_opened.emit(first.id)  # the owner tries again once the server answers
    qtbot.waitUntil(lambda: window.opened_conversation() is not None, timeout=5000)

    monkeypatch.setattr(repository, "conversations", out_of_reach)
    window.statusBar().clearMessage()
    window.navigation.setCurrentIndex(
        window.navigation_model.index(window.navigation_model.row_for_view(InboxView.ALL))
    )  # its first page is read on the task runner
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == str(problem), timeout=5000)
    assert window.inbox_model.rowCount() == 0
    assert window.inbox.updatesEnabled()  # the list before is no longer shown
    monkeypatch.undo()
    window.navigation.setCurrentIndex(
        window.navigation_model.index(window.navigation_model.row_for_view(InboxView.DONE))
    )
    window.navigation.setCurrentIndex(
        window.navigation_model.index(window.navigation_model.row_for_view(InboxView.ALL))
    )
    qtbot.waitUntil(lambda: window.inbox_model.rowCount() > 0, timeout=5000)  # read again once the server answers


def test_mark_done_with_e(inbox_app: InboxApp, qtbot: QtBot) -> None:
    inbox_app.start()
    _wait_for_rows(qtbot, inbox_app)
    window = inbox_app.window
    window.inbox.setFocus()
    qtbot.keyClick(window.inbox, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: window.pane.conversation is not None, timeout=5_000)
    chosen = window.pane.conversation
    assert chosen is not None
    qtbot.keyClick(window.inbox, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: inbox_app.core.repository.conversation(chosen.id).status is Status.DONE, timeout=5_000)
    qtbot.waitUntil(lambda: window.inbox_model.row_of(chosen.id) is None, timeout=5_000)


def test_new_mention_while_away_notifies_and_click_opens_it(
    tmp_path: Path, qtbot: QtBot, notification_stub: NotificationService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", notification_stub.address)
    core = build_core(paths_in(tmp_path), secrets=MemorySecretStore())
    core.repository.add_account(Platform.DEMO, "crumbandco", core.clock.now(), settings={"seed": 7, "backfill": 1})
    app = InboxApp(core)
    qtbot.addWidget(app.window)
    try:
        assert app.notifier.name == "freedesktop"
        app.scheduler.start(core.repository.accounts())  # polling with the window never shown: the owner is away
        qtbot.waitUntil(lambda: len(notification_stub.calls) >= 1, timeout=10_000)
        call = notification_stub.calls[0]
        assert call.app_name == "Social Inbox" and call.summary.startswith("New ")
        assert "default" in call.actions
        notification_stub.click(call.id)
        qtbot.waitUntil(lambda: app.window.pane.conversation is not None, timeout=5_000)
        assert app.window.isVisible()
    finally:
        app.shutdown()


def test_an_owner_action_does_not_wait_behind_an_attachment_download(inbox_app: InboxApp, tmp_path: Path) -> None:
    downloading, release = threading.Event(), threading.Event()

    def slow_fetch(_message: object, _index: int) -> tuple[str, bytes]:
        downloading.set()
        release.wait(10)  # megabytes on a slow line
        return "invoice.pdf", b"%PDF"

    actions = inbox_app.attachments
    actions._fetch = slow_fetch
    actions._choose_target = lambda _parent, _suggested: str(tmp_path / "invoice.pdf")
    actions.save(None, 1, "invoice.pdf")  # type: ignore[arg-type]
    try:
        assert downloading.wait(5)
        action = inbox_app.tasks.run("mark-done", lambda: "done")  # what the owner does meanwhile
        assert action.result(timeout=3) is None, "the owner's action waited for the download"
    finally:
        release.set()


def test_the_rest_of_the_app_reads_vaders_lexicon_off_the_gui_thread(inbox_app: InboxApp, qtbot: QtBot) -> None:
    """Built: the shared analyzer is loaded by a worker, so the first complaint or tone check does not pay for it."""
    qtbot.waitUntil(lambda: inbox_app.analyzer.is_loaded, timeout=10_000)


@pytest.fixture
def before_the_rest(tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[InboxApp]:
    """The window of a paint-first start, shown, with the rest of the app not built yet; shut down afterwards."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    core = build_core(paths_in(tmp_path), secrets=MemorySecretStore())
    app = InboxApp(core, paint_first=True)
    qtbot.addWidget(app.window)
    app.window.show()
    qtbot.waitExposed(app.window)
    yield app
    app.shutdown()


def test_a_paint_first_start_warms_up_on_the_task_runner_then_builds_the_rest_here(
    before_the_rest: InboxApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = before_the_rest
    warmed_on: list[str] = []
    warm_up = app.core.warm_up
    monkeypatch.setattr(
        app.core, "warm_up", lambda modules: (warmed_on.append(threading.current_thread().name), warm_up(modules))
    )
    built: list[bool] = []
    app.build_rest_after_warm_up(then=lambda: built.append(threading.current_thread() is threading.main_thread()))
    assert not app.built  # the window is the owner's while the task runner imports the libraries
    qtbot.waitUntil(lambda: built == [True], timeout=20_000)
    assert app.built and warmed_on and warmed_on[0].startswith("socialinbox-task")
    assert "engine" in app.core.__dict__ and "client" in app.core.__dict__  # made during the warm-up


def test_the_window_gets_the_apps_icon_with_the_rest(before_the_rest: InboxApp, qtbot: QtBot) -> None:
    """The icon waits for the rest (QIcon and its SVG reader are not needed for the first paint), then is set once."""
    assert before_the_rest.window.windowIcon().isNull()
    before_the_rest.build_rest_after_warm_up(then=lambda: None)
    qtbot.waitUntil(lambda: before_the_rest.built, timeout=20_000)
    assert not before_the_rest.window.windowIcon().isNull()


def test_the_rest_is_built_and_started_on_turns_of_their_own(
    before_the_rest: InboxApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever waits meanwhile (the owner's clicks, a repaint, a timer) gets through between building the rest and
    starting it: on one turn the two froze the painted window for 60-100 ms."""
    beats: list[int] = []
    waiting = QTimer()
    waiting.setTimerType(Qt.TimerType.PreciseTimer)
    waiting.timeout.connect(lambda: beats.append(len(beats)))
    waiting.start(1)
    at: dict[str, int] = {}
    build_rest = before_the_rest.build_rest
    monkeypatch.setattr(before_the_rest, "build_rest", lambda: (build_rest(), at.setdefault("built", len(beats))))
    before_the_rest.build_rest_after_warm_up(then=lambda: at.setdefault("started", len(beats)))
    qtbot.waitUntil(lambda: "started" in at, timeout=20_000)
    waiting.stop()
    assert at["started"] > at["built"]


def test_the_status_bar_says_answering_is_on_its_way_until_the_app_is_whole(
    before_the_rest: InboxApp, qtbot: QtBot
) -> None:
    status = before_the_rest.window.statusBar()
    before_the_rest.build_rest_after_warm_up(then=lambda: before_the_rest.start(show=False))
    assert status.currentMessage() == STARTING_MESSAGE
    qtbot.waitUntil(lambda: status.currentMessage() == "", timeout=20_000)  # once built and started
    assert before_the_rest.built


def test_a_failed_warm_up_still_builds_the_rest(
    before_the_rest: InboxApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_modules: object) -> None:
        raise RuntimeError("a library failed to import")

    monkeypatch.setattr(before_the_rest.core, "warm_up", broken)
    built: list[bool] = []
    before_the_rest.build_rest_after_warm_up(then=lambda: built.append(True))
    qtbot.waitUntil(lambda: built == [True], timeout=20_000)
    assert before_the_rest.built


def test_quitting_during_the_warm_up_builds_nothing_after_it(
    before_the_rest: InboxApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    monkeypatch.setattr(before_the_rest.core, "warm_up", lambda _modules: release.wait(10))
    built: list[bool] = []
    before_the_rest.build_rest_after_warm_up(then=lambda: built.append(True))
    threading.Timer(0.2, release.set).start()
    before_the_rest.shutdown()  # waits for the warm-up, which then reports to an app that has quit
    qtbot.wait(200)
    assert not before_the_rest.built and built == []


def test_an_inbox_that_cannot_be_opened_after_the_paint_is_told_and_the_app_ends(
    before_the_rest: InboxApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[str] = []
    monkeypatch.setattr(app_module, "tell_the_inbox_cannot_open", lambda error, _parent: told.append(str(error)))
    exits: list[int] = []
    monkeypatch.setattr(QApplication, "exit", staticmethod(exits.append))

    def locked(*_args: object) -> None:
        raise StorageUnavailable(StorageProblem.LOCKED, "Another program holds the inbox. Close it and start again.")

    monkeypatch.setattr(Repository, "accounts", locked)  # another program took the file after the first screen
    started: list[bool] = []
    before_the_rest.build_rest_after_warm_up(then=lambda: started.append(True))
    qtbot.waitUntil(lambda: told != [], timeout=20_000)
    assert told == ["Another program holds the inbox. Close it and start again."]
    assert exits == [1] and started == [] and not before_the_rest.built


def test_a_conversation_chosen_while_the_rest_was_built_opens_when_it_is_there(
    before_the_rest: InboxApp, qtbot: QtBot
) -> None:
    repository, window = before_the_rest.core.repository, before_the_rest.window
    account = repository.add_account(Platform.MASTODON, "@crumbandco@shop.social", T0)  # no token: never polled
    repository.save_poll(account.id, PollResult((remote_message("m1", text="Is my order late?"),), "c"), T0)
    window.inbox_model.reload()
    qtbot.waitUntil(lambda: window.inbox_model.rowCount() == 1)
    window.inbox.setCurrentIndex(window.inbox_model.index(0))  # the owner clicks before the controller exists
    assert window.pane.conversation is None
    before_the_rest.build_rest()
    before_the_rest.start(show=False)
    qtbot.waitUntil(lambda: window.pane.conversation is not None, timeout=5000)  # its thread is read off this thread
    assert window.pane.conversation.id == window.chosen_conversation_id()  # type: ignore[union-attr]


def test_search_bar_holds_its_place_from_the_first_paint(before_the_rest: InboxApp, qtbot: QtBot) -> None:
    app = before_the_rest
    list_top = app.window.inbox.mapTo(app.window, QPoint(0, 0)).y()
    app.build_rest()
    qtbot.wait(50)
    toolbars = app.window.findChildren(QToolBar, "search-toolbar")
    assert len(toolbars) == 1 and toolbars[0].isVisible()
    assert app.answering.search.parent() is toolbars[0]
    assert app.window.inbox.mapTo(app.window, QPoint(0, 0)).y() == list_top, "the list moved when the rest came"


def test_the_reply_composer_and_the_holding_box_arrive_in_their_stand_ins_places(
    before_the_rest: InboxApp, qtbot: QtBot
) -> None:
    app = before_the_rest
    pane = app.window.pane
    assert not pane.has_composer  # the first paint shows the stand-in
    stand_in = pane._composer_slot.geometry()
    thread = pane.thread_view.geometry()
    app.window.install_composer()  # what build_rest does first
    qtbot.wait(50)
    assert pane.has_composer and pane.composer.isVisible() and not pane.composer.isEnabled()
    assert pane.composer.geometry() == stand_in, "the pane moved when the real composer took the stand-in's place"
    app.build_rest()
    qtbot.wait(50)
    assert pane.composer.height() == stand_in.height()
    assert app.clock.actions is not None and app.clock.actions.holding_box.isVisible()
    assert pane.thread_view.geometry() == thread, "the thread or the composer moved when the rest of the app came"
    assert pane.composer.receivers("2send_requested(QString)") == 1  # wired to the window, once


def test_smoke_test_flag_builds_the_app_and_exits_zero(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    result = subprocess.run(
        [sys.executable, "-m", "socialinbox", "--data-dir", str(tmp_path / "untouched"), "--smoke-test"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "smoke-test ok" in result.stdout
    assert not (tmp_path / "untouched" / "inbox.sqlite3").exists()
