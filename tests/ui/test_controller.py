"""The inbox controller opens a conversation by reading its thread on the task runner: never on the GUI thread (a
team's database is a server away), never showing a thread the owner has already moved on from, and never letting an
action meant for the conversation being opened hit the one still shown. Scrolling reads the list's next page there
too."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex
from pytestqt.qtbot import QtBot

from socialinbox.domain import Conversation, DeliveryReport, Message, OutboxItem, OutboxState
from socialinbox.storage.paging import PageAfter
from socialinbox.storage.problems import StorageProblem, StorageUnavailable
from socialinbox.ui.app import InboxApp
from tests.ui.conftest import started_demo_app


@pytest.fixture
def app(tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[InboxApp]:
    started = started_demo_app(tmp_path, qtbot, monkeypatch, rows=2)
    yield started
    started.shutdown()


class HeldReads:
    """Wraps the repository's ``messages``: notes the thread each read ran on, and holds the reads of one
    conversation until released."""

    def __init__(self, app: InboxApp, monkeypatch: pytest.MonkeyPatch) -> None:
        self.threads: list[threading.Thread] = []
        self.held: int | None = None
        self.release = threading.Event()
        real = app.core.repository.messages

        def messages(conversation_id: int, newest: int | None = None) -> list[Message]:
            self.threads.append(threading.current_thread())
            if conversation_id == self.held:
                self.release.wait(10)
            return real(conversation_id, newest)

        monkeypatch.setattr(app.core.repository, "messages", messages)


def _two(app: InboxApp) -> tuple[Conversation, Conversation]:
    first, second = (app.window.inbox_model.conversation_at(row) for row in (0, 1))
    assert first is not None and second is not None
    return first, second


def _shown_ids(app: InboxApp) -> list[int | None]:
    shown: list[int | None] = []
    app.window.pane.conversation_shown.connect(lambda c, _m, _o: shown.append(c.id if c is not None else None))
    return shown


def test_opening_reads_the_thread_off_the_gui_thread(
    app: InboxApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = HeldReads(app, monkeypatch)
    first, _ = _two(app)
    app.window.conversation_opened.emit(first.id)
    assert app.window.pane.expected_id == first.id
    qtbot.waitUntil(lambda: app.window.opened_conversation() is not None, timeout=5000)
    assert app.window.pane.conversation is not None and app.window.pane.conversation.id == first.id
    assert reads.threads and threading.main_thread() not in reads.threads


def test_a_thread_read_after_the_owner_moved_on_is_never_shown(
    app: InboxApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = HeldReads(app, monkeypatch)
    first, second = _two(app)
    shown = _shown_ids(app)
    reads.held = first.id
    app.window.conversation_opened.emit(first.id)  # its read waits on the task runner
    app.window.conversation_opened.emit(second.id)  # the owner moves on before it comes
    reads.release.set()
    qtbot.waitUntil(lambda: app.window.opened_conversation() is not None, timeout=5000)
    assert app.window.pane.conversation.id == second.id  # type: ignore[union-attr]
    assert first.id not in shown


def test_done_while_a_conversation_opens_does_not_hit_the_one_still_shown(
    app: InboxApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = HeldReads(app, monkeypatch)
    first, second = _two(app)
    app.window.conversation_opened.emit(first.id)
    qtbot.waitUntil(lambda: app.window.opened_conversation() is not None, timeout=5000)
    done: list[int] = []
    app.window.done_requested.connect(done.append)
    reads.held = second.id
    app.window.conversation_opened.emit(second.id)
    app.window.on_done()  # E, pressed before the second one's thread came: the first is still on screen
    assert done == [] and app.window.opened_conversation() is None
    reads.release.set()
    qtbot.waitUntil(lambda: app.window.opened_conversation() is not None, timeout=5000)
    app.window.on_done()
    assert done == [second.id]


def test_an_unread_conversation_is_marked_read_once_its_thread_is_shown(app: InboxApp, qtbot: QtBot) -> None:
    repository = app.core.repository
    unread = next(c for c in repository.conversations(limit=100) if c.unread)
    app.window.conversation_opened.emit(unread.id)
    qtbot.waitUntil(lambda: repository.conversation(unread.id).unread == 0, timeout=5000)
    assert app.window.pane.conversation is not None and app.window.pane.conversation.id == unread.id


class ScrolledList:
    """A list of 250 conversations (copies of a demo one) whose pages note the thread that read them, and fail
    while ``reachable`` is False."""

    def __init__(self, model_row: Conversation) -> None:
        start = model_row.last_message_at
        self.rows = [
            dataclasses.replace(model_row, id=10_000 + n, last_message_at=start - timedelta(minutes=n))
            for n in range(250)
        ]
        self.threads: list[threading.Thread] = []
        self.reachable = True

    def fetch_page(self, after: PageAfter | None, limit: int) -> list[Conversation]:
        self.threads.append(threading.current_thread())
        if not self.reachable:
            raise StorageUnavailable(StorageProblem.SERVER_UNREACHABLE, "The team's database does not answer.")
        first = 0 if after is None else next(n for n, c in enumerate(self.rows) if c.id == after.id) + 1
        return self.rows[first : first + limit]


def test_scrolling_reads_the_next_page_off_the_gui_thread_and_tells_a_page_the_database_cannot_give(
    app: InboxApp, qtbot: QtBot
) -> None:
    model = app.window.inbox_model
    first, _ = _two(app)
    rows = ScrolledList(first)
    model.set_source(rows.fetch_page, lambda c: PageAfter(c.last_message_at, c.id), lambda c: (c.id,), lambda _c: True)
    assert model.rowCount() == 0  # the chosen list's first page is not read on the GUI thread either
    qtbot.waitUntil(lambda: model.rowCount() == 100, timeout=5000)

    model.fetchMore(QModelIndex())
    assert model.rowCount() == 100  # not read on the GUI thread
    qtbot.waitUntil(lambda: model.rowCount() == 200, timeout=5000)
    assert len(rows.threads) == 2 and threading.main_thread() not in rows.threads

    rows.reachable = False
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: app.window.statusBar().currentMessage() == "The team's database does not answer.")
    assert model.rowCount() == 200 and model.canFetchMore(QModelIndex())  # kept, and asked for again on a scroll
    rows.reachable = True
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.rowCount() == 250, timeout=5000)


def test_a_chat_that_joined_the_customers_earlier_chat_leaves_the_list_and_the_pane_shows_that_one(
    app: InboxApp, qtbot: QtBot
) -> None:
    """Sending the first message of a chat taken private can join it into the customer's earlier Messenger chat
    (``Repository.mark_sent``): the report names the chat gone."""
    taken, earlier = _two(app)
    app.window.select_conversation(taken.id)
    qtbot.waitUntil(lambda: app.window.opened_conversation() is not None, timeout=5000)
    sent = OutboxItem(1, earlier.id, earlier.account_id, "So sorry!", OutboxState.SENT, 1, earlier.last_message_at, "k")
    app.bridge.report_ready.emit(DeliveryReport(sent, earlier, None, joined_id=taken.id))  # handled at once here

    # Checked at once: the demo shop's next poll may bring the (here only pretended) joined chat back.
    assert app.window.inbox_model.row_of(taken.id) is None
    assert app.window.pane.expected_id == earlier.id
    qtbot.waitUntil(lambda: app.window.pane.conversation is not None and app.window.pane.conversation.id == earlier.id)
