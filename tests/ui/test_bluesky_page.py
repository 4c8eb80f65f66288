"""The Bluesky page of the Add account dialog, against the fake Bluesky server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from socialinbox.domain import Platform
from socialinbox.secrets import account_key
from socialinbox.ui.dialogs.account_page import PageContext
from socialinbox.ui.dialogs.add_account_dialog import AddAccountDialog
from socialinbox.ui.dialogs.bluesky_page import BlueskyPage
from socialinbox.wiring import Core
from tests.connectors.fake_bluesky import FakeBluesky
from tests.connectors.fake_bluesky_model import APP_PASSWORD, SHOP_HANDLE
from tests.lexicon_contract import LexiconContract


@pytest.fixture
def fake() -> Iterator[FakeBluesky]:
    with FakeBluesky(LexiconContract.load_if_present(), lambda: datetime.now(UTC)) as server:
        yield server


@pytest.fixture
def page(core: Core, fake: FakeBluesky, qtbot: QtBot) -> BlueskyPage:
    dialog = AddAccountDialog(PageContext(core, lambda url: False))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_platform(Platform.BLUESKY)
    found = dialog.page_for(Platform.BLUESKY)
    assert isinstance(found, BlueskyPage)
    found.service.setText(fake.url)
    found.plc_url = fake.url
    found.dialog = dialog  # type: ignore[attr-defined]
    return found


def test_bluesky_page_explains_app_passwords_and_connects(page: BlueskyPage, core: Core, qtbot: QtBot) -> None:
    help_text = " ".join(label.text() for label in page.findChildren(type(page.status)))
    assert "App passwords" in help_text and "direct messages" in help_text
    qtbot.keyClicks(page.handle, SHOP_HANDLE)
    qtbot.keyClicks(page.password, APP_PASSWORD)
    assert page.password.echoMode() == page.password.EchoMode.Password
    with qtbot.waitSignal(page.dialog.account_connected, timeout=10_000) as connected:  # type: ignore[attr-defined]
        qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    account = connected.args[0]
    assert account.platform is Platform.BLUESKY and account.handle == SHOP_HANDLE
    stored = core.secrets.get(account_key(account.id))
    assert stored and APP_PASSWORD not in stored  # the session is kept, never the app password


def test_a_wrong_app_password_is_explained(page: BlueskyPage, core: Core, qtbot: QtBot) -> None:
    qtbot.keyClicks(page.handle, SHOP_HANDLE)
    qtbot.keyClicks(page.password, "wrong-pass-word-here")
    qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.connect_button.isEnabled() and bool(page.status.text()), timeout=10_000)
    assert core.repository.accounts() == []
    assert page.status.text()
