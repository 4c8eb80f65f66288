"""The Facebook page: an access token from Meta (and which Page, when it manages several), with where to make one."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget

from socialinbox.domain import Account, Platform
from socialinbox.facebook_setup import PAGE_TOKEN_HELP, connect_facebook, reconnect_facebook
from socialinbox.ui.dialogs.account_page import PageContext
from socialinbox.ui.dialogs.form_page import FormPage

INTRO = (
    "Answer comments on your Facebook Page's posts, and its Messenger inbox. Facebook lets a Page answer a "
    "Messenger chat within 24 hours of the customer's last message."
)


class FacebookPage(FormPage):
    """Also the base of the Instagram page: an Instagram professional account signs in with its Page's token."""

    platform = Platform.FACEBOOK
    title = "Facebook Page"
    blurb = "Comments on your Page's posts, and Messenger"
    paragraphs: tuple[str, ...] = (INTRO, PAGE_TOKEN_HELP)
    checking = "Checking the token with Facebook…"
    connect_with = staticmethod(connect_facebook)
    reconnect_with = staticmethod(reconnect_facebook)

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.api_base: str | None = None  # the Graph API's address; only tests point elsewhere
        self.help_labels = [self.add_paragraph(text) for text in self.paragraphs]
        self.form = form = QFormLayout()
        self.token = QLineEdit(self)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("EAAB…")
        self.token.setAccessibleName("Access token")
        self.token.returnPressed.connect(self.on_connect)
        form.addRow("&Access token:", self.token)
        self.page_name = QLineEdit(self)
        self.page_name.setPlaceholderText("only if the token manages several Pages")
        self.page_name.setAccessibleName("Page name")
        self.page_name.returnPressed.connect(self.on_connect)
        form.addRow("&Page:", self.page_name)
        self.body.addLayout(form)
        self.body.addWidget(self.connect_button)

    def set_reconnect(self, account: Account | None) -> None:
        super().set_reconnect(account)
        self.page_name.setReadOnly(account is not None)
        if account is not None:
            self.page_name.setText(self.page_of(account))
            self.show_status(f"Paste a new access token for {account.handle}. Your conversations are kept.")

    def on_connect(self) -> None:
        token, page = self.token.text().strip(), self.page_name.text().strip() or None
        if not token:
            self.show_status("Paste your access token first.", error=True)
            return
        core, account, api_base = self.context.core, self.reconnecting, self.api_base
        connect, reconnect = self.connect_with, self.reconnect_with

        def work() -> Account:
            if account is not None:
                return reconnect(core, account.id, token)
            return connect(core, token, page=page, api_base=api_base)

        self.start_sign_in(work, self.checking)

    def page_of(self, account: Account) -> str:
        """The Page an account being reconnected signs in through (its handle is the Page's name)."""
        return account.handle

    def clear_secret(self) -> None:
        self.token.clear()
