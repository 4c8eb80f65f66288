"""The Accounts menu end to end (offscreen): add a bot and hear its messages within seconds, see an account's health,
reconnect it in one click (history kept, polling resumed), remove it. Real scheduler threads, fake servers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from socialinbox.accounts_setup import connect_mastodon
from socialinbox.domain import Account, Health, Platform, PollResult, RateBudget
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore, account_key
from socialinbox.storage.paging import InboxView
from socialinbox.sync.scheduler import SyncScheduler
from socialinbox.ui.accounts_controller import MENU, AccountsController
from socialinbox.ui.dialogs.account_health import health_rows
from socialinbox.ui.dialogs.mastodon_page import MastodonPage
from socialinbox.ui.dialogs.telegram_page import TelegramPage
from socialinbox.ui.inbox_sources import inbox_sources
from socialinbox.ui.main_window import MainWindow
from socialinbox.ui.sync_bridge import SyncBridge
from socialinbox.wiring import Core, build_core
from tests.connectors.fake_mastodon import TOKEN, FakeMastodon, ServedMastodon, mentions
from tests.connectors.fake_telegram import TOKEN as BOT_TOKEN
from tests.connectors.fake_telegram import FakeTelegram


class World:
    def __init__(self, core: Core, qtbot: QtBot) -> None:
        self.core = core
        self.bridge = SyncBridge()
        self.scheduler = SyncScheduler(core.service, core.sender, self.bridge.publish, outbox_interval_s=60)
        self.window = MainWindow(inbox_sources(lambda: core.repository), core.clock.now)
        qtbot.addWidget(self.window)
        self.removals: list[Account] = []
        self.controller = AccountsController(
            core,
            self.window,
            self.scheduler,
            self.bridge,
            refresh_counts=lambda: None,
            open_url=lambda url: True,
            confirm_remove=lambda parent, account: self.removals.append(account) or True,
        )
        self.bridge.report_ready.connect(self._on_report)

    def _on_report(self, result: object) -> None:
        account = getattr(result, "account", None)
        if isinstance(account, Account):
            self.window.update_account(account)

    def start(self) -> None:
        accounts = self.core.repository.accounts()
        self.window.set_accounts(accounts)
        self.scheduler.start(accounts)

    def select(self, account_id: int) -> None:
        row = self.window.navigation_model.row_for_account(account_id)
        assert row is not None
        self.window.navigation.setCurrentIndex(self.window.navigation_model.index(row))


@pytest.fixture
def world(tmp_path: Path, qtbot: QtBot) -> Iterator[World]:
    core = build_core(paths_in(tmp_path), secrets=MemorySecretStore())
    built = World(core, qtbot)
    yield built
    built.scheduler.shutdown()
    core.close()


@pytest.fixture
def mastodon() -> Iterator[FakeMastodon]:
    with ServedMastodon(None) as fake:
        fake.notifications = mentions(1, 2)
        yield fake


def test_the_accounts_menu_acts_on_the_selected_account(world: World) -> None:
    menu = world.window.menu_named(MENU)
    account = world.core.repository.add_account(Platform.DEMO, "crumbandco", world.core.clock.now())
    world.window.set_accounts([account])

    assert [a.text() for a in menu.actions()] == [
        "&Add account…",
        "Connection &details…",
        "&Reconnect",
        "Re&move account…",
    ]
    assert not world.controller.reconnect_action.isEnabled()
    world.select(account.id)
    assert world.controller.reconnect_action.isEnabled() and world.controller.remove_action.isEnabled()


def test_a_bot_added_from_the_dialog_starts_listening_and_a_message_arrives(world: World, qtbot: QtBot) -> None:
    world.start()
    with FakeTelegram() as telegram:
        dialog = world.controller.add_account()
        dialog.show_platform(Platform.TELEGRAM)
        page = dialog.page_for(Platform.TELEGRAM)
        assert isinstance(page, TelegramPage)
        page.api_base.setText(telegram.api_base)
        page.token.setText(BOT_TOKEN)
        with qtbot.waitSignal(dialog.account_connected, timeout=10_000):
            qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
        customer = telegram.user(5123498765, "Lena", "lena_k")
        telegram.push("message", telegram.message(telegram.private_chat(customer), customer, "Open today?"))

        qtbot.waitUntil(lambda: world.core.repository.conversations(InboxView.ALL) != [], timeout=10_000)

    (account,) = world.core.repository.accounts()
    assert world.window.navigation_model.row_for_account(account.id) is not None
    assert world.core.repository.conversations()[0].preview == "Open today?"


def test_one_click_reconnect_resumes_polling_with_the_stored_sign_in(world, mastodon, qtbot) -> None:
    account = connect_mastodon(world.core, mastodon.base_url, TOKEN)
    world.core.service.poll_account(account.id)
    world.core.repository.record_poll_problem(
        account.id, Health.NEEDS_RECONNECT, "HTTP 403", world.core.clock.now(), None
    )
    world.start()  # the account stays paused
    world.select(account.id)
    polls_before = len(mastodon.requests_to("/api/v1/notifications"))
    mastodon.notifications += mentions(3, 3)

    world.controller.reconnect_action.trigger()

    qtbot.waitUntil(lambda: world.core.repository.account(account.id).health is Health.CONNECTED, timeout=10_000)
    assert len(mastodon.requests_to("/api/v1/notifications")) > polls_before
    assert len(world.core.repository.conversations(InboxView.ALL)) == 3  # the history and the new mention
    assert world.controller.dialog is None  # no sign-in was needed


def test_reconnect_opens_the_sign_in_page_when_the_stored_one_is_refused(world, mastodon, qtbot) -> None:
    account = connect_mastodon(world.core, mastodon.base_url, TOKEN)
    world.core.secrets.set(account_key(account.id), "revoked-token")
    world.start()
    world.select(account.id)

    world.controller.reconnect_action.trigger()

    qtbot.waitUntil(lambda: world.controller.dialog is not None, timeout=5_000)
    dialog = world.controller.dialog
    assert dialog is not None and isinstance(dialog.pages[0], MastodonPage) and len(dialog.pages) == 1
    assert dialog.pages[0].reconnecting is not None and dialog.pages[0].reconnecting.id == account.id
    dialog.close()


def test_remove_asks_first_then_forgets_the_account_and_its_sign_in(world, mastodon, qtbot) -> None:
    account = connect_mastodon(world.core, mastodon.base_url, TOKEN)
    world.start()
    world.select(account.id)

    world.controller.remove_action.trigger()

    qtbot.waitUntil(lambda: world.core.repository.accounts() == [], timeout=5_000)
    qtbot.waitUntil(lambda: world.window.navigation_model.row_for_account(account.id) is None, timeout=5_000)
    assert [a.id for a in world.removals] == [account.id]
    assert world.core.secrets.get(account_key(account.id)) is None


def test_details_show_the_accounts_health_and_follow_new_reports(world, mastodon, qtbot) -> None:
    account = connect_mastodon(world.core, mastodon.base_url, TOKEN)
    world.window.set_accounts([account])

    details = world.controller.show_details(account.id)
    assert dict(details.rows())["Last successful check"] == "never"
    world.scheduler.start(world.core.repository.accounts())

    qtbot.waitUntil(lambda: "of 300" in dict(details.rows())["Requests left"], timeout=10_000)
    assert dict(details.rows())["Status"] == "connected"
    with qtbot.waitSignal(details.reconnect_requested) as asked:
        qtbot.mouseClick(details.reconnect_button, Qt.MouseButton.LeftButton)
    assert asked.args == [account.id]
    details.close()


# --- the health lines, without widgets --------------------------------------------------------------


def test_health_rows_name_the_problem_and_say_polling_stopped(world: World) -> None:
    now = world.core.clock.now()
    account = world.core.repository.add_account(Platform.MASTODON, "shop@social.example", now)
    world.core.repository.save_poll(account.id, PollResult((), "1"), now - timedelta(hours=2), now)
    failed = world.core.repository.record_poll_problem(
        account.id, Health.NEEDS_RECONNECT, "Mastodon rejected the sign-in (HTTP 401).", now, None
    )

    rows = dict(health_rows(failed, now))

    assert rows["Status"].startswith("needs reconnecting")
    assert rows["Problem"] == "Mastodon rejected the sign-in (HTTP 401)."
    assert rows["Last successful check"].endswith("(2 hours ago)")
    assert rows["Next check"] == "stopped until you reconnect"
    assert rows["Requests left"] == "Mastodon does not say"


def test_health_rows_for_a_listening_bot_and_a_rate_budget(world: World) -> None:
    now = world.core.clock.now()
    bot = world.core.repository.add_account(Platform.TELEGRAM, "@shop_bot", now, poll_interval_s=0)
    budget = RateBudget(remaining=12, limit=300, resets_at=now + timedelta(minutes=3))
    polled = world.core.repository.save_poll(bot.id, PollResult((), "5|x", budget), now, now).account

    rows = dict(health_rows(polled, now))

    assert rows["Next check"].startswith("listening continuously")
    assert rows["Requests left"].startswith("12 of 300, renewed at")
