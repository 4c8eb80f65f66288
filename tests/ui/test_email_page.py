"""The e-mail page of the Add account dialog: servers found from the address, clear errors, never a stored password."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from socialinbox.domain import Platform
from socialinbox.ui.dialogs.account_page import PageContext
from socialinbox.ui.dialogs.add_account_dialog import AddAccountDialog
from socialinbox.ui.dialogs.email_page import EmailPage
from socialinbox.wiring import Core


@pytest.fixture
def page(core: Core, qtbot: QtBot) -> EmailPage:
    dialog = AddAccountDialog(PageContext(core, lambda url: False))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_platform(Platform.EMAIL)
    found = dialog.page_for(Platform.EMAIL)
    assert isinstance(found, EmailPage)
    return found


def test_a_known_provider_fills_in_its_servers(page: EmailPage, qtbot: QtBot) -> None:
    page.address.setText("crumbandco@gmail.com")
    page.on_detect()
    qtbot.waitUntil(lambda: bool(page.imap_host.text()), timeout=10_000)
    assert page.imap_host.text() == "imap.gmail.com" and page.smtp_host.text() == "smtp.gmail.com"
    assert page.imap_port.value() == 993


def test_connecting_without_a_password_says_what_is_missing(page: EmailPage, core: Core, qtbot: QtBot) -> None:
    page.address.setText("hello@shop.example")
    qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    assert "app password" in page.status.text()
    assert core.repository.accounts() == []


def test_an_unreachable_server_is_explained_and_nothing_is_stored(page: EmailPage, core: Core, qtbot: QtBot) -> None:
    page.address.setText("hello@shop.example")
    page.imap_host.setText("127.0.0.1")
    page.imap_port.setValue(1)  # nothing listens there
    page.smtp_host.setText("127.0.0.1")
    page.smtp_port.setValue(1)
    page.password.setText("app-password-123")
    qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.connect_button.isEnabled(), timeout=20_000)
    assert page.status.text() and "app-password-123" not in page.status.text()
    assert core.repository.accounts() == []
