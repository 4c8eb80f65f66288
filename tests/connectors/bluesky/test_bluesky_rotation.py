"""A refreshed Bluesky sign-in survives a restart: the sync layer stores what the connector hands back.

Bluesky rotates the refresh token on every refresh and the old one lapses two hours later, so a refresh kept only in
memory would force a reconnect after any restart more than two hours later. ``RotatesCredentials`` lets the poll and
the outbox store the renewed sign-in, without the connector touching storage. Real repository, real connector,
fake Bluesky.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import httpx
import pytest

from socialinbox.connectors import TOKENLESS
from socialinbox.connectors.bluesky import build_bluesky
from socialinbox.domain import Health, Platform
from socialinbox.secrets import MemorySecretStore, account_key
from socialinbox.storage.repository import Repository
from socialinbox.sync.outbox import OutboxSender
from socialinbox.sync.service import ConnectorPool, Credentials, SyncService
from tests.conftest import FakeClock
from tests.connectors.bluesky_testkit import sign_in
from tests.connectors.fake_bluesky import FakeBluesky
from tests.connectors.fake_bluesky_model import SHOP_HANDLE
from tests.fakes import make_repository


class App:
    """What ``build_core`` wires, around one Bluesky account; a new ``App`` on the same stores is a restart."""

    def __init__(self, repo: Repository, secrets: MemorySecretStore, client: httpx.Client, clock: FakeClock) -> None:
        pool = ConnectorPool({Platform.BLUESKY: build_bluesky}, clock)
        credentials = Credentials(secrets, TOKENLESS)
        self.service = SyncService(repo, pool, credentials, client, clock)
        self.sender = OutboxSender(repo, pool, credentials, client, clock)


@dataclasses.dataclass
class Shop:
    """The shop's Bluesky account as the sign-in flow stores it (``token`` in the secret store), and its stores."""

    fake: FakeBluesky
    client: httpx.Client
    clock: FakeClock
    repo: Repository
    secrets: MemorySecretStore
    token: str
    account_id: int

    def start(self) -> App:
        """The app started (again) on the same database and keyring."""
        return App(self.repo, self.secrets, self.client, self.clock)

    def stored_token(self) -> str | None:
        return self.secrets.get(account_key(self.account_id))


@pytest.fixture
def shop(fake: FakeBluesky, client: httpx.Client, clock: FakeClock, token: str, tmp_path: Path) -> Shop:
    repo, secrets = make_repository(tmp_path), MemorySecretStore()
    settings = {"handle": SHOP_HANDLE, "plc_url": fake.url}
    account = repo.add_account(Platform.BLUESKY, SHOP_HANDLE, clock.now(), settings=settings)
    secrets.set(account_key(account.id), token)
    return Shop(fake, client, clock, repo, secrets, token, account.id)


def test_a_refresh_during_a_poll_is_stored_and_works_after_a_restart(shop: Shop) -> None:
    shop.fake.mention(shop.fake.customer("ana.bsky.social"), "Hello")
    shop.clock.advance(hours=2)  # the access token has lapsed: this poll refreshes

    assert shop.start().service.poll_account(shop.account_id).ok
    stored = shop.stored_token()
    assert stored is not None and json.loads(stored)["refreshJwt"] != json.loads(shop.token)["refreshJwt"]

    shop.clock.advance(hours=5)  # the app was closed; the pre-rotation refresh token is long dead
    report = shop.start().service.poll_account(shop.account_id)

    assert report.ok and report.account.health is Health.CONNECTED
    assert shop.fake.sessions_created == 1  # never signed in again


def test_a_refresh_while_sending_is_stored_too(shop: Shop) -> None:
    shop.fake.mention(shop.fake.customer("ana.bsky.social"), "Hello")
    (conversation,) = shop.start().service.poll_account(shop.account_id).conversations
    shop.clock.advance(hours=2)
    shop.repo.queue_reply(conversation.id, "Hi Ana!", shop.clock.now())

    (delivery,) = shop.start().sender.send_due()

    assert delivery.item.state.value == "sent"
    assert shop.stored_token() != shop.token


def test_a_reconnect_meanwhile_is_not_overwritten_by_an_older_refresh(shop: Shop) -> None:
    shop.clock.advance(hours=2)
    app = shop.start()
    connector = app.service._connectors.for_account(shop.repo.account(shop.account_id))
    connector.poll(shop.client, shop.token, None)  # refreshed in memory ...
    reconnected = sign_in(shop.fake, shop.client, shop.clock)
    shop.secrets.set(account_key(shop.account_id), reconnected)  # ... but the owner signed in again meanwhile

    app.service._credentials.keep_rotated(shop.account_id, connector, shop.token)

    assert shop.stored_token() == reconnected
