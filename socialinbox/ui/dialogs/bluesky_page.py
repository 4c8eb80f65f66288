"""The Bluesky page: handle and app password (never the main password), with how to make one with DM access."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLineEdit, QWidget

from socialinbox.bluesky_setup import APP_PASSWORD_HELP, connect_bluesky, reconnect_bluesky
from socialinbox.connectors.bluesky_session import DEFAULT_PLC, DEFAULT_SERVICE
from socialinbox.domain import Account, Platform
from socialinbox.ui.dialogs.account_page import PageContext
from socialinbox.ui.dialogs.form_page import FormPage

INTRO = "Answer mentions, replies and quotes of your shop's Bluesky account, and its direct messages."


class BlueskyPage(FormPage):
    platform = Platform.BLUESKY
    title = "Bluesky"
    blurb = "Mentions, replies, quotes and direct messages"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.plc_url = DEFAULT_PLC  # the DID directory; only tests and private networks point elsewhere
        for text in (INTRO, APP_PASSWORD_HELP):
            self.add_paragraph(text)
        form = QFormLayout()
        self.handle = QLineEdit(self)
        self.handle.setPlaceholderText("yourshop.bsky.social")
        self.handle.setAccessibleName("Bluesky handle")
        form.addRow("&Handle:", self.handle)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("abcd-efgh-ijkl-mnop")
        self.password.setAccessibleName("App password")
        self.password.returnPressed.connect(self.on_connect)
        form.addRow("&App password:", self.password)
        self.service = QLineEdit(DEFAULT_SERVICE, self)
        self.service.setAccessibleName("Bluesky server")
        self.service.setToolTip("Only change this if your account lives on your own server (PDS).")
        form.addRow("Server:", self.service)
        self.direct_messages = QCheckBox("Bring in direct messages too", self)
        self.direct_messages.setChecked(True)
        form.addRow("", self.direct_messages)
        self.body.addLayout(form)
        self.body.addWidget(self.connect_button)

    def set_reconnect(self, account: Account | None) -> None:
        super().set_reconnect(account)
        self.handle.setReadOnly(account is not None)
        self.service.setReadOnly(account is not None)
        if account is not None:
            self.handle.setText(account.handle)
            self.show_status(f"Enter a new app password for {account.handle}. Your conversations are kept.")

    def on_connect(self) -> None:
        handle, password = self.handle.text().strip(), self.password.text().strip()
        if not handle or not password:
            self.show_status("Enter your handle and an app password first.", error=True)
            return
        core, account = self.context.core, self.reconnecting
        service, dms = self.service.text().strip() or DEFAULT_SERVICE, self.direct_messages.isChecked()
        plc = self.plc_url

        def work() -> Account:
            if account is not None:
                return reconnect_bluesky(core, account.id, password)
            return connect_bluesky(core, handle, password, service_url=service, plc_url=plc, direct_messages=dms)

        self.start_sign_in(work, "Signing in to Bluesky…")

    def clear_secret(self) -> None:
        self.password.clear()
