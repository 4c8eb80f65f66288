"""Connecting a Facebook Page with a Page access token, against the fake Graph API on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from socialinbox.accounts_setup import AlreadyConnected, SetupError
from socialinbox.domain import Platform
from socialinbox.facebook_setup import FACEBOOK_POLL_INTERVAL_S, ChoosePage, connect_facebook, reconnect_facebook
from socialinbox.secrets import account_key
from socialinbox.wiring import Core
from tests.connectors.fake_facebook import OTHER_TOKEN, PAGE_ID, PAGE_NAME, TOKEN, USER_TOKEN, FakeGraph


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph(lambda: datetime.now(UTC)) as fake:
        yield fake


def test_the_token_says_which_page_it_is_for_and_goes_to_the_keyring(core: Core, graph: FakeGraph) -> None:
    account = connect_facebook(core, f"  {TOKEN}\n", api_base=graph.api_base)
    assert (account.platform, account.handle, account.settings["page_id"]) == (Platform.FACEBOOK, PAGE_NAME, PAGE_ID)
    assert account.poll_interval_s == FACEBOOK_POLL_INTERVAL_S
    assert core.secrets.get(account_key(account.id)) == TOKEN
    assert TOKEN not in repr(account.settings)
    with pytest.raises(AlreadyConnected):
        connect_facebook(core, TOKEN, api_base=graph.api_base)


def test_a_refused_token_says_how_to_make_one_and_adds_nothing(core: Core, graph: FakeGraph) -> None:
    with pytest.raises(SetupError, match="Graph API Explorer") as refused:
        connect_facebook(core, "EAAnotAtokenAnyPageHas", api_base=graph.api_base)
    assert "EAAnotAtokenAnyPageHas" not in str(refused.value)
    assert core.repository.accounts() == []
    with pytest.raises(SetupError, match="No access token"):
        connect_facebook(core, "   ", api_base=graph.api_base)


def test_reconnecting_takes_a_new_token_for_the_same_page_only(core: Core, graph: FakeGraph) -> None:
    account = connect_facebook(core, TOKEN, api_base=graph.api_base)
    with pytest.raises(Exception, match="Rival Buns"):  # the other Page's token: its conversations would mix
        reconnect_facebook(core, account.id, OTHER_TOKEN)
    assert core.secrets.get(account_key(account.id)) == TOKEN
    assert reconnect_facebook(core, account.id, TOKEN).id == account.id


def test_a_persons_token_connects_the_page_named_with_the_pages_own_token(core: Core, graph: FakeGraph) -> None:
    """An extended user token (or a system user's) manages Pages; only the Page's own token is kept."""
    with pytest.raises(ChoosePage, match=f"{PAGE_NAME}, Rival Buns") as several:
        connect_facebook(core, USER_TOKEN, api_base=graph.api_base)
    assert several.value.names == [PAGE_NAME, "Rival Buns"] and core.repository.accounts() == []
    with pytest.raises(SetupError, match="no Page called Nope; it manages"):
        connect_facebook(core, USER_TOKEN, page="Nope", api_base=graph.api_base)
    account = connect_facebook(core, USER_TOKEN, page=PAGE_NAME.upper(), api_base=graph.api_base)
    assert (account.handle, account.settings["page_id"]) == (PAGE_NAME, PAGE_ID)
    assert core.secrets.get(account_key(account.id)) == TOKEN
    assert USER_TOKEN not in repr(graph.traffic[-1].body)  # the person's token is not kept, nor echoed


def test_reconnecting_with_a_persons_token_takes_this_pages_token(core: Core, graph: FakeGraph) -> None:
    account = connect_facebook(core, USER_TOKEN, page=PAGE_ID, api_base=graph.api_base)
    core.secrets.set(account_key(account.id), "EAAexpired")
    assert reconnect_facebook(core, account.id, USER_TOKEN).id == account.id
    assert core.secrets.get(account_key(account.id)) == TOKEN
