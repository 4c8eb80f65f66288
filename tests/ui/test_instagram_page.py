"""The Instagram page of the Add account dialog, against the fake Graph API."""

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
from socialinbox.ui.dialogs.instagram_page import InstagramPage
from socialinbox.wiring import Core
from tests.connectors.fake_facebook import OTHER_TOKEN
from tests.connectors.fake_instagram import IG_USER_ID, PAGE_ID, TOKEN, USERNAME, FakeInstagram


@pytest.fixture
def graph() -> Iterator[FakeInstagram]:
    with FakeInstagram(lambda: datetime.now(UTC)) as fake:
        yield fake


@pytest.fixture
def page(core: Core, graph: FakeInstagram, qtbot: QtBot) -> InstagramPage:
    dialog = AddAccountDialog(PageContext(core, lambda url: False))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_platform(Platform.INSTAGRAM)
    found = dialog.page_for(Platform.INSTAGRAM)
    assert isinstance(found, InstagramPage) and dialog.stack.currentWidget() is found
    found.api_base = graph.api_base
    found.dialog = dialog  # type: ignore[attr-defined]
    return found


def test_the_page_explains_the_linked_page_and_connects_with_its_token(
    page: InstagramPage, core: Core, qtbot: QtBot
) -> None:
    help_text = " ".join(label.text() for label in page.findChildren(type(page.status)))
    assert "linked to a Facebook Page" in help_text and "instagram_manage_messages" in help_text
    qtbot.keyClicks(page.token, TOKEN)
    with qtbot.waitSignal(page.dialog.account_connected, timeout=10_000) as connected:  # type: ignore[attr-defined]
        qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    account = connected.args[0]
    assert (account.platform, account.handle, account.settings["ig_user_id"]) == (
        Platform.INSTAGRAM,
        USERNAME,
        IG_USER_ID,
    )
    assert core.secrets.get(account_key(account.id)) == TOKEN and page.token.text() == ""


def test_a_page_without_a_linked_account_is_explained_on_the_page(
    page: InstagramPage, core: Core, qtbot: QtBot
) -> None:
    qtbot.keyClicks(page.token, OTHER_TOKEN)
    qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "no Instagram professional account linked" in page.status.text(), timeout=10_000)
    assert core.repository.accounts() == []


def test_reconnecting_shows_only_the_instagram_page_set_to_its_page(
    core: Core, graph: FakeInstagram, qtbot: QtBot
) -> None:
    from socialinbox.instagram_setup import connect_instagram

    account = connect_instagram(core, TOKEN, api_base=graph.api_base)
    dialog = AddAccountDialog(PageContext(core, lambda url: False), reconnect=account)
    qtbot.addWidget(dialog)
    (only,) = dialog.pages
    assert isinstance(only, InstagramPage) and only.page_name.text() == PAGE_ID and only.page_name.isReadOnly()
