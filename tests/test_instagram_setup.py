"""Connecting an Instagram professional account through its Facebook Page's token, against the fake Graph API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from socialinbox.accounts_setup import AlreadyConnected, SetupError
from socialinbox.domain import Platform
from socialinbox.facebook_setup import ChoosePage
from socialinbox.instagram_setup import INSTAGRAM_POLL_INTERVAL_S, connect_instagram, reconnect_instagram
from socialinbox.secrets import account_key
from socialinbox.wiring import Core
from tests.connectors.fake_facebook import OTHER_TOKEN, PAGE_NAME, USER_TOKEN
from tests.connectors.fake_instagram import IG_USER_ID, PAGE_ID, TOKEN, USERNAME, FakeInstagram


@pytest.fixture
def graph() -> Iterator[FakeInstagram]:
    with FakeInstagram(lambda: datetime.now(UTC)) as fake:
        yield fake


def test_the_pages_token_finds_the_linked_account_and_goes_to_the_keyring(core: Core, graph: FakeInstagram) -> None:
    account = connect_instagram(core, f"  {TOKEN}\n", api_base=graph.api_base)
    assert (account.platform, account.handle) == (Platform.INSTAGRAM, USERNAME)
    assert {k: account.settings[k] for k in ("page_id", "ig_user_id", "username")} == {
        "page_id": PAGE_ID,
        "ig_user_id": IG_USER_ID,
        "username": USERNAME,
    }
    assert account.poll_interval_s == INSTAGRAM_POLL_INTERVAL_S
    assert core.secrets.get(account_key(account.id)) == TOKEN and TOKEN not in repr(account.settings)
    with pytest.raises(AlreadyConnected):
        connect_instagram(core, TOKEN, api_base=graph.api_base)


def test_a_page_without_a_linked_account_is_explained_and_adds_nothing(core: Core, graph: FakeInstagram) -> None:
    with pytest.raises(SetupError, match="Rival Buns has no Instagram professional account linked"):
        connect_instagram(core, OTHER_TOKEN, api_base=graph.api_base)
    graph.unlink()
    with pytest.raises(SetupError, match=f"{PAGE_NAME} has no Instagram professional account linked"):
        connect_instagram(core, TOKEN, api_base=graph.api_base)
    assert core.repository.accounts() == []


def test_a_refused_or_missing_token_says_how_to_make_one(core: Core, graph: FakeInstagram) -> None:
    with pytest.raises(SetupError, match="instagram_manage_messages") as refused:
        connect_instagram(core, "EAAnotAtokenAnyPageHas", api_base=graph.api_base)
    assert "EAAnotAtokenAnyPageHas" not in str(refused.value)
    with pytest.raises(SetupError, match="No access token"):
        connect_instagram(core, "   ", api_base=graph.api_base)
    assert core.repository.accounts() == []


def test_a_persons_token_connects_through_the_page_named(core: Core, graph: FakeInstagram) -> None:
    with pytest.raises(ChoosePage):
        connect_instagram(core, USER_TOKEN, api_base=graph.api_base)
    account = connect_instagram(core, USER_TOKEN, page=PAGE_NAME, api_base=graph.api_base)
    assert account.settings["ig_user_id"] == IG_USER_ID
    assert core.secrets.get(account_key(account.id)) == TOKEN  # the Page's own token, not the person's


def test_reconnecting_takes_a_new_token_for_the_same_page_and_account_only(core: Core, graph: FakeInstagram) -> None:
    account = connect_instagram(core, USER_TOKEN, page=PAGE_ID, api_base=graph.api_base)
    core.secrets.set(account_key(account.id), "EAAexpired")
    with pytest.raises(Exception, match="Rival Buns"):  # another Page's token: its conversations would mix
        reconnect_instagram(core, account.id, OTHER_TOKEN)
    assert reconnect_instagram(core, account.id, USER_TOKEN).id == account.id
    assert core.secrets.get(account_key(account.id)) == TOKEN
    graph.unlink()
    with pytest.raises(Exception, match="no longer linked"):
        reconnect_instagram(core, account.id, TOKEN)
