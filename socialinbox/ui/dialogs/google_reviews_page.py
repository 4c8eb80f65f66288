"""The Google reviews page: the owner's own "Desktop app" OAuth client (where to make it, and that Google must approve
the Business Profile API first), which location, then the sign-in in the browser; the app takes it from there.

When the Google account manages several locations and none was named, the page lists them and keeps the finished
sign-in in memory, so naming one connects it without a second trip to the browser.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget

from socialinbox.accounts_setup import SetupError
from socialinbox.connectors.base import ConnectorError
from socialinbox.domain import Account, Platform
from socialinbox.google_reviews_setup import (
    APPROVAL_NOTE,
    CLIENT_HELP,
    ONE_REPLY_NOTE,
    ChooseLocation,
    Endpoints,
    begin_google_sign_in,
    connect_google_reviews,
    reconnect_google_reviews,
)
from socialinbox.ui.dialogs.account_page import PageContext, explain
from socialinbox.ui.dialogs.browser_sign_in_page import BrowserSignInPage
from socialinbox.wiring import Core

INTRO = (
    "Answer the reviews of your shop's Google Business Profile. Each location is connected as an account of its own."
)


class _SignedIn(Exception):
    """A sign-in that finished but could not be connected yet: the owner has to name the location first."""

    def __init__(self, choose: ChooseLocation, token: str) -> None:
        super().__init__(str(choose))
        self.choose = choose
        self.token = token


class GoogleReviewsPage(BrowserSignInPage):
    platform = Platform.GOOGLE_REVIEWS
    title = "Google reviews"
    blurb = "Reviews of your Business Profile, and your replies"
    site = "Google"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.endpoints = Endpoints()  # where Google is; only tests point elsewhere
        self._signed_in: tuple[str, str] | None = None  # (client id, sign-in) kept while a location is chosen
        for text in (INTRO, CLIENT_HELP, APPROVAL_NOTE, ONE_REPLY_NOTE):
            self.add_paragraph(text)
        form = QFormLayout()
        self.client_id = self._field("Client ID of your Desktop app OAuth client", "…apps.googleusercontent.com")
        form.addRow("Client &ID:", self.client_id)
        self.client_secret = self._field("Client secret", "GOCSPX-…")
        self.client_secret.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Client &secret:", self.client_secret)
        self.location = self._field("Location", "only if the account manages several locations")
        form.addRow("&Location:", self.location)
        self.body.addLayout(form)
        self.add_sign_in_row()

    def _field(self, name: str, placeholder: str) -> QLineEdit:
        field = QLineEdit(self)
        field.setAccessibleName(name)
        field.setPlaceholderText(placeholder)
        field.returnPressed.connect(self.on_connect)
        return field

    def set_reconnect(self, account: Account | None) -> None:
        super().set_reconnect(account)
        self.location.setReadOnly(account is not None)
        if account is not None:
            self.client_id.setText(str(account.settings.get("client_id") or ""))
            self.location.setText(str(account.settings.get("location_title") or account.handle))
            self.show_status(f"Sign in to Google again for {account.handle}. Your conversations are kept.")

    def on_connect(self) -> None:
        client_id, location = self.client_id.text().strip(), self.location.text().strip() or None
        kept = self._signed_in
        if kept is not None and kept[0] == client_id and location and self.reconnecting is None:
            self._signed_in = None
            core, endpoints, token = self.context.core, self.endpoints, kept[1]
            self.start_sign_in(lambda: self._connect(core, client_id, token, location, endpoints), "Connecting…")
            return
        secret = self.client_secret.text().strip()
        if not client_id or not secret:
            self.show_status("Paste the client id and the client secret of your OAuth client first.", error=True)
            return
        self._start_browser_sign_in(client_id, secret, location)

    def _start_browser_sign_in(self, client_id: str, secret: str, location: str | None) -> None:
        self.stop()
        self._signed_in = None
        core, account, endpoints = self.context.core, self.reconnecting, self.endpoints
        try:  # only binds a local port: no network yet, so the GUI thread may do it
            sign_in = begin_google_sign_in(core, client_id, secret, endpoints)
        except (SetupError, ConnectorError) as error:
            self.show_status(explain(error), error=True)
            return

        def work() -> Account:
            token = sign_in.token_from_browser()
            if account is not None:
                return reconnect_google_reviews(core, account.id, token, client_id=client_id)
            return self._connect(core, client_id, token, location, endpoints)

        self.wait_for_browser(sign_in, work)

    @staticmethod
    def _connect(core: Core, client_id: str, token: str, location: str | None, endpoints: Endpoints) -> Account:
        """On the worker: connect the location, or hand the finished sign-in back to wait for the owner's choice."""
        try:
            return connect_google_reviews(core, client_id, token, location=location, endpoints=endpoints)
        except ChooseLocation as choose:
            raise _SignedIn(choose, token) from None

    def sign_in_failed(self, error: BaseException) -> None:
        if isinstance(error, _SignedIn):
            self.stop()
            self._signed_in = (self.client_id.text().strip(), error.token)
            self.show_status(f"{error.choose} Type it under Location, then press the button again.", error=True)
            self.location.setFocus()
            return
        super().sign_in_failed(error)

    def clear_secret(self) -> None:
        self.client_secret.clear()
        self._signed_in = None
