"""What every notification adapter shares: the Notifier protocol, the refusal, the hand-over of clicks to the GUI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Qt, Signal, Slot

from socialinbox.ui import INT64

APP_NAME = "Social Inbox"


class NotifierUnavailable(Exception):
    """This adapter cannot work on this machine; the chain tries the next one."""


class Notifier(Protocol):
    """Shows a notification; a click on it opens the conversation. Call notify() and close() on the GUI thread."""

    @property
    def name(self) -> str: ...  # which adapter it is, for the log and the preferences

    def notify(self, title: str, body: str, conversation_id: int | None = None) -> None: ...

    def close(self) -> None: ...


class ActivationBridge(QObject):
    """Carries a click on a notification from whichever thread noticed it to on_activated on the GUI thread.

    Create it on the GUI thread.

    Signals:
        activated(int): the notification of this conversation id was clicked. Emit it from any thread.
        done(int): "Mark done" was pressed on this conversation's notification. Emit it from any thread.
    """

    activated = Signal(INT64)
    done = Signal(INT64)

    def __init__(
        self,
        on_activated: Callable[[int], None],
        parent: QObject | None = None,
        on_done: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._callback = on_activated
        self._on_done_callback = on_done
        # Queued even on the GUI thread: a click never re-enters the code that happened to be running.
        self.activated.connect(self._on_activated, Qt.ConnectionType.QueuedConnection)
        self.done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)

    @property
    def handles_done(self) -> bool:
        return self._on_done_callback is not None

    @Slot(INT64)
    def _on_activated(self, conversation_id: int) -> None:
        self._callback(conversation_id)

    @Slot(INT64)
    def _on_done(self, conversation_id: int) -> None:
        if self._on_done_callback is not None:
            self._on_done_callback(conversation_id)
