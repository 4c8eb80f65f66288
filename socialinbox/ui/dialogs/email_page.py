"""The e-mail page: the shop's address and an app password; the servers are found from the address, or typed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from socialinbox.accounts_setup import reconnect
from socialinbox.connectors.email_imap import Security
from socialinbox.domain import Account, Platform
from socialinbox.email_setup import OAUTH_LATER, EmailServers, connect_email, servers_for
from socialinbox.ui.dialogs.account_page import PageContext, explain
from socialinbox.ui.dialogs.form_page import FormPage

INTRO = (
    "Answer customers who e-mail the shop. Social Inbox reads new mail over IMAP and sends replies over SMTP, "
    "with a copy in your Sent folder. Use an app password from your provider's security settings "
    "(Gmail, Outlook, Yahoo and iCloud require one when two-step sign-in is on)."
)


class EmailPage(FormPage):
    platform = Platform.EMAIL
    title = "E-mail"
    blurb = "Your shop's mailbox over IMAP and SMTP"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._detect_task = 0  # the runner's id of the running server look-up; 0 while none runs
        for text in (INTRO, OAUTH_LATER):
            self.add_paragraph(text)
        form = QFormLayout()
        self.address = QLineEdit(self)
        self.address.setPlaceholderText("hello@yourshop.example")
        self.address.setAccessibleName("E-mail address")
        self.address.editingFinished.connect(self.on_detect)
        form.addRow("&Address:", self.address)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("App password")
        form.addRow("App &password:", self.password)
        self.imap_host, self.imap_port, self.imap_security = self._server_row(form, "IMAP (incoming):", 993)
        self.smtp_host, self.smtp_port, self.smtp_security = self._server_row(form, "SMTP (outgoing):", 465)
        self.body.addLayout(form)
        self.body.addWidget(self.connect_button)

    def _server_row(self, form: QFormLayout, label: str, port: int) -> tuple[QLineEdit, QSpinBox, QComboBox]:
        host = QLineEdit(self)
        host.setAccessibleName(f"{label} server")
        spin = QSpinBox(self)
        spin.setRange(1, 65535)
        spin.setValue(port)
        spin.setAccessibleName(f"{label} port")
        security = QComboBox(self)
        for value, text in ((Security.TLS, "TLS"), (Security.STARTTLS, "STARTTLS")):
            security.addItem(text, value.value)
        security.setAccessibleName(f"{label} security")
        row = QHBoxLayout()
        row.addWidget(host, 1)
        row.addWidget(spin)
        row.addWidget(security)
        form.addRow(label, row)
        return host, spin, security

    def set_reconnect(self, account: Account | None) -> None:
        super().set_reconnect(account)
        for widget in (self.address, self.imap_host, self.smtp_host):
            widget.setReadOnly(account is not None)
        if account is not None:
            self.address.setText(account.handle)
            self.imap_host.setText(str(account.settings.get("imap_host", "")))
            self.smtp_host.setText(str(account.settings.get("smtp_host", "")))
            self.show_status(f"Enter the current app password of {account.handle}. Your conversations are kept.")

    def on_detect(self) -> None:
        """Fill the servers from the address (known providers, else a DNS guess), off the GUI thread."""
        address = self.address.text().strip()
        if not address or self.reconnecting is not None or self.imap_host.text().strip():
            return
        self._detect_task = self.runner.run(lambda: servers_for(address))
        self.show_status("Looking up your provider's mail servers…")

    def on_connect(self) -> None:
        password = self.password.text()
        if not self.address.text().strip() or not password:
            self.show_status("Enter the address and its app password first.", error=True)
            return
        core, account = self.context.core, self.reconnecting
        servers = self._servers()

        def work() -> Account:
            if account is not None:
                return reconnect(core, account.id, password)
            return connect_email(core, servers or servers_for(self.address.text()), password)

        self._detect_task = 0  # a look-up still running is no longer wanted: the sign-in finds its own servers
        self.start_sign_in(work, "Signing in to both servers…")

    def _servers(self) -> EmailServers | None:
        imap, smtp = self.imap_host.text().strip(), self.smtp_host.text().strip()
        if not imap or not smtp:
            return None  # found from the address in the worker
        return EmailServers(
            address=self.address.text().strip().lower(),
            imap_host=imap,
            smtp_host=smtp,
            imap_port=self.imap_port.value(),
            imap_security=Security(self.imap_security.currentData()),
            smtp_port=self.smtp_port.value(),
            smtp_security=Security(self.smtp_security.currentData()),
        )

    def on_task_finished(self, task: int, value: object, error: object) -> None:
        if task and task == self._detect_task:
            self._detect_task = 0
            self._show_detected(value, error)
            return
        super().on_task_finished(task, value, error)

    def clear_secret(self) -> None:
        self.password.clear()

    def _show_detected(self, value: object, error: object) -> None:
        if not isinstance(value, EmailServers):
            self.show_status(explain(error) if isinstance(error, BaseException) else "", error=True)
            return
        self.imap_host.setText(value.imap_host)
        self.imap_port.setValue(value.imap_port)
        self.imap_security.setCurrentIndex(max(0, self.imap_security.findData(value.imap_security.value)))
        self.smtp_host.setText(value.smtp_host)
        self.smtp_port.setValue(value.smtp_port)
        self.smtp_security.setCurrentIndex(max(0, self.smtp_security.findData(value.smtp_security.value)))
        self.show_status("Found your provider's servers. Enter the app password and connect.")
