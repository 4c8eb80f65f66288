"""The X page of the Add account dialog, against the fake X API; the "browser" follows the consent page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from socialinbox.domain import Platform
from socialinbox.secrets import account_key
from socialinbox.ui.dialogs.account_page import PageContext
from socialinbox.ui.dialogs.add_account_dialog import AddAccountDialog
from socialinbox.ui.dialogs.x_page import XPage
from socialinbox.wiring import Core
from tests.connectors.fake_x import CLIENT_ID, SHOP_ID, FakeX


@pytest.fixture
def fake() -> Iterator[FakeX]:
    with FakeX(lambda: datetime.now(UTC)) as server:
        yield server


def open_in_test_browser(url: str) -> bool:
    def visit() -> None:
        with httpx.Client(trust_env=False, follow_redirects=True, timeout=5) as browser:
            browser.get(url)

    threading.Thread(target=visit, daemon=True).start()
    return True


def x_page(core: Core, fake: FakeX, qtbot: QtBot, open_url=open_in_test_browser) -> XPage:
    dialog = AddAccountDialog(PageContext(core, open_url))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_platform(Platform.X)
    page = dialog.page_for(Platform.X)
    assert isinstance(page, XPage)
    page.api_base, page.port = fake.api_base, 0
    page.dialog = dialog  # type: ignore[attr-defined]
    return page


def test_the_page_explains_the_developer_app_the_callback_and_the_cost(core: Core, fake: FakeX, qtbot: QtBot) -> None:
    page = x_page(core, fake, qtbot)
    text = " ".join(label.text() for label in page.findChildren(type(page.status)))
    assert "developer.x.com" in text and "http://127.0.0.1:53682/callback" in text and "Native App" in text
    assert "$0.005" in text and "per reply" in text


def test_signing_in_in_the_browser_connects_the_account(core: Core, fake: FakeX, qtbot: QtBot) -> None:
    page = x_page(core, fake, qtbot)
    qtbot.keyClicks(page.client_id, CLIENT_ID)
    with qtbot.waitSignal(page.dialog.account_connected, timeout=10_000) as connected:  # type: ignore[attr-defined]
        qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    account = connected.args[0]
    assert (account.platform, account.settings["user_id"], account.settings["client_id"]) == (
        Platform.X,
        SHOP_ID,
        CLIENT_ID,
    )
    assert core.secrets.get(account_key(account.id))


def test_cancelling_a_waiting_sign_in_says_so_and_adds_nothing(core: Core, fake: FakeX, qtbot: QtBot) -> None:
    page = x_page(core, fake, qtbot, open_url=lambda url: False)
    page.client_id.setText(CLIENT_ID)
    qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    assert "Open this address yourself" in page.status.text() and page.cancel_button.isVisible()
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "stopped" in page.status.text(), timeout=10_000)
    assert core.repository.accounts() == [] and page.connect_button.isEnabled()


def test_an_empty_client_id_is_asked_for(core: Core, fake: FakeX, qtbot: QtBot) -> None:
    page = x_page(core, fake, qtbot)
    qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    assert "client id" in page.status.text() and fake.traffic == []
