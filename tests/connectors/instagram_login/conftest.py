"""What every test of the Instagram connector without a Facebook Page starts from: a started fake
``graph.instagram.com`` on the fake clock (whose traffic is checked after each test: against the Meta specs where
they describe it, and for where the token went), a shared HTTP client, a connector built from an account's settings
and a token as the set-up stores it. A test asks for what it needs by name."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from socialinbox.connectors import REGISTRY
from socialinbox.connectors.http import make_client
from socialinbox.connectors.instagram_login import InstagramLoginConnector
from socialinbox.domain import Platform
from tests.conftest import FakeClock
from tests.connectors.fake_facebook import ELSEWHERE
from tests.connectors.fake_instagram_login import IG_USER_ID, USERNAME, FakeInstagramLogin, covered, pasted
from tests.meta_contract import MetaContract

SETTINGS = {"login": "instagram", "ig_user_id": IG_USER_ID, "username": USERNAME}


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeInstagramLogin]:
    with FakeInstagramLogin(now=clock.now) as server:
        yield server
    specs = MetaContract.load_if_present()
    if specs is not None:  # every test's traffic the specs describe, not only the dedicated contract test's
        specs.assert_traffic_matches(covered(server.traffic))
    renewals = [e for e in server.traffic if e.edge == "refresh_access_token"]
    assert all(e.authorization == "" and e.params["access_token"] for e in renewals)  # its token: in the query
    others = [e for e in server.traffic if e not in renewals]
    assert not any("access_token" in e.params or "IGAA" in e.url or e.url.startswith(ELSEWHERE) for e in others)


@pytest.fixture
def instagram(fake: FakeInstagramLogin, clock: FakeClock) -> InstagramLoginConnector:
    built = REGISTRY[Platform.INSTAGRAM]({**SETTINGS, "api_base": fake.api_base}, clock)
    assert isinstance(built, InstagramLoginConnector)
    return built


@pytest.fixture
def blob(clock: FakeClock) -> str:
    """The token as the set-up stores it, pasted now."""
    return pasted(clock.now())


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """One HTTP client for a module's tests, as the app shares one between its accounts."""
    with make_client() as shared:
        yield shared
