"""A refreshed Bluesky sign-in survives a restart: the sync layer stores what the connector hands back.

Bluesky rotates the refresh token on every refresh and the old one lapses two hours later, so a refresh kept only in
memory would force a reconnect after any restart more than two hours later. ``RotatesCredentials`` lets the poll and
the outbox store the renewed sign-in, without the connector touching storage. Real repository, real connector,
fake Bluesky.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from socialinbox.connectors import TOKENLESS
from socialinbox.connectors.bluesky import build_bluesky
from socialinbox.connectors.http import make_client
from socialinbox.domain import Health, Platform
from socialinbox.secrets import MemorySecretStore, account_key
from socialinbox.storage.repository import Repository
from socialinbox.sync.outbox import OutboxSender
from socialinbox.sync.service import ConnectorPool, Credentials, SyncService
from tests.conftest import FakeClock
from tests.connectors.bluesky_testkit import running_fake, sign_in
from tests.connectors.fake_bluesky import FakeBluesky
from tests.connectors.fake_bluesky_model import SHOP_HANDLE
from tests.fakes import make_repository


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeBluesky]:
    with running_fake(clock) as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client() as shared:
        yield shared


class App:
    """What ``build_core`` wires, around one Bluesky account; a new ``App`` on the same stores is a restart."""

    def __init__(self, repo: Repository, secrets: MemorySecretStore, client: httpx.Client, clock: FakeClock) -> None:
        pool = ConnectorPool({Platform.BLUESKY: build_bluesky}, clock)
        credentials = Credentials(secrets, TOKENLESS)
        self.service = SyncService(repo, pool, credentials, client, clock)
        self.sender = OutboxSender(repo, pool, credentials, client, clock)


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    return make_repository(tmp_path)


def add_account(repo: Repository, secrets: MemorySecretStore, fake: FakeBluesky, token: str, clock: FakeClock) -> int:
    settings = {"handle": SHOP_HANDLE, "plc_url": fake.url}
    account = repo.add_account(Platform.BLUESKY, SHOP_HANDLE, clock.now(), settings=settings)
    secrets.set(account_key(account.id), token)
    return account.id


def test_a_refresh_during_a_poll_is_stored_and_works_after_a_restart(
    fake: FakeBluesky, client: httpx.Client, clock: FakeClock, repo: Repository
) -> None:
    secrets = MemorySecretStore()
    original = sign_in(fake, client, clock)
    account_id = add_account(repo, secrets, fake, original, clock)
    fake.mention(fake.customer("ana.bsky.social"), "Hello")
    clock.advance(hours=2)  # the access token has lapsed: this poll refreshes

    assert App(repo, secrets, client, clock).service.poll_account(account_id).ok
    stored = secrets.get(account_key(account_id))
    assert stored is not None and json.loads(stored)["refreshJwt"] != json.loads(original)["refreshJwt"]

    clock.advance(hours=5)  # the app was closed; the pre-rotation refresh token is long dead
    report = App(repo, secrets, client, clock).service.poll_account(account_id)

    assert report.ok and report.account.health is Health.CONNECTED
    assert fake.sessions_created == 1  # never signed in again


def test_a_refresh_while_sending_is_stored_too(
    fake: FakeBluesky, client: httpx.Client, clock: FakeClock, repo: Repository
) -> None:
    secrets = MemorySecretStore()
    original = sign_in(fake, client, clock)
    account_id = add_account(repo, secrets, fake, original, clock)
    fake.mention(fake.customer("ana.bsky.social"), "Hello")
    app = App(repo, secrets, client, clock)
    (conversation,) = app.service.poll_account(account_id).conversations
    clock.advance(hours=2)
    repo.queue_reply(conversation.id, "Hi Ana!", clock.now())

    (delivery,) = App(repo, secrets, client, clock).sender.send_due()

    assert delivery.item.state.value == "sent"
    assert secrets.get(account_key(account_id)) != original


def test_a_reconnect_meanwhile_is_not_overwritten_by_an_older_refresh(
    fake: FakeBluesky, client: httpx.Client, clock: FakeClock, repo: Repository
) -> None:
    secrets = MemorySecretStore()
    original = sign_in(fake, client, clock)
    account_id = add_account(repo, secrets, fake, original, clock)
    clock.advance(hours=2)
    app = App(repo, secrets, client, clock)
    connector = app.service._connectors.for_account(repo.account(account_id))
    connector.poll(client, original, None)  # refreshed in memory ...
    reconnected = sign_in(fake, client, clock)
    secrets.set(account_key(account_id), reconnected)  # ... but the owner signed in again meanwhile

    app.service._credentials.keep_rotated(account_id, connector, original)

    assert secrets.get(account_key(account_id)) == reconnected
