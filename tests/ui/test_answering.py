"""Answering in the whole app on the demo channel: a template reply in four key presses, every action in a menu with
its key, search, mark unread, take it private end to end, and a held reply the owner sends anyway."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from socialinbox.domain import (
    HELD_PREFIX,
    OutboxState,
    Platform,
    PollResult,
    RemoteAuthor,
    RemoteMessage,
    Status,
    Visibility,
)
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.ui.app import InboxApp
from socialinbox.ui.dialogs.cheat_sheet import CheatSheet
from socialinbox.ui.dialogs.take_private_dialog import TakePrivateDialog
from socialinbox.wiring import Core, build_core

MAX_KEY_PRESSES = 5
LUCIA = RemoteAuthor("demo-user-lucia.ferraro", "lucia.ferraro", "Lucía Ferraro", 389)
RAJ = RemoteAuthor("demo-user-raj.patel", "raj.patel", "Raj Patel", 120)
KASIA = RemoteAuthor("demo-user-kasia.w", "kasia.w", "Kasia W.")


def _message(remote_id: str, author: RemoteAuthor, text: str, minutes_ago: int, core: Core) -> RemoteMessage:
    sent_at = core.clock.now() - timedelta(minutes=minutes_ago)
    return RemoteMessage(remote_id, author, f"@crumbandco {text}", sent_at, Visibility.PUBLIC)


@pytest.fixture
def core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Core]:
    """A demo shop with no simulated back-fill: the inbox holds exactly the messages each test stores."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    built = build_core(paths_in(tmp_path), secrets=MemorySecretStore())
    built.settings = dataclasses.replace(
        built.settings, shop_name="Crumb & Co.", owner_name="Mia", opening_hours="Mon-Sat 8:00-18:00"
    )
    account = built.repository.add_account(
        Platform.DEMO, "crumbandco", built.clock.now(), settings={"seed": 7, "backfill": 0, "pace_seconds": 3600.0}
    )
    built.account_id = account.id  # type: ignore[attr-defined]
    yield built


def _store(core: Core, *messages: RemoteMessage) -> list[int]:
    saved = core.repository.save_poll(core.account_id, PollResult(messages, None), core.clock.now())  # type: ignore[attr-defined]
    return [c.id for c in saved.conversations]


def _held_reply(core: Core, reason: str) -> int:
    """A conversation whose reply the outbox held back for the owner with ``reason``; its id."""
    (conversation,) = _store(core, _message("m1", RAJ, "Do you have oat milk?", 30, core))
    held = core.repository.queue_reply(conversation, "Yes we do!", core.clock.now())
    core.repository.claim_due_replies(core.clock.now())
    core.repository.mark_send_failed(held.id, HELD_PREFIX + reason, None)
    return conversation


def _start(core: Core, qtbot: QtBot) -> InboxApp:
    app = InboxApp(core)
    qtbot.addWidget(app.window)
    with qtbot.waitExposed(app.window):
        app.start()
    app.window.activateWindow()  # single-key shortcuts act in the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is app.window, timeout=5000)
    qtbot.waitUntil(lambda: app.window.inbox_model.rowCount() > 0, timeout=10_000)
    app.window.inbox.setFocus()
    return app


def _shown(qtbot: QtBot, app: InboxApp, conversation_id: int | None = None) -> None:
    """Wait for the pane to show the conversation just opened (``conversation_id``, if given): its thread is read
    on the task runner."""
    pane = app.window.pane

    def shown() -> bool:
        return pane.conversation is not None and pane.conversation.id == pane.expected_id

    qtbot.waitUntil(shown, timeout=5000)
    assert conversation_id is None or pane.conversation.id == conversation_id  # type: ignore[union-attr]


def _stop(app: InboxApp) -> None:
    """Let results still on their way land before the workers go (the real app stops its event loop first)."""
    app.scheduler.shutdown()
    for _ in range(3):
        app.tasks.run("drain", lambda: None).result(timeout=10)
        QApplication.processEvents()
    app.shutdown()


def test_a_new_user_answers_the_top_message_with_a_template_in_four_key_presses(core: Core, qtbot: QtBot) -> None:
    (top,) = _store(core, _message("m1", RAJ, "What time do you open on Saturday?", 30, core))
    app = _start(core, qtbot)
    window = app.window
    presses = 0

    def press(widget: object, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        nonlocal presses
        presses += 1
        qtbot.keyClick(widget, key, modifier)  # type: ignore[arg-type]

    try:
        press(window.inbox, Qt.Key.Key_J)  # the top conversation opens
        press(window.inbox, Qt.Key.Key_T)  # the template picker, the fitting template first, once it is shown
        picker = window.pane.composer.picker
        qtbot.waitUntil(picker.isVisible, timeout=5000)
        _shown(qtbot, app, top)
        assert picker.visible_templates()[0].shortcut == "hours"
        press(picker.query, Qt.Key.Key_Return)  # inserted, filled from the conversation and settings
        editor = window.pane.composer.editor
        assert editor.toPlainText() == "Hi Raj! We're open Mon-Sat 8:00-18:00. Hope to see you soon!"
        press(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # sent
        qtbot.waitUntil(lambda: core.repository.conversation(top).status is Status.WAITING, timeout=10_000)
        assert core.repository.messages(top)[-1].text == "Hi Raj! We're open Mon-Sat 8:00-18:00. Hope to see you soon!"
        assert presses <= MAX_KEY_PRESSES
        assert presses == 4
    finally:
        _stop(app)


def test_every_menu_action_with_a_key_names_it_in_its_tooltip_and_the_cheat_sheet(core: Core, qtbot: QtBot) -> None:
    _store(core, _message("m1", RAJ, "Hello?", 5, core))
    app = _start(core, qtbot)
    try:
        actions = app.answering.menu_actions()
        keyed = [a for a in actions if not a.shortcut().isEmpty()]
        expected = {"J", "K", "R", "E", "Return", "T", "P", "U", "/", "?"}
        assert expected <= {a.shortcut().toString() for a in keyed}
        for action in keyed:
            assert action.shortcut().toString(QKeySequence.SequenceFormat.NativeText) in action.toolTip(), action.text()
        qtbot.keyClick(app.window.inbox, Qt.Key.Key_Question)
        sheet = app.answering.dialog
        assert isinstance(sheet, CheatSheet) and sheet.isVisible()
        assert ("T", "Reply with a template") in sheet.rows and ("P", "Take it private") in sheet.rows
        sheet.reject()
    finally:
        _stop(app)


def test_slash_searches_the_inbox_and_j_skips_what_does_not_match(core: Core, qtbot: QtBot) -> None:
    ids = _store(
        core,
        _message("m1", RAJ, "Do you deliver to Leeds?", 40, core),
        _message("m2", LUCIA, "Opening hours on Sunday?", 30, core),
        RemoteMessage("m3", KASIA, "Delivery to York?", core.clock.now(), Visibility.PRIVATE, thread_key="dm:kasia.w"),
    )
    app = _start(core, qtbot)
    window = app.window
    try:
        qtbot.keyClick(window.inbox, Qt.Key.Key_Slash)
        assert app.answering.search.hasFocus()
        qtbot.keyClicks(app.answering.search, "deliver")
        assert [window.inbox_model.conversation_at(r).id for r in app.answering.search.visible_rows()] == [
            ids[0],
            ids[2],
        ]  # type: ignore[union-attr]
        qtbot.keyClick(app.answering.search, Qt.Key.Key_Return)  # to the first match
        _shown(qtbot, app, ids[0])
        qtbot.keyClick(window.inbox, Qt.Key.Key_J)  # skips Lucía, who does not match
        _shown(qtbot, app, ids[2])
        app.answering.search.setFocus()
        qtbot.keyClick(app.answering.search, Qt.Key.Key_Escape)
        assert len(app.answering.search.visible_rows()) == 3
    finally:
        _stop(app)


def test_u_marks_the_open_conversation_unread(core: Core, qtbot: QtBot) -> None:
    (conversation,) = _store(core, _message("m1", RAJ, "Hello?", 5, core))
    app = _start(core, qtbot)
    try:
        qtbot.keyClick(app.window.inbox, Qt.Key.Key_J)
        qtbot.waitUntil(lambda: core.repository.conversation(conversation).unread == 0, timeout=5000)
        qtbot.keyClick(app.window.inbox, Qt.Key.Key_U)
        qtbot.waitUntil(lambda: core.repository.conversation(conversation).unread == 1, timeout=5000)
    finally:
        _stop(app)


def test_take_it_private_end_to_end_on_the_demo_channel(core: Core, qtbot: QtBot) -> None:
    (public,) = _store(core, _message("m1", LUCIA, "My cake arrived broken, really disappointed.", 20, core))
    app = _start(core, qtbot)
    window, repository = app.window, core.repository
    try:
        qtbot.keyClick(window.inbox, Qt.Key.Key_J)
        _shown(qtbot, app, public)
        qtbot.keyClick(window.inbox, Qt.Key.Key_P)
        dialog = app.answering.cases.dialog
        assert isinstance(dialog, TakePrivateDialog) and dialog.isVisible()
        acknowledgement = "Sorry to hear this, Lucía. We've sent you a direct message and we'll put it right there."
        assert dialog.text == acknowledgement and dialog.findings.findings == ()  # it passes the public check
        dialog.ok_button.click()

        # The acknowledgement goes out in public; a private chat with the same customer opens, pre-filled.
        qtbot.waitUntil(lambda: repository.messages(public)[-1].text == acknowledgement, timeout=10_000)
        qtbot.waitUntil(lambda: window.pane.conversation is not None and window.pane.conversation.id != public)
        qtbot.waitUntil(lambda: window.pane.composer.editor.toPlainText() != "", timeout=5000)
        qtbot.waitUntil(app.answering.case_banner.isVisible, timeout=5000)
        private = window.pane.conversation
        assert private is not None and private.visibility is Visibility.PRIVATE
        assert private.contact.handle == "lucia.ferraro" and private.account_id == public_account(core)
        assert window.pane.composer.editor.toPlainText().startswith("Hi Lucía, thanks for talking to us here.")
        link = app.answering.case_banner.link_button
        qtbot.waitUntil(lambda: link.text() == "public thread with Lucía Ferraro →", timeout=5000)  # read off-thread
        assert app.answering.case_banner.isVisible()

        # The private chat is answered and done: the app offers to close the loop in public.
        window.pane.composer.send_button.click()  # a private reply: no check stands in the way
        qtbot.waitUntil(lambda: repository.conversation(private.id).status is Status.WAITING, timeout=10_000)
        window.pane.done_button.click()
        qtbot.waitUntil(lambda: app.answering.case_banner.close_loop_button.isVisible(), timeout=5000)
        app.answering.case_banner.close_loop_button.click()
        _shown(qtbot, app, public)
        assert window.pane.composer.editor.toPlainText().startswith("Glad we could sort this out, Lucía")
        qtbot.waitUntil(lambda: repository.linked_case(public).loop_closed_at is not None, timeout=5000)  # type: ignore[union-attr]
    finally:
        _stop(app)


def test_a_case_banner_never_speaks_of_the_conversation_shown_before(
    core: Core, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The banner's case is read off the GUI thread: while the next conversation's is on its way, the one before
    must not stay up, pointing to the wrong customer's chat."""
    public, other = _store(
        core,
        _message("m1", LUCIA, "My cake arrived broken, really disappointed.", 20, core),
        _message("m2", RAJ, "Do you open on Sunday?", 10, core),
    )
    core.repository.open_private_conversation(public, "dm:lucia.ferraro", core.clock.now())
    app = _start(core, qtbot)
    banner = app.answering.case_banner
    release = threading.Event()
    real = core.repository.linked_case

    def held(conversation_id: int) -> object:
        if conversation_id == other:
            release.wait(10)
        return real(conversation_id)

    try:
        app.window.conversation_opened.emit(public)
        qtbot.waitUntil(banner.isVisible, timeout=5000)
        monkeypatch.setattr(core.repository, "linked_case", held)
        app.window.conversation_opened.emit(other)
        _shown(qtbot, app, other)
        assert not banner.isVisible()  # hidden at once, not left on Lucía's case
        release.set()
    finally:
        release.set()
        _stop(app)


def public_account(core: Core) -> int:
    return int(core.account_id)  # type: ignore[attr-defined]


def test_a_private_conversation_cannot_be_taken_private(core: Core, qtbot: QtBot) -> None:
    dm = RemoteMessage("m1", RAJ, "hi", core.clock.now(), Visibility.PRIVATE, thread_key="dm:raj.patel")
    _store(core, dm)
    app = _start(core, qtbot)
    try:
        qtbot.keyClick(app.window.inbox, Qt.Key.Key_J)
        _shown(qtbot, app)
        qtbot.keyClick(app.window.inbox, Qt.Key.Key_P)
        assert app.answering.cases.dialog is None
        assert app.window.statusBar().currentMessage() == "This conversation is already private."
    finally:
        _stop(app)


def test_a_held_reply_waits_in_its_bar_until_the_owner_sends_it_anyway(core: Core, qtbot: QtBot) -> None:
    conversation = _held_reply(core, "the customer sent a new message after you wrote this.")
    repository = core.repository
    app = _start(core, qtbot)
    try:
        qtbot.keyClick(app.window.inbox, Qt.Key.Key_J)
        _shown(qtbot, app, conversation)
        bar = app.answering.held_bar
        assert bar.isVisible() and "the customer sent a new message" in bar.reason.text()
        assert not app.window.pane.retry_button.isVisible()  # held is not failed: its own bar decides
        bar.send_button.click()
        qtbot.waitUntil(lambda: repository.outbox(conversation)[0].state is OutboxState.SENT, timeout=10_000)
        qtbot.waitUntil(lambda: not bar.isVisible(), timeout=5000)
    finally:
        _stop(app)


def test_enter_opens_the_top_conversation_and_moves_to_its_thread(core: Core, qtbot: QtBot) -> None:
    (conversation,) = _store(core, _message("m1", RAJ, "Hello?", 5, core))
    app = _start(core, qtbot)
    try:
        qtbot.keyClick(app.window.inbox, Qt.Key.Key_Return)
        _shown(qtbot, app, conversation)
        qtbot.waitUntil(app.window.pane.thread_view.hasFocus, timeout=5000)
    finally:
        _stop(app)


def test_edit_takes_a_held_reply_back_into_the_composer(core: Core, qtbot: QtBot) -> None:
    conversation = _held_reply(core, "someone already answered on the platform itself.")
    repository = core.repository
    app = _start(core, qtbot)
    try:
        qtbot.keyClick(app.window.inbox, Qt.Key.Key_J)
        _shown(qtbot, app, conversation)
        app.answering.held_bar.edit_button.click()
        assert app.window.pane.composer.editor.toPlainText() == "Yes we do!"
        qtbot.waitUntil(lambda: repository.outbox(conversation) == [], timeout=5000)
        qtbot.waitUntil(lambda: not app.answering.held_bar.isVisible(), timeout=5000)
        assert app.window.pane.composer.editor.toPlainText() == "Yes we do!"  # a refresh keeps the draft
    finally:
        _stop(app)
