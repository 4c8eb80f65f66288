"""The set-up every Bluesky connector test starts from: a started fake on the fake clock, a shared HTTP client, a
signed-in token and a connector pointed at the fake. A test asks for what it needs by name."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from socialinbox.connectors.bluesky import BlueskyConnector
from socialinbox.connectors.http import make_client
from tests.conftest import FakeClock
from tests.connectors.bluesky_testkit import connector, running_fake, sign_in
from tests.connectors.fake_bluesky import FakeBluesky


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeBluesky]:
    with running_fake(clock) as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client() as shared:
        yield shared


@pytest.fixture
def token(fake: FakeBluesky, client: httpx.Client, clock: FakeClock) -> str:
    return sign_in(fake, client, clock)


@pytest.fixture
def bsky(fake: FakeBluesky, clock: FakeClock) -> BlueskyConnector:
    return connector(fake, clock)
