"""The "Add account" dialog's pages, offscreen, against fake Mastodon and Telegram servers on loopback ports.

The browser is played by a plain HTTP client: the page "opens" the URL by handing it to the test, which follows the
server's redirect back to the app's loopback listener.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import httpx
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from socialinbox.accounts_setup import connect_mastodon
from socialinbox.domain import Health, Platform
from socialinbox.secrets import account_key
from socialinbox.ui.dialogs.account_page import AccountPage, PageContext
from socialinbox.ui.dialogs.add_account_dialog import PAGES, AddAccountDialog
from socialinbox.ui.dialogs.mastodon_page import MastodonPage
from socialinbox.ui.dialogs.telegram_page import TelegramPage
from socialinbox.wiring import Core
from tests.connectors.fake_mastodon import TOKEN, FakeMastodon, ServedMastodon
from tests.connectors.fake_telegram import TOKEN as BOT_TOKEN
from tests.connectors.fake_telegram import FakeTelegram


class Browser:
    """Records what the app asked to open; ``visit`` does what a browser would with it, off the GUI thread."""

    def __init__(self) -> None:
        self.opened: list[str] = []
        self.pages: list[httpx.Response] = []

    def open(self, url: str) -> bool:
        self.opened.append(url)
        return True

    def visit(self, url: str) -> None:
        def go() -> None:
            with httpx.Client(trust_env=False, follow_redirects=True, timeout=5) as client:
                self.pages.append(client.get(url))

        threading.Thread(target=go, daemon=True).start()


@pytest.fixture
def mastodon() -> Iterator[FakeMastodon]:
    with ServedMastodon(None) as fake:
        yield fake


@pytest.fixture
def browser() -> Browser:
    return Browser()


@pytest.fixture
def dialog(core: Core, browser: Browser, qtbot: QtBot) -> AddAccountDialog:
    built = AddAccountDialog(PageContext(core, browser.open))
    qtbot.addWidget(built)
    built.show()
    return built


def mastodon_page(dialog: AddAccountDialog) -> MastodonPage:
    page = dialog.page_for(Platform.MASTODON)
    assert isinstance(page, MastodonPage)
    return page


def test_the_dialog_lists_one_page_per_registered_platform(dialog: AddAccountDialog) -> None:
    listed = [dialog.platforms.item(row).data(Qt.ItemDataRole.UserRole) for row in range(dialog.platforms.count())]

    expected = ["mastodon", "bluesky", "telegram", "email", "facebook", "instagram", "x", "google_reviews"]
    assert listed == [page.platform.value for page in PAGES] == expected
    dialog.show_platform(Platform.TELEGRAM)
    assert dialog.stack.currentWidget() is dialog.page_for(Platform.TELEGRAM)


def test_another_platform_plugs_in_by_registering_its_page(core: Core, qtbot: QtBot) -> None:
    class DemoPage(AccountPage):  # the demo shop has no page of its own: a platform nothing has registered yet
        platform = Platform.DEMO
        title = "Demo"
        blurb = "A simulated shop"

    built = AddAccountDialog(PageContext(core), pages=(*PAGES, DemoPage))
    qtbot.addWidget(built)

    assert isinstance(built.page_for(Platform.DEMO), DemoPage) and built.platforms.count() == len(PAGES) + 1


def test_mastodon_sign_in_through_the_browser_adds_the_account(dialog, mastodon, browser, qtbot, core) -> None:
    page = mastodon_page(dialog)
    qtbot.keyClicks(page.server, mastodon.base_url)

    qtbot.mouseClick(page.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(browser.opened) == 1, timeout=5_000)
    assert "Approve Social Inbox" in page.status.text()
    assert page.cancel_button.isVisible() and page.code.isEnabled()
    with qtbot.waitSignal(dialog.account_connected, timeout=10_000) as connected:
        browser.visit(browser.opened[0])

    account = connected.args[0]
    assert (account.platform, account.display_name) == (Platform.MASTODON, "Corner Bakery")
    assert core.secrets.get(account_key(account.id)).startswith("fixture-access-token")
    assert browser.pages[0].status_code == 200 and "close this tab" in browser.pages[0].text
    assert not dialog.isVisible()


def test_the_code_fallback_adds_the_account_without_the_browser_coming_back(dialog, mastodon, browser, qtbot) -> None:
    page = mastodon_page(dialog)
    page.server.setText(mastodon.base_url)

    qtbot.mouseClick(page.show_code_button, Qt.MouseButton.LeftButton)  # starts the sign-in, then asks for a code
    qtbot.waitUntil(lambda: any("oob" in url for url in browser.opened), timeout=5_000)
    with httpx.Client(trust_env=False) as client:
        shown = client.get(browser.opened[-1]).text
    qtbot.keyClicks(page.code, re.search(r"<code>(.+?)</code>", shown).group(1))  # type: ignore[union-attr]
    with qtbot.waitSignal(dialog.account_connected, timeout=10_000):
        qtbot.mouseClick(page.use_code_button, Qt.MouseButton.LeftButton)


def test_an_unreachable_server_is_explained_and_the_page_is_ready_again(dialog, qtbot) -> None:
    page = mastodon_page(dialog)
    page.server.setText("http://127.0.0.1:9")  # discard port: nothing listens

    qtbot.mouseClick(page.sign_in_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: "Could not reach" in page.status.text(), timeout=5_000)
    assert page.sign_in_button.isEnabled() and dialog.platforms.isEnabled()


def test_cancelling_stops_waiting_for_the_browser(dialog, mastodon, browser, qtbot) -> None:
    page = mastodon_page(dialog)
    page.server.setText(mastodon.base_url)
    qtbot.mouseClick(page.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(browser.opened) == 1, timeout=5_000)

    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)

    assert page.sign_in_button.isEnabled() and not page.cancel_button.isVisible()
    with httpx.Client(trust_env=False, follow_redirects=True) as client, pytest.raises(httpx.ConnectError):
        client.get(browser.opened[0])  # the listener is closed: nothing waits on this computer any more


def test_reconnect_mode_shows_only_that_account_and_keeps_its_server(core, mastodon, browser, qtbot) -> None:
    account = connect_mastodon(core, mastodon.base_url, TOKEN)
    core.repository.record_poll_problem(account.id, Health.NEEDS_RECONNECT, "HTTP 401", core.clock.now(), None)
    built = AddAccountDialog(PageContext(core, browser.open), reconnect=core.repository.account(account.id))
    qtbot.addWidget(built)
    built.show()
    page = mastodon_page(built)

    assert len(built.pages) == 1 and not built.platforms.isVisible()
    assert page.server.text() == mastodon.base_url and page.server.isReadOnly()
    qtbot.mouseClick(page.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(browser.opened) == 1, timeout=5_000)
    assert "force_login=true" in browser.opened[0]
    with qtbot.waitSignal(built.account_reconnected, timeout=10_000) as reconnected:
        browser.visit(browser.opened[0])

    assert reconnected.args[0].id == account.id and reconnected.args[0].health is Health.NEW


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


def telegram_page(dialog: AddAccountDialog, telegram: FakeTelegram) -> TelegramPage:
    dialog.show_platform(Platform.TELEGRAM)
    page = dialog.page_for(Platform.TELEGRAM)
    assert isinstance(page, TelegramPage)
    page.api_base.setText(telegram.api_base)
    return page


def test_telegram_page_explains_botfather_and_connects_a_bot(dialog, telegram, qtbot) -> None:
    page = telegram_page(dialog, telegram)
    steps = " ".join(label.text() for label in page.findChildren(type(page.status)))

    qtbot.keyClicks(page.token, BOT_TOKEN)
    with qtbot.waitSignal(dialog.account_connected, timeout=10_000) as connected:
        qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)

    assert "@BotFather" in steps and "/newbot" in steps and "Telegram Business" in steps
    assert page.token.echoMode() == page.token.EchoMode.Password
    assert connected.args[0].handle == "@corner_bakery_bot" and connected.args[0].poll_interval_s == 0


def test_telegram_page_offers_to_remove_a_webhook(dialog, telegram, qtbot) -> None:
    telegram.webhook_url = "https://old-host.example/hook"
    page = telegram_page(dialog, telegram)
    page.token.setText(BOT_TOKEN)

    qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.remove_webhook_button.isVisible(), timeout=5_000)
    assert "old-host.example" in page.status.text()
    with qtbot.waitSignal(dialog.account_connected, timeout=10_000):
        qtbot.mouseClick(page.remove_webhook_button, Qt.MouseButton.LeftButton)

    assert telegram.webhook_url == ""


def test_a_wrong_bot_token_is_explained(dialog, telegram, qtbot, core) -> None:
    page = telegram_page(dialog, telegram)
    page.token.setText("12345:short")

    qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: "BotFather" in page.status.text(), timeout=5_000)
    assert core.repository.accounts() == [] and page.connect_button.isEnabled()
