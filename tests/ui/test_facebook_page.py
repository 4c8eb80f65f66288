"""The Facebook page of the Add account dialog, against the fake Graph API."""

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
from socialinbox.ui.dialogs.facebook_page import FacebookPage
from socialinbox.wiring import Core
from tests.connectors.fake_facebook import PAGE_ID, PAGE_NAME, TOKEN, USER_TOKEN, FakeGraph


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph(lambda: datetime.now(UTC)) as fake:
        yield fake


@pytest.fixture
def page(core: Core, graph: FakeGraph, qtbot: QtBot) -> FacebookPage:
    dialog = AddAccountDialog(PageContext(core, lambda url: False))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_platform(Platform.FACEBOOK)
    found = dialog.page_for(Platform.FACEBOOK)
    assert isinstance(found, FacebookPage)
    found.api_base = graph.api_base
    found.dialog = dialog  # type: ignore[attr-defined]
    return found


def test_the_page_says_where_to_make_a_token_and_connects_with_it(page: FacebookPage, core: Core, qtbot: QtBot) -> None:
    help_text = " ".join(label.text() for label in page.findChildren(type(page.status)))
    assert "Graph API Explorer" in help_text and "pages_messaging" in help_text and "24 hours" in help_text
    qtbot.keyClicks(page.token, TOKEN)
    assert page.token.echoMode() == page.token.EchoMode.Password
    with qtbot.waitSignal(page.dialog.account_connected, timeout=10_000) as connected:  # type: ignore[attr-defined]
        qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    account = connected.args[0]
    assert (account.platform, account.handle, account.settings["page_id"]) == (Platform.FACEBOOK, PAGE_NAME, PAGE_ID)
    assert core.secrets.get(account_key(account.id)) == TOKEN
    assert page.token.text() == ""  # the secret does not stay in the field


def test_a_refused_token_is_explained_on_the_page(page: FacebookPage, core: Core, qtbot: QtBot) -> None:
    qtbot.keyClicks(page.token, "EAAnotAtokenAnyPageHas")
    qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Graph API Explorer" in page.status.text(), timeout=10_000)
    assert core.repository.accounts() == []


def test_a_token_that_manages_several_pages_asks_which_and_connects_the_one_named(
    page: FacebookPage, core: Core, qtbot: QtBot
) -> None:
    qtbot.keyClicks(page.token, USER_TOKEN)
    qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: f"{PAGE_NAME}, Rival Buns" in page.status.text(), timeout=10_000)
    assert core.repository.accounts() == []
    assert page.token.text() == USER_TOKEN  # kept: the owner only names the Page
    qtbot.keyClicks(page.page_name, PAGE_NAME)
    with qtbot.waitSignal(page.dialog.account_connected, timeout=10_000) as connected:  # type: ignore[attr-defined]
        qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    assert connected.args[0].settings["page_id"] == PAGE_ID
    assert core.secrets.get(account_key(connected.args[0].id)) == TOKEN  # the Page's own token, not the person's
