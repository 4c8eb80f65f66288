"""Connecting and reconnecting accounts against fake Mastodon and Telegram servers on real loopback ports.

The owner's browser is played by a plain HTTP client: it opens the authorize URL, the fake server "approves" and
redirects it to the app's loopback listener, exactly the hops a real browser makes.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from socialinbox.accounts_setup import (
    AlreadyConnected,
    NeedsSignIn,
    SetupError,
    WebhookInUse,
    begin_mastodon_sign_in,
    connect_mastodon,
    connect_telegram,
    mastodon_app_key,
    reconnect,
    remove_account,
    retry_stored_sign_in,
)
from socialinbox.connectors.base import AuthError, TransientError
from socialinbox.domain import Health, Platform, Status
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore, account_key
from socialinbox.storage.paging import InboxView
from socialinbox.wiring import Core, build_core
from tests.connectors.fake_mastodon import (
    SHOP_ID,
    FakeMastodon,
    ServedMastodon,
    fixture,
    load_contract,
    mentions,
    shop_reply,
    signed_in_account,
)
from tests.connectors.fake_telegram import TOKEN as BOT_TOKEN
from tests.connectors.fake_telegram import FakeTelegram
from tests.openapi_contract import OpenApiContract


@pytest.fixture(scope="module")
def contract() -> OpenApiContract | None:
    return load_contract()


@pytest.fixture
def mastodon(contract: OpenApiContract | None) -> Iterator[FakeMastodon]:
    with ServedMastodon(contract) as fake:
        yield fake


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=5, follow_redirects=True) as client:
        yield client


def sign_in(core: Core, fake: FakeMastodon, browser: httpx.Client) -> str:
    """The whole browser flow: the owner approves on the server and the browser comes back to the listener."""
    with begin_mastodon_sign_in(core, fake.base_url) as signing_in:
        landed = browser.get(signing_in.browser_url)
        assert landed.status_code == 200 and "close this tab" in landed.text
        return signing_in.token_from_browser(timeout=5)


def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago): connecting there is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- Mastodon ------------------------------------------------------------------------------------


def test_browser_sign_in_connects_the_account_with_its_id_and_server_limits(core, mastodon, browser) -> None:
    token = sign_in(core, mastodon, browser)

    account = connect_mastodon(core, mastodon.base_url, token)

    assert (account.platform, account.handle, account.display_name) == (
        Platform.MASTODON,
        "cornerbakery@127.0.0.1:" + mastodon.base_url.rsplit(":", 1)[1],
        "Corner Bakery",
    )
    assert account.settings["account_id"] == SHOP_ID
    assert (account.settings["max_characters"], account.settings["characters_per_url"]) == (1000, 23)
    assert core.secrets.get(account_key(account.id)) == token
    assert token not in core.paths.settings_file.read_text() and token not in str(account.settings)


def test_the_app_is_registered_once_per_server_with_its_secret_in_the_keyring(core, mastodon, browser) -> None:
    first = sign_in(core, mastodon, browser)
    second = sign_in(core, mastodon, browser)

    assert mastodon.registrations == 1 and first != second
    assert core.settings.mastodon_apps == {mastodon.base_url: fixture("app.json")["client_id"]}
    assert core.secrets.get(mastodon_app_key(mastodon.base_url)) == fixture("app.json")["client_secret"]
    assert fixture("app.json")["client_secret"] not in core.paths.settings_file.read_text()


def test_pasting_the_code_from_the_servers_page_is_the_fallback(core, mastodon, browser) -> None:
    with begin_mastodon_sign_in(core, mastodon.base_url) as signing_in:
        page = browser.get(signing_in.paste_url).text
        code = re.search(r"<code>(.+?)</code>", page).group(1)  # type: ignore[union-attr]
        token = signing_in.token_from_code(f"  {code}\n")

    assert connect_mastodon(core, mastodon.base_url, token).settings["account_id"] == SHOP_ID


def test_a_refused_code_forgets_the_app_so_the_next_sign_in_registers_again(core, mastodon, browser) -> None:
    with begin_mastodon_sign_in(core, mastodon.base_url) as signing_in, pytest.raises(AuthError, match="invalid_grant"):
        signing_in.token_from_code("mistyped-code")

    sign_in(core, mastodon, browser)

    assert mastodon.registrations == 2


def test_stopping_a_sign_in_wakes_the_waiting_thread_at_once(core, mastodon) -> None:
    outcome: list[BaseException] = []
    signing_in = begin_mastodon_sign_in(core, mastodon.base_url)

    def wait() -> None:
        try:
            signing_in.token_from_browser(timeout=30)
        except AuthError as error:
            outcome.append(error)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.1)
    started = time.monotonic()
    signing_in.close()
    waiter.join(timeout=5)

    assert time.monotonic() - started < 2 and "stopped" in str(outcome[0])


def test_the_same_account_twice_is_refused_and_a_second_one_forces_a_fresh_login(core, mastodon, browser) -> None:
    connect_mastodon(core, mastodon.base_url, sign_in(core, mastodon, browser))

    with pytest.raises(AlreadyConnected):
        connect_mastodon(core, mastodon.base_url, sign_in(core, mastodon, browser))
    with begin_mastodon_sign_in(core, mastodon.base_url) as signing_in:
        assert "force_login=true" in signing_in.browser_url


def test_a_typed_address_that_is_no_server_is_explained(core) -> None:
    with pytest.raises(SetupError, match="not a server address"):
        begin_mastodon_sign_in(core, "https://social.example/@shop")


def test_backfilled_mentions_the_shop_answered_on_mastodon_are_already_handled(core, mastodon, browser) -> None:
    mastodon.notifications = mentions(1, 2)
    mastodon.own_statuses = [shop_reply("113520000000000900", "113520000000000001", "2026-11-23T08:50:00Z")]
    account = connect_mastodon(core, mastodon.base_url, sign_in(core, mastodon, browser))

    report = core.service.poll_account(account.id)

    assert report.ok
    by_status = {c.status: c for c in core.repository.conversations(InboxView.ALL)}
    assert set(by_status) == {Status.WAITING, Status.NEEDS_REPLY}  # the answered one waits on the customer
    answered = core.repository.messages(by_status[Status.WAITING].id)
    assert [m.direction.value for m in answered] == ["in", "out"]


def test_reconnect_keeps_every_conversation_and_resumes_polling(core, mastodon, browser) -> None:
    mastodon.notifications = mentions(1, 3)
    account = connect_mastodon(core, mastodon.base_url, sign_in(core, mastodon, browser))
    core.service.poll_account(account.id)
    mastodon.tokens.pop(core.secrets.get(account_key(account.id)))  # the owner revoked the app on the server
    assert core.service.poll_account(account.id).account.health is Health.NEEDS_RECONNECT

    again = reconnect(core, account.id, sign_in(core, mastodon, browser))
    mastodon.notifications += mentions(4, 4)
    report = core.service.poll_account(account.id)

    assert again.health is Health.NEW and again.id == account.id
    assert report.account.health is Health.CONNECTED and len(report.new_messages) == 1
    assert len(core.repository.conversations(InboxView.ALL)) == 4


def test_reconnecting_as_someone_else_is_refused(core, mastodon, browser) -> None:
    account = connect_mastodon(core, mastodon.base_url, sign_in(core, mastodon, browser))
    mastodon.sign_in_as = signed_in_account("someoneelse", "110000000000000999")

    with pytest.raises(SetupError, match="but this account is"):
        reconnect(core, account.id, sign_in(core, mastodon, browser))


def test_one_click_reconnect_uses_the_stored_sign_in_or_asks_for_a_new_one(core, mastodon, browser) -> None:
    account = connect_mastodon(core, mastodon.base_url, sign_in(core, mastodon, browser))
    core.repository.record_poll_problem(account.id, Health.NEEDS_RECONNECT, "HTTP 403", core.clock.now(), None)

    assert retry_stored_sign_in(core, account.id).health is Health.NEW  # the trouble had passed
    mastodon.tokens.pop(core.secrets.get(account_key(account.id)))
    with pytest.raises(NeedsSignIn):
        retry_stored_sign_in(core, account.id)


def test_removing_an_account_deletes_its_token_and_conversations(core, mastodon, browser) -> None:
    mastodon.notifications = mentions(1, 1)
    account = connect_mastodon(core, mastodon.base_url, sign_in(core, mastodon, browser))
    core.service.poll_account(account.id)

    remove_account(core, account.id)

    assert core.repository.accounts() == [] and core.repository.conversations(InboxView.ALL) == []
    assert core.secrets.get(account_key(account.id)) is None


# --- Telegram ------------------------------------------------------------------------------------


def test_a_bot_is_checked_with_getme_and_listens_continuously(core, telegram) -> None:
    account = connect_telegram(core, f" {BOT_TOKEN}\n", api_base=telegram.api_base)

    assert (account.platform, account.handle, account.poll_interval_s) == (Platform.TELEGRAM, "@corner_bakery_bot", 0)
    assert account.settings["bot_username"] == "corner_bakery_bot" and account.settings["api_base"] == telegram.api_base
    assert core.secrets.get(account_key(account.id)) == BOT_TOKEN
    assert [e.method for e in telegram.traffic] == ["getMe", "getWebhookInfo"]


def test_a_webhook_is_reported_and_removed_only_when_the_owner_agrees(core, telegram) -> None:
    telegram.webhook_url = "https://old-bot-host.example/hook"

    with pytest.raises(WebhookInUse, match=r"old-bot-host\.example") as raised:
        connect_telegram(core, BOT_TOKEN, api_base=telegram.api_base)
    assert telegram.webhook_url and core.repository.accounts() == []
    connect_telegram(core, BOT_TOKEN, api_base=telegram.api_base, remove_webhook=True)

    assert raised.value.url == "https://old-bot-host.example/hook" and telegram.webhook_url == ""


@pytest.mark.parametrize("token", ["not-a-token", BOT_TOKEN.replace("AAH", "AAX")])
def test_a_wrong_token_is_refused_and_nothing_is_stored(core, telegram, token) -> None:
    with pytest.raises(SetupError, match="BotFather"):
        connect_telegram(core, token, api_base=telegram.api_base)

    assert core.repository.accounts() == []


def test_the_same_bot_twice_is_refused(core, telegram) -> None:
    connect_telegram(core, BOT_TOKEN, api_base=telegram.api_base)

    with pytest.raises(AlreadyConnected):
        connect_telegram(core, BOT_TOKEN, api_base=telegram.api_base)


def test_a_bot_reconnects_with_its_new_token_but_not_with_another_bots(core, telegram) -> None:
    account = connect_telegram(core, BOT_TOKEN, api_base=telegram.api_base)
    renewed = BOT_TOKEN.replace("AAH", "AAN")
    telegram.token = renewed  # the owner revoked the old token in BotFather

    with pytest.raises(SetupError, match="another bot"):
        reconnect(core, account.id, "123456789:" + "x" * 35)
    again = reconnect(core, account.id, renewed)

    assert again.health is Health.NEW and core.secrets.get(account_key(account.id)) == renewed


def test_one_click_reconnect_says_to_try_again_when_the_server_cannot_be_reached(core, telegram) -> None:
    account = connect_telegram(core, BOT_TOKEN, api_base=telegram.api_base)
    core.repository.update_account_settings(account.id, {"api_base": f"http://127.0.0.1:{closed_port()}"})
    core.connectors.forget(account.id)
    with pytest.raises(TransientError) as unreachable:
        retry_stored_sign_in(core, account.id)  # nothing tries it again by itself: the owner clicks again
    assert str(unreachable.value).endswith("; try again in a moment.") and "will retry" not in str(unreachable.value)


class BrokenKeyring(MemorySecretStore):
    def set(self, key: str, secret: str) -> None:
        raise RuntimeError("the keyring is locked")


def test_an_account_whose_token_cannot_be_kept_is_not_left_behind(tmp_path, telegram) -> None:
    core = build_core(paths_in(tmp_path), secrets=BrokenKeyring())
    try:
        with pytest.raises(SetupError, match="keyring"):
            connect_telegram(core, BOT_TOKEN, api_base=telegram.api_base)
        assert core.repository.accounts() == []
    finally:
        core.close()


# Set-up entry points that reach a platform while the owner waits, and say so themselves, or reach none.
_OWN_WORDING = {
    "socialinbox.email_setup.connect_email": "wraps every connector error in a SetupError through try_again",
    "socialinbox.google_reviews_setup.begin_google_sign_in": "checks the client id and secret; no request",
    "socialinbox.google_reviews_setup.reconnect_google_reviews": "its requests go through reconnect, a setup_step",
    "socialinbox.x_setup.begin_x_sign_in": "opens the loopback listener; no request",
}


def test_every_connect_reconnect_and_begin_step_says_try_again_rather_than_will_retry() -> None:
    """A set-up function added without ``setup_step`` would tell the owner "will retry" where nothing retries."""
    import importlib
    import inspect

    root = Path(__file__).resolve().parent.parent / "socialinbox"
    unwrapped = []
    for path in sorted(root.glob("*_setup.py")):
        module = importlib.import_module(f"socialinbox.{path.stem}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            steps = name.startswith(("connect_", "reconnect", "begin_"))
            qualified = f"{module.__name__}.{name}"
            mine = function.__module__ == module.__name__ and qualified not in _OWN_WORDING
            if steps and mine and not hasattr(function, "__wrapped__"):
                unwrapped.append(qualified)
    assert unwrapped == []
