"""What the pages that sign in from a typed secret share (Bluesky, e-mail, Telegram): intro paragraphs, one Connect
button, and the sign-in task's round trip (busy while it runs, the outcome or a plain-words error after).

Mastodon signs in through the browser and has its own flow; it builds on ``AccountPage`` directly.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from socialinbox.domain import Account
from socialinbox.ui.dialogs.account_page import AccountPage, PageContext, explain


class FormPage(AccountPage):
    """A page whose form ends in ``connect_button``. Subclasses place the button, implement ``on_connect`` (which
    calls ``start_sign_in``) and ``clear_secret``; they may refine ``sign_in_failed`` and ``signed_in``."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.sign_in_task = 0  # the runner's id of the running sign-in; 0 while none runs
        self.connect_button = QPushButton("&Connect", self)
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(self.on_connect)

    def add_paragraph(self, text: str, *, rich: bool = False) -> QLabel:
        """A wrapped paragraph under the heading; only the page's own texts are ever ``rich``."""
        label = QLabel(text, self)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
        self.body.addWidget(label)
        return label

    def on_connect(self) -> None:
        """Override: check the form, then ``start_sign_in``."""
        raise NotImplementedError

    def clear_secret(self) -> None:
        """Override: empty the field that held the password or token, once it is stored."""
        raise NotImplementedError

    def start_sign_in(self, work: Callable[[], Account], status: str) -> None:
        """Run ``work`` off the GUI thread, keep the owner from starting it twice, and say what is happening."""
        self.sign_in_task = self.runner.run(work)
        self.connect_button.setEnabled(False)
        self.busy_changed.emit(True)
        self.show_status(status)

    def on_task_finished(self, task: int, value: object, error: object) -> None:
        if task != self.sign_in_task:
            return
        self.sign_in_task = 0
        self.connect_button.setEnabled(True)
        self.busy_changed.emit(False)
        if isinstance(error, BaseException):
            self.sign_in_failed(error)
            return
        self.signed_in(value)

    def sign_in_failed(self, error: BaseException) -> None:
        self.show_status(explain(error), error=True)

    def signed_in(self, account: object) -> None:
        self.clear_secret()
        self.finish(account)
