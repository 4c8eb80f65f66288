"""Connecting an Instagram account without a Facebook Page (a token from Meta's App Dashboard), against the fake
``graph.instagram.com``; and the renewed token reaching the keyring through the sync layer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from socialinbox.accounts_setup import AlreadyConnected, SetupError, retry_stored_sign_in
from socialinbox.connectors.instagram_login import InstagramLoginConnector, InstagramToken
from socialinbox.domain import Health, Platform
from socialinbox.instagram_setup import (
    INSTAGRAM_POLL_INTERVAL_S,
    connect_instagram,
    connect_instagram_login,
    reconnect_instagram,
)
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore, account_key
from socialinbox.wiring import Core, build_core
from tests.conftest import FakeClock
from tests.connectors.fake_instagram import TOKEN as PAGE_TOKEN
from tests.connectors.fake_instagram import USERNAME, FakeInstagram
from tests.connectors.fake_instagram_login import (
    IG_TOKEN,
    IG_USER_ID,
    OTHER_IG_TOKEN,
    OTHER_USERNAME,
    FakeInstagramLogin,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def core(tmp_path: Path, clock: FakeClock) -> Iterator[Core]:
    built = build_core(paths_in(tmp_path), clock=clock, secrets=MemorySecretStore())
    yield built
    built.close()


@pytest.fixture
def graph(clock: FakeClock) -> Iterator[FakeInstagramLogin]:
    with FakeInstagramLogin(clock.now) as fake:
        yield fake


def stored(core: Core, account_id: int) -> InstagramToken:
    secret = core.secrets.get(account_key(account_id))
    assert secret is not None
    return InstagramToken.from_token(secret)


def test_the_token_names_the_account_and_goes_to_the_keyring_only(core: Core, graph, clock) -> None:
    account = connect_instagram_login(core, f"  {IG_TOKEN}\n", api_base=graph.api_base)
    assert (account.platform, account.handle, account.poll_interval_s) == (
        Platform.INSTAGRAM,
        USERNAME,
        INSTAGRAM_POLL_INTERVAL_S,
    )
    assert account.settings == {
        "login": "instagram",
        "api_base": graph.api_base,
        "ig_user_id": IG_USER_ID,
        "username": USERNAME,
    }
    kept = stored(core, account.id)
    assert (kept.access_token, kept.obtained_at, kept.expires_at) == (IG_TOKEN, clock.now(), None)
    assert IG_TOKEN not in repr(account) and "page_id" not in account.settings
    assert isinstance(core.connectors.for_account(account), InstagramLoginConnector)
    with pytest.raises(AlreadyConnected):
        connect_instagram_login(core, IG_TOKEN, api_base=graph.api_base)


def test_the_same_account_through_its_page_counts_as_already_connected(core: Core, graph, clock) -> None:
    with FakeInstagram(clock.now) as through_page:
        connect_instagram(core, PAGE_TOKEN, api_base=through_page.api_base)
    with pytest.raises(AlreadyConnected):
        connect_instagram_login(core, IG_TOKEN, api_base=graph.api_base)


@pytest.mark.parametrize("token", ["IGAAnotAtokenInstagramKnows", "EAAGm0PX4ZCpsBAKaPageToken"])
def test_a_refused_or_missing_token_says_how_to_make_one_and_adds_nothing(core: Core, graph, token) -> None:
    with pytest.raises(SetupError, match=r"Generate token.*instagram_business_manage_messages") as refused:
        connect_instagram_login(core, token, api_base=graph.api_base)
    assert token not in str(refused.value) and "starts with EAA" in str(refused.value)
    with pytest.raises(SetupError, match=r"(?s)No access token.*API setup with Instagram business login"):
        connect_instagram_login(core, "   ", api_base=graph.api_base)
    assert core.repository.accounts() == []


def test_reconnecting_takes_a_new_token_of_the_same_account_only(core: Core, graph, clock) -> None:
    account = connect_instagram_login(core, IG_TOKEN, api_base=graph.api_base)
    core.secrets.set(account_key(account.id), "not a blob")
    with pytest.raises(SetupError, match=f"belongs to the Instagram account {OTHER_USERNAME}"):
        reconnect_instagram(core, account.id, OTHER_IG_TOKEN)
    assert core.secrets.get(account_key(account.id)) == "not a blob"
    clock.advance(hours=2)
    assert reconnect_instagram(core, account.id, IG_TOKEN).id == account.id
    kept = stored(core, account.id)
    assert (kept.access_token, kept.obtained_at) == (IG_TOKEN, clock.now())


def test_a_renewed_token_replaces_the_old_one_in_the_keyring(core: Core, graph, clock) -> None:
    account = connect_instagram_login(core, IG_TOKEN, api_base=graph.api_base)
    graph.comment(graph.post(), "Rye on Saturday?")
    assert core.service.poll_account(account.id).account.health is Health.CONNECTED
    assert stored(core, account.id).access_token == IG_TOKEN  # a day old at the earliest before it is renewed
    clock.advance(hours=25)
    assert core.service.poll_account(account.id).account.health is Health.CONNECTED
    (renewed,) = graph.renewed_tokens()
    kept = stored(core, account.id)
    assert (kept.access_token, kept.expires_at) == (renewed, clock.now() + timedelta(days=60))
    secret = core.secrets.get(account_key(account.id)) or ""
    assert set(json.loads(secret)) == {"access_token", "obtained_at", "expires_at"}
    clock.advance(days=29)  # 31 days left: not yet
    core.service.poll_account(account.id)
    assert len(graph.renewed_tokens()) == 1
    clock.advance(days=2)
    core.service.poll_account(account.id)
    assert len(graph.renewed_tokens()) == 2 and stored(core, account.id).access_token == graph.renewed_tokens()[1]


def test_a_token_instagram_refuses_asks_the_owner_for_a_new_one(core: Core, graph, clock) -> None:
    account = connect_instagram_login(core, IG_TOKEN, api_base=graph.api_base)
    graph.issue(age=timedelta(days=61))
    report = core.service.poll_account(account.id)
    assert report.account.health is Health.NEEDS_RECONNECT
    assert "Generate token" in report.account.health_detail and IG_TOKEN not in report.account.health_detail
    with pytest.raises(SetupError, match="needs a new sign-in"):
        retry_stored_sign_in(core, account.id)
