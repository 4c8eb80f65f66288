""" "Save attachment…" in the conversation pane: listed from the open thread, fetched and saved off the GUI thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialinbox.connectors.base import TransientError
from socialinbox.domain import Direction, Message, Visibility
from socialinbox.sync.tasks import BackgroundTasks
from socialinbox.ui.attachment_actions import AttachmentActions
from socialinbox.ui.inbox_sources import inbox_sources
from socialinbox.ui.main_window import MainWindow
from socialinbox.ui.sync_bridge import SyncBridge
from socialinbox.wiring import Core

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ANNA = "Hello, the cake arrived damaged.\n\n[attachment: Rechnung_März.pdf (3 KB)]\n[attachment: tårta.jpg (30 KB)]"


def message(n: int, text: str) -> Message:
    return Message(
        n, 1, 1, f"m{n}@example.org", Direction.INBOUND, "anna@example.org", "Anna", text,
        NOW - timedelta(hours=n), Visibility.PRIVATE,
    )  # fmt: skip


class Fetcher:
    """Stands in for the mail server: hands out bytes (or fails) and notes which thread asked."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.error: Exception | None = None

    def __call__(self, msg: Message, index: int) -> tuple[str, bytes]:
        self.threads.append(threading.current_thread())
        if self.error is not None:
            raise self.error
        return "tårta.jpg", b"\xff\xd8 photo %d" % index


class Harness:
    def __init__(self, core: Core, folder: Path) -> None:
        self.window = MainWindow(inbox_sources(lambda: core.repository), lambda: NOW)
        self.bridge = SyncBridge()
        self.tasks = BackgroundTasks(self.bridge.publish)
        self.fetcher = Fetcher()
        self.answer = str(folder / "tårta.jpg")
        self.asked: list[str] = []
        self.actions = AttachmentActions(
            self.window, self.bridge, self.tasks, self.fetcher, lambda: NOW, choose_target=self._choose
        )

    def _choose(self, parent: object, suggested: str) -> str:
        self.asked.append(suggested)
        return self.answer

    def show(self, *messages: Message) -> None:
        self.actions.on_conversation_shown(None, list(messages), [])

    def pick(self, label_start: str) -> None:
        (action,) = [a for a in self.actions.menu.actions() if a.text().startswith(label_start)]
        action.trigger()


@pytest.fixture
def harness(qtbot, core: Core, tmp_path: Path) -> Iterator[Harness]:  # type: ignore[no-untyped-def]
    built = Harness(core, tmp_path)
    qtbot.addWidget(built.window)
    yield built
    built.tasks.shutdown()


def status(harness: Harness) -> str:
    return harness.window.statusBar().currentMessage()


def test_the_button_lists_the_threads_attachments_and_hides_without_any(harness: Harness) -> None:
    harness.show(message(1, "Just a question."))
    assert harness.actions.button.isHidden()
    harness.show(message(2, ANNA), message(1, "Thanks!"))
    assert not harness.actions.button.isHidden()
    assert [a.text() for a in harness.actions.menu.actions()] == ["Rechnung_März.pdf (3 KB)", "tårta.jpg (30 KB)"]
    harness.show(message(2, ANNA), message(1, "Another one\n\n[attachment: receipt.png (12 KB)]"))
    assert harness.actions.menu.actions()[2].text().startswith("receipt.png (12 KB) · Anna, ")  # which mail


def test_saving_fetches_off_the_gui_thread_and_says_where_it_went(qtbot, harness: Harness, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    harness.show(message(2, ANNA))
    harness.pick("tårta.jpg")
    assert harness.asked[0].endswith("tårta.jpg")  # the dialog opens on the mail's own (safe) name
    qtbot.waitUntil(lambda: status(harness).startswith("Saved "), timeout=3000)
    assert (tmp_path / "tårta.jpg").read_bytes() == b"\xff\xd8 photo 2"
    assert harness.fetcher.threads and harness.fetcher.threads[0] is not threading.main_thread()


def test_a_file_that_appeared_after_the_dialog_is_kept(qtbot, harness: Harness, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    harness.show(message(2, ANNA))
    chosen = threading.Event()
    harness.tasks.run(
        "other", lambda: chosen.wait(3) and (tmp_path / "tårta.jpg").write_bytes(b"another program's file")
    )
    harness.pick("tårta.jpg")  # nothing there yet when the owner chose the name
    chosen.set()
    qtbot.waitUntil(lambda: status(harness).startswith("Saved "), timeout=3000)
    assert (tmp_path / "tårta.jpg").read_bytes() == b"another program's file"
    assert (tmp_path / "tårta (2).jpg").read_bytes() == b"\xff\xd8 photo 2"


def test_a_server_problem_is_shown_and_nothing_is_written(qtbot, harness: Harness, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    harness.fetcher.error = TransientError("Could not reach the mail server imap.example.org:993; will retry.")
    harness.show(message(2, ANNA))
    harness.pick("Rechnung")
    qtbot.waitUntil(lambda: "not saved" in status(harness), timeout=3000)
    assert "Could not reach the mail server" in status(harness)
    assert list(tmp_path.glob("*.jpg")) == []


def test_cancelling_the_dialog_fetches_nothing(harness: Harness) -> None:
    harness.answer = ""
    harness.show(message(2, ANNA))
    harness.pick("tårta.jpg")
    harness.tasks.shutdown()
    assert harness.fetcher.threads == []
