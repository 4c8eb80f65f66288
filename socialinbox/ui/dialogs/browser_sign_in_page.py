"""What the form pages that sign in through the browser share (X, Google reviews): the sign-in button with a
cancel button beside it while the browser is out, and the status that says where the owner goes next.

Mastodon's page has a flow of its own (a code to paste where no browser can come back) on ``AccountPage``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from socialinbox.browser_sign_in import BrowserSignIn
from socialinbox.domain import Account
from socialinbox.ui.dialogs.account_page import PageContext
from socialinbox.ui.dialogs.form_page import FormPage


class BrowserSignInPage(FormPage):
    """A ``FormPage`` whose button signs in through the browser. Subclasses call ``add_sign_in_row`` after their
    form, and ``wait_for_browser`` from ``on_connect``."""

    site = ""  # who the browser opens, in the status line: "X", "Google"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._sign_in: BrowserSignIn | None = None
        self.connect_button.setText("Sign in with the &browser")
        self.cancel_button = QPushButton("Cancel sign-in", self)
        self.cancel_button.clicked.connect(self.stop)
        self.cancel_button.setVisible(False)

    def add_sign_in_row(self) -> None:
        row = QHBoxLayout()
        row.addWidget(self.connect_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        self.body.addLayout(row)

    def wait_for_browser(self, sign_in: BrowserSignIn, work: Callable[[], Account]) -> None:
        """Open the browser on ``sign_in`` (or show its address) and run ``work`` off the GUI thread, which waits
        for the browser to come back and connects the account."""
        self._sign_in = sign_in
        if self.context.open_url(sign_in.browser_url):
            status = f"Your browser opened {self.site}. Approve Social Inbox there; this window carries on by itself."
        else:
            status = f"Could not open a browser. Open this address yourself:\n{sign_in.browser_url}"
        self.start_sign_in(work, status)
        self.cancel_button.setVisible(True)

    def stop(self) -> None:
        """Close the callback listener: a sign-in waiting for the browser then ends (and says it was stopped)."""
        if self._sign_in is not None:
            self._sign_in.close()
            self._sign_in = None
        self.cancel_button.setVisible(False)

    def sign_in_failed(self, error: BaseException) -> None:
        self.stop()
        super().sign_in_failed(error)

    def signed_in(self, account: object) -> None:
        self.stop()
        super().signed_in(account)
