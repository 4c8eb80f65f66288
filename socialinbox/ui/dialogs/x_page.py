"""The X page: the client id of the owner's own developer app (with where to make one, which callback to register
and what X charges), then the sign-in in the browser; the app takes it from there."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget

from socialinbox.accounts_setup import SetupError
from socialinbox.connectors.base import ConnectorError
from socialinbox.domain import Account, Platform
from socialinbox.ui.dialogs.account_page import PageContext, explain
from socialinbox.ui.dialogs.browser_sign_in_page import BrowserSignInPage
from socialinbox.x_setup import CLIENT_ID_HELP, COST_NOTE, begin_x_sign_in, connect_x, reconnect_x

INTRO = "Answer the posts that mention your shop's X account (replies to your posts too), and its direct messages."


class XPage(BrowserSignInPage):
    platform = Platform.X
    title = "X (Twitter)"
    blurb = "Mentions, replies and direct messages"
    site = "X"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.api_base: str | None = None  # the X API's address; only tests point elsewhere
        self.port: int | None = None  # the callback's port; only tests move it from the one X was told
        for text in (INTRO, CLIENT_ID_HELP, COST_NOTE):
            self.add_paragraph(text)
        form = QFormLayout()
        self.client_id = QLineEdit(self)
        self.client_id.setPlaceholderText("OAuth 2.0 Client ID, e.g. M1M5R3BMVy13QmpScXkzTUt5ME46MTpjaQ")
        self.client_id.setAccessibleName("Client ID of your X developer app")
        self.client_id.returnPressed.connect(self.on_connect)
        form.addRow("&Client ID:", self.client_id)
        self.body.addLayout(form)
        self.add_sign_in_row()

    def set_reconnect(self, account: Account | None) -> None:
        super().set_reconnect(account)
        if account is not None:
            self.client_id.setText(str(account.settings.get("client_id") or ""))
            self.show_status(f"Sign in to X again as {account.handle}. Your conversations are kept.")

    def on_connect(self) -> None:
        client_id = self.client_id.text().strip()
        if not client_id:
            self.show_status("Paste the client id of your X developer app first.", error=True)
            return
        self.stop()
        core, account = self.context.core, self.reconnecting
        api_base = self.api_base or (str(account.settings.get("api_base") or "") if account else "") or None
        try:  # only binds the local callback port: no network yet, so the GUI thread may do it
            sign_in = begin_x_sign_in(core, client_id, api_base=api_base, port=self.port)
        except (SetupError, ConnectorError) as error:
            self.show_status(explain(error), error=True)
            return

        def work() -> Account:
            token = sign_in.token_from_browser()
            if account is not None:
                return reconnect_x(core, account.id, token, client_id=client_id)
            return connect_x(core, client_id, token, api_base=api_base)

        self.wait_for_browser(sign_in, work)

    def clear_secret(self) -> None:
        """Nothing secret is typed here: the client id is public, and the sign-in went straight to the keyring."""
