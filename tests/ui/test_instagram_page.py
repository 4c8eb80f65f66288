"""The Instagram page of the Add account dialog, both ways in, against the fake Graph APIs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from socialinbox.domain import Platform
from socialinbox.instagram_setup import connect_instagram_login
from socialinbox.secrets import account_key
from socialinbox.ui.dialogs.account_page import PageContext
from socialinbox.ui.dialogs.add_account_dialog import AddAccountDialog
from socialinbox.ui.dialogs.instagram_page import InstagramPage
from socialinbox.wiring import Core
from tests.connectors.fake_facebook import OTHER_TOKEN
from tests.connectors.fake_instagram import IG_USER_ID, PAGE_ID, TOKEN, USERNAME, FakeInstagram
from tests.connectors.fake_instagram_login import IG_TOKEN as LOGIN_TOKEN
from tests.connectors.fake_instagram_login import FakeInstagramLogin


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
    assert "through the Facebook Page it is linked to" in help_text and "instagram_manage_messages" in help_text
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


# --- without a Facebook Page ------------------------------------------------------------------------------------


@pytest.fixture
def login_graph() -> Iterator[FakeInstagramLogin]:
    with FakeInstagramLogin(lambda: datetime.now(UTC)) as fake:
        yield fake


def test_the_page_offers_both_ways_in_plain_words_and_shows_the_chosen_ways_steps(page: InstagramPage) -> None:
    assert page.through_page.isChecked() and page.through_page.text().replace("&", "") == "Through your Facebook Page"
    assert page.without_page.text().replace("&", "").replace("\n", " ") == (
        "Instagram account without a Facebook Page: paste a token from Meta's App Dashboard"
    )
    assert page.help_labels[1].isVisible() and not page.login_help.isVisible() and page.page_name.isVisible()
    page.without_page.click()
    assert page.login_help.isVisible() and not page.help_labels[1].isVisible() and not page.page_name.isVisible()
    assert "Generate token" in page.login_help.text() and "instagram_business_manage_messages" in page.login_help.text()
    assert page.token.placeholderText().startswith("IGAA")
    page.through_page.click()
    assert page.help_labels[1].isVisible() and page.page_name.isVisible()


def test_without_a_page_a_refused_token_is_explained_and_the_right_one_connects(
    page: InstagramPage, core: Core, login_graph: FakeInstagramLogin, qtbot: QtBot
) -> None:
    page.api_base = login_graph.api_base
    page.without_page.click()
    page.token.setText("IGAAnotAtokenInstagramKnows")
    page.connect_button.click()
    qtbot.waitUntil(lambda: "Generate token" in page.status.text(), timeout=10_000)
    assert core.repository.accounts() == [] and "IGAAnotAtokenInstagramKnows" not in page.status.text()
    page.token.setText(LOGIN_TOKEN)
    with qtbot.waitSignal(page.dialog.account_connected, timeout=10_000) as connected:  # type: ignore[attr-defined]
        page.connect_button.click()
    account = connected.args[0]
    assert (account.handle, account.settings["login"], account.settings["ig_user_id"]) == (
        USERNAME,
        "instagram",
        IG_USER_ID,
    )
    assert LOGIN_TOKEN in (core.secrets.get(account_key(account.id)) or "") and page.token.text() == ""


def test_reconnecting_an_account_without_a_page_keeps_its_way_and_takes_a_new_token(
    core: Core, login_graph: FakeInstagramLogin, qtbot: QtBot
) -> None:
    account = connect_instagram_login(core, LOGIN_TOKEN, api_base=login_graph.api_base)
    dialog = AddAccountDialog(PageContext(core, lambda url: False), reconnect=account)
    dialog.show()
    qtbot.addWidget(dialog)
    only = dialog.page_for(Platform.INSTAGRAM)
    assert isinstance(only, InstagramPage) and dialog.pages == [only]
    assert only.without_page.isChecked() and not only.without_page.isEnabled() and not only.page_name.isVisible()
    qtbot.keyClicks(only.token, LOGIN_TOKEN)
    with qtbot.waitSignal(dialog.account_reconnected, timeout=10_000) as reconnected:
        qtbot.mouseClick(only.connect_button, Qt.MouseButton.LeftButton)
    assert reconnected.args[0].id == account.id
