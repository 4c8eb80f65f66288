from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx
import pytest

from socialinbox.connectors import TOKENLESS
from socialinbox.domain import Platform
from socialinbox.secrets import MemorySecretStore, account_key
from socialinbox.storage.repository import Repository
from socialinbox.sync.outbox import OutboxSender
from socialinbox.sync.service import ConnectorPool, Credentials, SyncService
from tests.conftest import FakeClock
from tests.fakes import FakeConnector, make_repository, registry_for


@dataclasses.dataclass
class SyncWorld:
    repo: Repository
    fakes: dict[int, FakeConnector]
    secrets: MemorySecretStore
    service: SyncService
    sender: OutboxSender
    clock: FakeClock

    def add_account(
        self, platform: Platform = Platform.MASTODON, token: str | None = "tok-secret", **kw: object
    ) -> int:
        account = self.repo.add_account(platform, "@shop", self.clock.now(), settings={"fake": len(self.fakes)}, **kw)  # type: ignore[arg-type]
        self.fakes[len(self.fakes)] = FakeConnector(platform=platform, clock=self.clock)
        if token:
            self.secrets.set(account_key(account.id), token)
        return account.id

    def fake(self, account_id: int) -> FakeConnector:
        return self.fakes[int(self.repo.account(account_id).settings["fake"])]


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock, database_url: str) -> SyncWorld:
    return make_world(make_repository(tmp_path, database_url), clock)


def make_world(repo: Repository, clock: FakeClock) -> SyncWorld:
    fakes: dict[int, FakeConnector] = {}
    secrets = MemorySecretStore()
    pool = ConnectorPool(registry_for(fakes), clock)
    credentials = Credentials(secrets, TOKENLESS)
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(599)))
    service = SyncService(repo, pool, credentials, client, clock)
    sender = OutboxSender(repo, pool, credentials, client, clock)
    return SyncWorld(repo, fakes, secrets, service, sender, clock)
