"""What a paint-first start puts after its first paint, and when it runs (docs/performance.md, B4).

The window and its first page are shown first; ``AfterFirstPaint`` then calls the rest on the event loop's next turn.
The rest begins on the task runner, which imports ``WARM_UP_MODULES`` (``Core.warm_up``) and ``WARM_UP_GUI_MODULES``
while the painted window stays the owner's (``warm_up_the_rest``); ``InboxApp.build_rest_after_warm_up`` then builds
the rest on the GUI thread and starts it, each step on a later turn of the event loop (``on_a_later_turn``).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from socialinbox.wiring import Core

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
# The rest's own GUI modules, imported on the task runner too, after the core's: importing them defines classes and
# makes no Qt object (none makes one at import), and on the GUI thread they were 40-70 ms of the turn that builds
# the rest, the longest freeze of the painted window.
WARM_UP_GUI_MODULES = (
    "socialinbox.ui.accounts_controller",
    "socialinbox.ui.answering",
    "socialinbox.ui.attachment_actions",
    "socialinbox.ui.clock",
    "socialinbox.ui.controller",
    "socialinbox.ui.desktop_features",
    "socialinbox.ui.notification_policy",
    "socialinbox.ui.notifications",
    "socialinbox.ui.tray",
)


def warm_up_the_rest(core: Core) -> None:
    """What the task runner does while the painted window stays the owner's: the core's libraries and the objects
    they make (``Core.warm_up``), then the rest's GUI modules."""
    core.warm_up(WARM_UP_MODULES)
    for module in WARM_UP_GUI_MODULES:
        importlib.import_module(module)


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
            on_a_later_turn(self, self._run)  # after this paint has reached the screen, not inside it
        return False

    def _run(self) -> None:
        then, self._then = self._then, None
        if then is not None:
            self._widget.removeEventFilter(self)
            then()


def on_a_later_turn(context: QObject, step: Callable[[], None]) -> None:
    """Run ``step`` on a later turn of the event loop (not at all once ``context`` is deleted), after the input,
    paints and timers already waiting. A 1 ms timer, not 0: Qt runs a call posted with 0 in the same pass as the one
    that posted it, before any of them. Each step of a paint-first start waits so; on one turn, building the rest and
    starting it froze the painted window for 60-100 ms (docs/performance.md, B4)."""
    QTimer.singleShot(1, context, step)
