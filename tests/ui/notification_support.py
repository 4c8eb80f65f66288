"""What the notification tests share: a recorder of callbacks that notes the thread each ran on, and a notifier
that keeps what it was asked to show."""

from __future__ import annotations

import threading


class Clicks:
    """Records callback calls (a click's conversation id) and whether each one ran on the GUI (main) thread."""

    def __init__(self) -> None:
        self.conversations: list[int] = []
        self.on_gui_thread: list[bool] = []

    def __call__(self, conversation_id: int) -> None:
        self.conversations.append(conversation_id)
        self.on_gui_thread.append(threading.current_thread() is threading.main_thread())


class ListNotifier:
    """Keeps each notification's title, and whether it was to make a sound."""

    name = "list"

    def __init__(self) -> None:
        self.shown: list[tuple[str, bool]] = []
        self.sound = False

    def notify(self, title: str, body: str, conversation_id: int | None = None) -> None:
        self.shown.append((title, self.sound))

    def close(self) -> None:
        """Nothing to release."""
