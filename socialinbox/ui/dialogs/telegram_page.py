"""The Telegram page: BotFather's three steps, the token, and the offer to remove a webhook that blocks polling."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from socialinbox.accounts_setup import WebhookInUse, connect_telegram, reconnect
from socialinbox.connectors.telegram import API_BASE
from socialinbox.domain import Account, Platform
from socialinbox.ui.dialogs.account_page import PageContext
from socialinbox.ui.dialogs.form_page import FormPage

INTRO = (
    "Answer customers who message your shop's Telegram bot, and those who mention it in groups. With Telegram "
    "Business, the bot can also bring in customers who write to your own Telegram account."
)
STEPS = (
    "<b>Three steps in Telegram:</b><ol>"
    "<li>Open a chat with <b>@BotFather</b> and send <b>/newbot</b> (or <b>/mybots</b> to use a bot you have).</li>"
    "<li>Give the bot a name, then a username that ends in <b>bot</b>.</li>"
    "<li>BotFather answers with a token like <tt>123456789:AAE…</tt>: copy it and paste it below.</li></ol>"
)
BUSINESS = (
    "Telegram Business (Premium): in Telegram, open Settings → Telegram Business → Chatbots and add your bot, "
    "allowing it to reply, so customers who write to you personally show up here too."
)


class TelegramPage(FormPage):
    platform = Platform.TELEGRAM
    title = "Telegram"
    blurb = "A bot's chats, group mentions and Business chats"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._token = ""  # kept while the owner decides about a webhook; cleared when done
        self.add_paragraph(INTRO)
        self.add_paragraph(STEPS, rich=True)
        form = QFormLayout()
        row = QHBoxLayout()
        self.token = QLineEdit(self)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setAccessibleName("Bot token from BotFather")
        self.token.setPlaceholderText("123456789:AAE…")
        self.token.returnPressed.connect(self.on_connect)
        reveal = QPushButton("Show", self)
        reveal.setCheckable(True)
        reveal.setToolTip("Show the token you pasted, to check it")
        reveal.toggled.connect(self._reveal)
        row.addWidget(self.token, 1)
        row.addWidget(reveal)
        row.addWidget(self.connect_button)
        label = QLabel("Bot &token:", self)
        label.setBuddy(self.token)
        form.addRow(label, row)
        self.api_base = QLineEdit(API_BASE, self)
        self.api_base.setAccessibleName("Bot API server")
        self.api_base.setToolTip("Only change this for a self-hosted Bot API server.")
        form.addRow("Bot API server:", self.api_base)
        self.body.addLayout(form)
        self.remove_webhook_button = QPushButton("&Remove the webhook and connect", self)
        self.remove_webhook_button.clicked.connect(self.on_remove_webhook)
        self.remove_webhook_button.hide()
        self.body.addWidget(self.remove_webhook_button)
        business = QLabel(BUSINESS, self)
        business.setWordWrap(True)
        business.setStyleSheet("color: palette(placeholder-text);")
        self.body.addWidget(business)

    def set_reconnect(self, account: Account | None) -> None:
        super().set_reconnect(account)
        if account is not None:
            self.api_base.setText(str(account.settings.get("api_base") or API_BASE))
            self.show_status(f"Paste the current token of {account.handle}. Your conversations are kept.")
        self.api_base.setReadOnly(account is not None)

    def on_connect(self) -> None:
        self._start(remove_webhook=False)

    def on_remove_webhook(self) -> None:
        self._start(remove_webhook=True)

    def _start(self, *, remove_webhook: bool) -> None:
        token = self.token.text().strip() or self._token
        if not token:
            self.show_status("Paste the token BotFather gave you first.", error=True)
            return
        self._token = token
        core, account, api_base = self.context.core, self.reconnecting, self.api_base.text().strip() or API_BASE

        def work() -> Account:
            if account is not None:
                return reconnect(core, account.id, token, remove_webhook=remove_webhook)
            return connect_telegram(core, token, api_base=api_base, remove_webhook=remove_webhook)

        self.remove_webhook_button.hide()
        self.start_sign_in(
            work, "Removing the webhook and checking the bot…" if remove_webhook else "Checking the bot…"
        )

    def sign_in_failed(self, error: BaseException) -> None:
        if isinstance(error, WebhookInUse):  # the token is kept for "Remove the webhook and connect"
            self.show_status(str(error), error=True)
            self.remove_webhook_button.show()
            return
        self._token = ""
        super().sign_in_failed(error)

    def clear_secret(self) -> None:
        self._token = ""
        self.token.clear()

    def _reveal(self, shown: bool) -> None:
        self.token.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
