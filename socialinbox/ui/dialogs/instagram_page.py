"""The Instagram page: two ways in, chosen in plain words. Through the Facebook Page the professional account is
linked to (the Page's access token), or, for an account without a Facebook Page, a token from Meta's App Dashboard."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QRadioButton, QWidget

from socialinbox.connectors.instagram import LOGIN_INSTAGRAM
from socialinbox.domain import Account, Platform
from socialinbox.instagram_setup import (
    INSTAGRAM_TOKEN_HELP,
    LOGIN_TOKEN_HELP,
    connect_instagram,
    connect_instagram_login,
    reconnect_instagram,
)
from socialinbox.ui.dialogs.account_page import PageContext
from socialinbox.ui.dialogs.facebook_page import FacebookPage

INTRO = (
    "Answer comments on your Instagram posts and reels, and your Instagram direct messages. Your Instagram account "
    "must be a professional (business or creator) account. Instagram lets you answer a direct message within 24 "
    "hours of the customer's last message, and a comment privately within 7 days."
)
THROUGH_PAGE = "Through your &Facebook Page"
WITHOUT_PAGE = "Instagram account &without a Facebook Page:\npaste a token from Meta's App Dashboard"


class InstagramPage(FacebookPage):
    platform = Platform.INSTAGRAM
    title = "Instagram"
    blurb = "Comments on your posts, and direct messages"
    paragraphs = (INTRO, INSTAGRAM_TOKEN_HELP)
    checking = "Checking the token and the linked Instagram account…"
    connect_with = staticmethod(connect_instagram)
    reconnect_with = staticmethod(reconnect_instagram)

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.through_page = QRadioButton(THROUGH_PAGE, self)
        self.without_page = QRadioButton(WITHOUT_PAGE, self)
        self.ways = QButtonGroup(self)
        for position, button in enumerate((self.through_page, self.without_page), start=1):
            self.ways.addButton(button)
            self.body.insertWidget(position, button)  # under the introduction, above the chosen way's steps
        self.through_page.setChecked(True)
        self.login_help = self.add_paragraph(LOGIN_TOKEN_HELP)
        self.body.removeWidget(self.login_help)  # added last: it belongs where the other way's steps are
        self.body.insertWidget(self.body.indexOf(self.help_labels[1]) + 1, self.login_help)
        self.without_page.toggled.connect(self._show_way)
        self._show_way()

    def uses_page(self) -> bool:
        return not self.without_page.isChecked()

    def _show_way(self) -> None:
        page = self.uses_page()
        self.help_labels[1].setVisible(page)
        self.login_help.setVisible(not page)
        self.form.setRowVisible(self.page_name, page)
        self.token.setPlaceholderText("EAAB…" if page else "IGAA…")

    def set_reconnect(self, account: Account | None) -> None:
        if account is not None:  # the account's own way, which a reconnect cannot change
            (self.through_page if self.page_of(account) else self.without_page).setChecked(True)
        for button in (self.through_page, self.without_page):
            button.setEnabled(account is None)
        super().set_reconnect(account)

    def on_connect(self) -> None:
        if self.uses_page() or self.reconnecting is not None:  # a reconnect follows the account's settings
            super().on_connect()
            return
        token = self.token.text().strip()
        if not token:
            self.show_status("Paste your access token first.", error=True)
            return
        core, api_base = self.context.core, self.api_base
        self.start_sign_in(lambda: connect_instagram_login(core, token, api_base=api_base), "Checking the token…")

    def page_of(self, account: Account) -> str:
        if account.settings.get("login") == LOGIN_INSTAGRAM:
            return ""
        return str(account.settings.get("page_id") or "")
