"""Connecting and reconnecting an X account through the browser sign-in, against the fake X API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from socialinbox.accounts_setup import AlreadyConnected, SetupError
from socialinbox.connectors.base import TransientError
from socialinbox.domain import Platform
from socialinbox.secrets import account_key
from socialinbox.wiring import Core
from socialinbox.x_setup import X_POLL_INTERVAL_S, begin_x_sign_in, connect_x, reconnect_x
from tests.connectors.fake_x import CLIENT_ID, SHOP, SHOP_ID, FakeX


@pytest.fixture
def fake() -> Iterator[FakeX]:
    with FakeX(lambda: datetime.now(UTC)) as server:
        yield server


def signed_in(core: Core, fake: FakeX) -> str:
    """The browser part: open the consent page, which sends the browser back to the waiting sign-in."""
    browser = httpx.Client(trust_env=False, follow_redirects=True, timeout=5)
    with begin_x_sign_in(core, CLIENT_ID, api_base=fake.api_base, port=0) as sign_in, browser:
        threading.Thread(target=browser.get, args=(sign_in.browser_url,), daemon=True).start()
        return sign_in.token_from_browser(timeout=10)


def test_signing_in_adds_the_account_with_its_sign_in_in_the_keyring_only(core: Core, fake: FakeX) -> None:
    token = signed_in(core, fake)
    account = connect_x(core, CLIENT_ID, token, api_base=fake.api_base)
    assert (account.platform, account.handle, account.display_name) == (Platform.X, f"@{SHOP}", "Crumb & Co. Bakery")
    assert account.settings == {"client_id": CLIENT_ID, "api_base": fake.api_base, "user_id": SHOP_ID, "username": SHOP}
    assert account.poll_interval_s == X_POLL_INTERVAL_S
    stored = json.loads(core.secrets.get(account_key(account.id)) or "{}")
    assert stored["refresh_token"] in fake.refresh_tokens and stored["access_token"] in fake.access_tokens
    assert stored["access_token"] not in repr(account)
    with pytest.raises(AlreadyConnected):
        connect_x(core, CLIENT_ID, token, api_base=fake.api_base)


def test_a_missing_client_id_says_where_to_make_one(core: Core) -> None:
    with pytest.raises(SetupError, match=r"developer\.x\.com") as missing:
        begin_x_sign_in(core, "  ")
    assert "http://127.0.0.1:53682/callback" in str(missing.value)


def test_reconnecting_keeps_the_account_and_refuses_another_x_account(core: Core, fake: FakeX) -> None:
    account = connect_x(core, CLIENT_ID, signed_in(core, fake), api_base=fake.api_base)
    core.secrets.set(account_key(account.id), "stale")
    again = reconnect_x(core, account.id, signed_in(core, fake))
    assert again.id == account.id and json.loads(core.secrets.get(account_key(account.id)) or "{}")
    fake.signed_in_as = "1590000000000000009"
    with pytest.raises(SetupError, match="as @rivalbuns"):
        reconnect_x(core, account.id, signed_in(core, fake))


def test_trouble_while_signing_in_says_to_try_again_since_nothing_retries_a_sign_in(core: Core, fake: FakeX) -> None:
    fake.fail("POST token", 503, raw=b"<html>Service Unavailable</html>")
    with pytest.raises(TransientError) as exchanging:
        signed_in(core, fake)
    assert str(exchanging.value) == "X could not complete the sign-in (HTTP 503); try again in a moment."
    token = signed_in(core, fake)
    fake.fail("GET me", drop=True)
    with pytest.raises(TransientError) as connecting:
        connect_x(core, CLIENT_ID, token, api_base=fake.api_base)
    assert str(connecting.value).endswith("; try again in a moment.") and "will retry" not in str(connecting.value)
    assert core.repository.accounts() == []
