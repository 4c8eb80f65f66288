"""Choosing a list in the left column: its first page is read away from the GUI thread, and the list keeps its last
picture for the moment that takes rather than flash empty, never longer than ``LIST_PICTURE_HELD_MS``."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from socialinbox.domain import Platform, PollResult
from socialinbox.storage.paging import InboxView
from socialinbox.ui.inbox_sources import inbox_sources
from socialinbox.ui.main_window import LIST_PICTURE_HELD_MS, READING_LIST_MESSAGE, MainWindow
from tests.fakes import T0, make_repository, remote_message
from tests.ui.test_inbox_model import HeldReader


def shown_window(tmp_path: Path, qtbot: QtBot) -> tuple[MainWindow, HeldReader]:
    repository = make_repository(tmp_path)
    account = repository.add_account(Platform.MASTODON, "@shop", T0)
    repository.save_poll(account.id, PollResult((remote_message("a"), remote_message("b")), "c"), T0)
    window = MainWindow(inbox_sources(lambda: repository), lambda: T0)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    reads = HeldReader()
    window.inbox_model.read_pages_with(reads)  # as the controller does once the app is built
    return window, reads


def choose(window: MainWindow, view: InboxView) -> None:
    window.navigation.setCurrentIndex(window.navigation_model.index(window.navigation_model.row_for_view(view)))


def test_a_chosen_list_keeps_its_last_picture_until_its_first_page_is_in(tmp_path: Path, qtbot: QtBot) -> None:
    window, reads = shown_window(tmp_path, qtbot)
    assert window.inbox_model.rowCount() == 2 and window.inbox.updatesEnabled()

    choose(window, InboxView.ALL)
    assert len(reads.waiting) == 1  # read away from the GUI thread
    assert window.inbox_model.rowCount() == 0  # a click or a key meanwhile lands on nothing of "Needs reply"
    assert not window.inbox.updatesEnabled()  # the picture of "Needs reply" stays meanwhile

    reads.run_all()
    assert window.inbox_model.rowCount() == 2 and window.inbox.updatesEnabled()


def test_a_first_page_that_does_not_come_lets_the_empty_list_show(tmp_path: Path, qtbot: QtBot) -> None:
    window, reads = shown_window(tmp_path, qtbot)
    choose(window, InboxView.ALL)
    assert not window.inbox.updatesEnabled()

    assert window.statusBar().currentMessage() == ""  # a page that comes in time says nothing

    qtbot.waitUntil(window.inbox.updatesEnabled, timeout=LIST_PICTURE_HELD_MS * 10)  # a slow team server
    assert window.inbox_model.rowCount() == 0 and len(reads.waiting) == 1
    assert window.statusBar().currentMessage() == READING_LIST_MESSAGE  # the empty list is not "nothing here"
    reads.run_all()  # when it does come, it is shown
    assert window.inbox_model.rowCount() == 2 and window.inbox.updatesEnabled()
    assert window.statusBar().currentMessage() == ""


def test_a_first_page_the_database_cannot_give_leaves_its_problem_in_the_status_bar(
    tmp_path: Path, qtbot: QtBot
) -> None:
    window, reads = shown_window(tmp_path, qtbot)
    choose(window, InboxView.ALL)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == READING_LIST_MESSAGE, timeout=3000)
    _read, deliver = reads.waiting.pop()
    deliver(None, "Social Inbox cannot reach the team's database server.")
    assert window.statusBar().currentMessage() == "Social Inbox cannot reach the team's database server."
    assert window.inbox.updatesEnabled() and window.inbox_model.rowCount() == 0
