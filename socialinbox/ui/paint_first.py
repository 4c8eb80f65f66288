"""What a paint-first start puts after its first paint, and when it runs (docs/performance.md, B4).

The window and its first page are shown first; ``AfterFirstPaint`` then calls the rest on the event loop's next turn.
The rest begins on the task runner, which imports ``WARM_UP_MODULES`` (``Core.warm_up``) while the painted window
stays the owner's; ``InboxApp.build_rest_after_warm_up`` builds the rest on the GUI thread once that is done.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

REST_AT_THE_LATEST_MS = 1_000  # a window that is never painted (started minimized, no compositor) still starts
WARM_UP_TASK = "warm-up"
# The core's modules that the rest of the app imports (SQLAlchemy and SQLModel, httpx, the keyring, APScheduler, the
# reply rules with their regular expressions): about 0.8 s of imports, which froze the painted window for as long
# while they ran on the GUI thread. None of them imports Qt (import-linter holds the core to that).
WARM_UP_MODULES = (
    "socialinbox.storage.repository",
    "socialinbox.sync.scheduler",
    "socialinbox.sync.outbox",
    "socialinbox.template_store",
    "socialinbox.drafts",
    "socialinbox.limits",
    "socialinbox.promises",
    "socialinbox.sync.reminders",
    "socialinbox.sync.attachments",
    *(("jeepney",) if sys.platform.startswith("linux") else ()),  # the freedesktop notifications' D-Bus library
)


class AfterFirstPaint(QObject):
    """Calls ``then`` once, on the event loop's turn after ``widget`` first painted (or after ``latest_ms``)."""

    def __init__(self, widget: QWidget, then: Callable[[], None], latest_ms: int = REST_AT_THE_LATEST_MS) -> None:
        super().__init__(widget)
        self._widget = widget
        self._then: Callable[[], None] | None = then
        widget.installEventFilter(self)
        QTimer.singleShot(latest_ms, self, self._run)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Paint and self._then is not None:
            QTimer.singleShot(0, self, self._run)  # after this paint has reached the screen, not inside it
        return False

    def _run(self) -> None:
        then, self._then = self._then, None
        if then is not None:
            self._widget.removeEventFilter(self)
            then()
