"""The Mastodon page: type the server, approve Social Inbox in the browser, and the app takes it from there.

Where the browser cannot come back to this computer (a locked-down machine, a browser on another device), the
fallback asks the server to show a code, which the owner types here.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from socialinbox.accounts_setup import MastodonSignIn, begin_mastodon_sign_in, connect_mastodon, reconnect
from socialinbox.domain import Account, Platform
from socialinbox.ui.dialogs.account_page import AccountPage, PageContext, explain

INTRO = (
    "Sign in with your shop's Mastodon account. Social Inbox asks only to read your mentions and private mentions "
    "and to post your replies; you can revoke it any time in your Mastodon settings."
)
SERVER_HELP = "The part after the second @ of your address: for @shop@mastodon.social, type mastodon.social."


class MastodonPage(AccountPage):
    platform = Platform.MASTODON
    title = "Mastodon"
    blurb = "Mentions, replies and private mentions"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._sign_in: MastodonSignIn | None = None
        self._server_typed = ""  # read on the GUI thread; the worker must not touch widgets
        self._then_show_code = False  # the owner chose the code fallback before any sign-in had started
        self._begin_task = self._browser_task = self._code_task = 0
        intro = QLabel(INTRO, self)
        intro.setWordWrap(True)
        self.body.addWidget(intro)
        form = QFormLayout()
        self.server = QLineEdit(self)
        self.server.setPlaceholderText("mastodon.social")
        self.server.setAccessibleName("Mastodon server")
        self.server.setToolTip(SERVER_HELP)
        self.server.returnPressed.connect(lambda: self.on_sign_in())
        form.addRow("&Server:", self.server)
        hint = QLabel(SERVER_HELP, self)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(placeholder-text);")
        form.addRow("", hint)
        self.body.addLayout(form)
        buttons = QHBoxLayout()
        self.sign_in_button = QPushButton("Sign in with the &browser", self)
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(lambda: self.on_sign_in())
        self.open_again_button = QPushButton("&Open the page again", self)
        self.open_again_button.clicked.connect(self.on_open_again)
        self.cancel_button = QPushButton("Cancel sign-in", self)
        self.cancel_button.clicked.connect(self.stop)
        for button in (self.sign_in_button, self.open_again_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.body.addLayout(buttons)
        self.body.addWidget(self._fallback_box())
        self._set_waiting(False)

    def _fallback_box(self) -> QGroupBox:
        box = QGroupBox("Browser cannot come back to this app?", self)
        layout = QFormLayout(box)
        explain_code = QLabel("Get a code from your server instead and type it here.", box)
        explain_code.setWordWrap(True)
        layout.addRow(explain_code)
        self.show_code_button = QPushButton("Show me a &code", box)
        self.show_code_button.clicked.connect(self.on_show_code)
        button_row = QHBoxLayout()
        button_row.addWidget(self.show_code_button)
        button_row.addStretch(1)
        layout.addRow(button_row)
        row = QHBoxLayout()
        self.code = QLineEdit(box)
        self.code.setAccessibleName("Code from the server")
        self.code.setPlaceholderText("the code the server shows")
        self.code.returnPressed.connect(self.on_use_code)
        self.use_code_button = QPushButton("Co&nnect", box)
        self.use_code_button.clicked.connect(self.on_use_code)
        row.addWidget(self.code, 1)
        row.addWidget(self.use_code_button)
        layout.addRow("Code:", row)
        self.fallback = box
        return box

    def set_reconnect(self, account: Account | None) -> None:
        super().set_reconnect(account)
        instance = str(account.settings.get("instance_url", "")) if account else ""
        self.server.setText(instance)
        self.server.setReadOnly(account is not None)
        if account is not None:
            self.show_status(f"Sign in again as {account.handle}. Your conversations are kept.")

    # --- the owner's steps ------------------------------------------------------------------------

    def on_sign_in(self, *, then_show_code: bool = False) -> None:
        self._then_show_code = then_show_code
        server = self.server.text().strip()
        if not server:
            self.show_status("Type your Mastodon server first, for example mastodon.social.", error=True)
            return
        self.stop()
        self._server_typed = server
        force_login = True if self.reconnecting is not None else None
        core = self.context.core
        self._begin_task = self.runner.run(lambda: begin_mastodon_sign_in(core, server, force_login=force_login))
        self._busy(f"Contacting {server}…")

    def on_open_again(self) -> None:
        if self._sign_in is not None:
            self.context.open_url(self._sign_in.browser_url)

    def on_show_code(self) -> None:
        if self._sign_in is None:
            self.on_sign_in(then_show_code=True)  # the app must be registered on the server first
            return
        self.context.open_url(self._sign_in.paste_url)
        self.code.setFocus()
        self.show_status("Approve Social Inbox on the page that opened, then type the code it shows below.")

    def on_use_code(self) -> None:
        sign_in, code = self._sign_in, self.code.text().strip()
        if sign_in is None or not code:
            return
        self._browser_task = 0  # the browser wait ends now: the listener closes for the code
        self._code_task = self.runner.run(lambda: self._connect(sign_in.token_from_code(code)))
        self._busy("Checking the code…")

    def stop(self) -> None:
        """Close the listener; the browser wait then ends on its own, and its result is ignored."""
        self._browser_task = self._code_task = 0
        if self._sign_in is not None:
            self._sign_in.close()
            self._sign_in = None
        self._set_waiting(False)
        self.busy_changed.emit(False)

    # --- results ----------------------------------------------------------------------------------

    def on_task_finished(self, task: int, value: object, error: object) -> None:
        if task == self._begin_task:
            self._begin_task = 0
            if isinstance(error, BaseException):
                self._failed(error)
            elif isinstance(value, MastodonSignIn):
                self._waiting_for_browser(value)
        elif task in (self._browser_task, self._code_task) and task:
            self._browser_task = self._code_task = 0
            if isinstance(error, BaseException):
                self._failed(error)
            else:
                self._close_sign_in()
                self._set_waiting(False)
                self.busy_changed.emit(False)
                self.finish(value)

    def _waiting_for_browser(self, sign_in: MastodonSignIn) -> None:
        self._sign_in = sign_in
        self._browser_task = self.runner.run(lambda: self._connect(sign_in.token_from_browser()))
        self._set_waiting(True)
        if self._then_show_code:
            self.on_show_code()
            return
        host = sign_in.instance_url.split("://", 1)[-1]
        if self.context.open_url(sign_in.browser_url):
            self.show_status(
                f"Your browser opened {host}. Approve Social Inbox there; this window carries on by itself."
            )
        else:
            self.show_status(f"Could not open a browser. Use “Show me a code” to sign in to {host} another way.")

    def _connect(self, token: str) -> Account:
        """On the worker: store the sign-in for a new account, or for the one being reconnected."""
        if self.reconnecting is not None:
            return reconnect(self.context.core, self.reconnecting.id, token)
        return connect_mastodon(self.context.core, self._server_typed, token)

    def _failed(self, error: BaseException) -> None:
        self._close_sign_in()
        self._set_waiting(False)
        self.busy_changed.emit(False)
        self.show_status(explain(error), error=True)

    def _close_sign_in(self) -> None:
        if self._sign_in is not None:
            self._sign_in.close()
            self._sign_in = None

    def _busy(self, text: str) -> None:
        self.show_status(text)
        self.sign_in_button.setEnabled(False)
        self.busy_changed.emit(True)

    def _set_waiting(self, waiting: bool) -> None:
        self.sign_in_button.setEnabled(not waiting)
        self.server.setEnabled(not waiting)
        for widget in (self.open_again_button, self.cancel_button, self.code, self.use_code_button):
            widget.setEnabled(waiting)
        self.open_again_button.setVisible(waiting)
        self.cancel_button.setVisible(waiting)
