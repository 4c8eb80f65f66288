"""A long thread opens at its newest messages; "Show earlier messages" adds earlier ones a part at a time, keeps what
the owner was reading where it was, and a reload of the open thread keeps the part the owner asked for."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from socialinbox.domain import (
    Contact,
    Conversation,
    Direction,
    Message,
    Platform,
    PollResult,
    Status,
    Visibility,
)
from socialinbox.ui import controller
from socialinbox.ui.app import InboxApp
from socialinbox.ui.views.conversation_pane import ConversationPane
from tests.fakes import T0, remote_message
from tests.ui.conftest import started_demo_app


@pytest.fixture
def app(tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[InboxApp]:
    monkeypatch.setattr(controller, "THREAD_NEWEST", 3)
    monkeypatch.setattr(controller, "THREAD_EARLIER_STEP", 4)
    started = started_demo_app(tmp_path, qtbot, monkeypatch)
    yield started
    started.shutdown()


def _store_chat(app: InboxApp, first: int, count: int, thread_key: str = "dm:long") -> Conversation:
    """Messages ``d<first>`` ... of one private chat, a minute apart, stored as one poll of the demo account; read,
    so opening it reads nothing again."""
    repository = app.core.repository
    messages = tuple(
        remote_message(f"d{n}", thread_key=thread_key, visibility=Visibility.PRIVATE, sent_at=T0 + timedelta(minutes=n))
        for n in range(first, first + count)
    )
    (conversation,) = repository.save_poll(repository.accounts()[0].id, PollResult(messages, None), T0).conversations
    return repository.mark_read(conversation.id)


def _shows(app: InboxApp, qtbot: QtBot, action: Callable[[], object], remote_ids: list[str]) -> None:
    """After ``action``, the pane comes to show exactly these messages (a thread read again meanwhile, say after
    it was marked read, may come first)."""
    shown: list[list[str]] = []
    app.window.pane.conversation_shown.connect(lambda _c, messages, _o: shown.append([m.remote_id for m in messages]))
    action()
    qtbot.waitUntil(lambda: remote_ids in shown, timeout=5000)


def _opens(app: InboxApp, conversation_id: int) -> Callable[[], None]:
    return lambda: app.window.conversation_opened.emit(conversation_id)


def test_a_long_thread_opens_at_its_newest_messages_and_shows_earlier_ones_on_request(
    app: InboxApp, qtbot: QtBot
) -> None:
    chat = _store_chat(app, 0, 10)
    pane = app.window.pane
    _shows(app, qtbot, _opens(app, chat.id), ["d7", "d8", "d9"])
    assert pane.earlier_button.isVisibleTo(pane)
    _shows(app, qtbot, pane.earlier_button.click, [f"d{n}" for n in range(3, 10)])
    assert pane.earlier_button.isVisibleTo(pane)
    _shows(app, qtbot, pane.earlier_button.click, [f"d{n}" for n in range(10)])
    assert not pane.earlier_button.isVisibleTo(pane)


def test_a_short_thread_has_no_earlier_button(app: InboxApp, qtbot: QtBot) -> None:
    chat = _store_chat(app, 0, 3)
    _shows(app, qtbot, _opens(app, chat.id), ["d0", "d1", "d2"])
    assert not app.window.pane.earlier_button.isVisibleTo(app.window.pane)


def test_a_reload_of_the_open_thread_keeps_the_part_the_owner_asked_for(app: InboxApp, qtbot: QtBot) -> None:
    chat = _store_chat(app, 0, 10)
    _shows(app, qtbot, _opens(app, chat.id), ["d7", "d8", "d9"])
    _shows(app, qtbot, app.window.pane.earlier_button.click, [f"d{n}" for n in range(3, 10)])
    newer = _store_chat(app, 10, 1)  # the customer writes again: a poll reports the conversation
    _shows(app, qtbot, lambda: app.controller.on_report_ready(newer), [f"d{n}" for n in range(4, 11)])


def test_opening_the_thread_again_starts_from_its_newest_messages(app: InboxApp, qtbot: QtBot) -> None:
    chat = _store_chat(app, 0, 10)
    other = _store_chat(app, 20, 1, thread_key="dm:other")
    _shows(app, qtbot, _opens(app, chat.id), ["d7", "d8", "d9"])
    _shows(app, qtbot, app.window.pane.earlier_button.click, [f"d{n}" for n in range(3, 10)])
    _shows(app, qtbot, _opens(app, other.id), ["d20"])
    _shows(app, qtbot, _opens(app, chat.id), ["d7", "d8", "d9"])


def test_an_earlier_request_for_a_thread_the_owner_has_left_reads_nothing(
    app: InboxApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = _store_chat(app, 0, 10)
    other = _store_chat(app, 20, 1, thread_key="dm:other")
    _shows(app, qtbot, _opens(app, chat.id), ["d7", "d8", "d9"])
    app.window.pane.expect(other.id)  # the owner has opened another one; its thread is on its way
    reads: list[int] = []
    real = app.core.repository.messages

    def messages(conversation_id: int, newest: int | None = None) -> list[Message]:
        reads.append(conversation_id)
        return real(conversation_id, newest)

    monkeypatch.setattr(app.core.repository, "messages", messages)
    app.controller.on_earlier_requested(chat.id)  # a click that reached the controller after the owner moved on
    qtbot.wait(300)  # long enough for a read on the task runner to have run
    assert reads == []


# --- the pane on its own ---------------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def _conversation() -> Conversation:
    contact = Contact(1, 1, "anna", "@anna", "Anna")
    return Conversation(1, 1, Platform.DEMO, contact, Visibility.PRIVATE, Status.NEEDS_REPLY, NOW, "…", NOW)


def _messages(first: int, last: int) -> list[Message]:
    return [
        Message(
            n,
            1,
            1,
            f"m{n}",
            Direction.INBOUND,
            "@anna",
            "Anna",
            f"Message {n}\nwith a second line",
            NOW,
            Visibility.PRIVATE,
        )
        for n in range(first, last)
    ]


@pytest.fixture
def pane(qtbot: QtBot) -> ConversationPane:
    shown = ConversationPane(lambda: NOW)
    qtbot.addWidget(shown)
    shown.resize(600, 500)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def test_earlier_messages_come_in_above_what_the_owner_is_reading(pane: ConversationPane, qtbot: QtBot) -> None:
    pane.show_conversation(_conversation(), _messages(40, 80), [], earlier=True)
    bar = pane.thread_view.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum() // 3)
    below = bar.maximum() - bar.value()
    requested: list[int] = []
    pane.earlier_requested.connect(requested.append)
    pane.earlier_button.click()
    assert requested == [1]
    pane.show_conversation(_conversation(), _messages(0, 80), [], earlier=False)
    assert abs((bar.maximum() - bar.value()) - below) <= 2
    assert not pane.earlier_button.isVisibleTo(pane)


def test_a_reload_without_an_earlier_request_keeps_the_scroll_position(pane: ConversationPane) -> None:
    pane.show_conversation(_conversation(), _messages(40, 80), [], earlier=True)
    bar = pane.thread_view.verticalScrollBar()
    bar.setValue(bar.maximum() // 3)
    value = bar.value()
    pane.show_conversation(_conversation(), _messages(40, 81), [], earlier=True)  # a new message at the bottom
    assert bar.value() == value


def test_a_reload_that_comes_before_the_earlier_messages_does_not_use_up_the_request(pane: ConversationPane) -> None:
    pane.show_conversation(_conversation(), _messages(40, 80), [], earlier=True)
    bar = pane.thread_view.verticalScrollBar()
    bar.setValue(bar.maximum() // 3)
    pane.earlier_button.click()
    pane.show_conversation(_conversation(), _messages(40, 80), [], earlier=True)  # read before the click was
    below = bar.maximum() - bar.value()
    pane.show_conversation(_conversation(), _messages(0, 80), [], earlier=False)
    assert abs((bar.maximum() - bar.value()) - below) <= 2
