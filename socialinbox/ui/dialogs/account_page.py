"""What every platform's page in the "Add account" dialog shares: the page base class and the runner that does
set-up work (network calls, waiting for the browser) off the GUI thread.

A page is a widget for one platform. It signs in (or reconnects one account), then emits ``connected`` or
``reconnected`` with the stored ``Account``. To add a platform, write a page and list it in ``PAGES`` in
``add_account_dialog.py``; a page that signs in from a typed secret builds on ``FormPage`` (``form_page.py``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import threading
from collections.abc import Callable
from typing import ClassVar

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from socialinbox.accounts_setup import SetupError
from socialinbox.connectors.base import ConnectorError
from socialinbox.domain import Account, Platform
from socialinbox.wiring import Core

log = logging.getLogger(__name__)


def open_in_browser(url: str) -> bool:
    return QDesktopServices.openUrl(QUrl(url))


@dataclasses.dataclass
class PageContext:
    """What pages need: the core (for the set-up flows) and a way to open the browser (tests pass their own)."""

    core: Core
    open_url: Callable[[str], bool] = open_in_browser


class SetupRunner(QObject):
    """Runs each piece of set-up work on its own daemon thread (a sign-in may wait minutes for the browser).

    Signals:
        finished(int, object, object): task id, the work's value, and the exception it raised or None.
            Emitted on the worker thread; the runner lives on the GUI thread, so slots run there.
    """

    finished = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)

    def run(self, work: Callable[[], object]) -> int:
        task = next(self._ids)

        def body() -> None:
            value: object = None
            failure: BaseException | None = None
            try:
                value = work()
            except Exception as error:
                failure = error
            # RuntimeError: the dialog was closed meanwhile and nobody waits for this any more.
            with contextlib.suppress(RuntimeError):
                self.finished.emit(task, value, failure)

        threading.Thread(target=body, name=f"socialinbox-setup-{task}", daemon=True).start()
        return task


def explain(error: BaseException) -> str:
    """The owner-facing text for a failed step: the platform's or the flow's own words, else a pointer to the log."""
    if isinstance(error, SetupError | ConnectorError):
        return str(error)
    log.error("account set-up failed unexpectedly", exc_info=error)
    return f"Something went wrong ({type(error).__name__}); the details are in the log."


class AccountPage(QWidget):
    """One platform's page. Subclasses set the class attributes and build their form under ``self.body``.

    Signals:
        connected(object): a new Account was added.
        reconnected(object): the Account being reconnected signed in again.
        busy_changed(bool): work is running (the dialog keeps the owner from switching pages meanwhile).
    """

    platform: ClassVar[Platform]
    title: ClassVar[str]
    blurb: ClassVar[str]  # one line under the name in the dialog's list

    connected = Signal(object)
    reconnected = Signal(object)
    busy_changed = Signal(bool)

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.reconnecting: Account | None = None
        self.runner = SetupRunner(self)
        self.runner.finished.connect(self.on_task_finished)
        layout = QVBoxLayout(self)
        heading = QLabel(f"<h2>{self.title}</h2>", self)
        heading.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(heading)
        self.body = QVBoxLayout()
        layout.addLayout(self.body)
        layout.addStretch(1)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # errors quote servers: never render them as markup
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setAccessibleName("Sign-in progress")
        layout.addWidget(self.status)

    def set_reconnect(self, account: Account | None) -> None:
        """Sign ``account`` in again instead of adding a new one (None: back to adding)."""
        self.reconnecting = account

    def stop(self) -> None:
        """The dialog is closing: stop anything that waits (a browser sign-in)."""

    def on_task_finished(self, task: int, value: object, error: object) -> None:
        """Override: a runner task ended."""

    def show_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #c92a2a;" if error else "")

    def finish(self, account: object) -> None:
        """Hand the stored account to the dialog."""
        if not isinstance(account, Account):
            return
        self.show_status(f"Connected {account.label}.")
        (self.reconnected if self.reconnecting is not None else self.connected).emit(account)
