"""The app's core wired for the reliability suite: real storage, real connectors, the fault layer in between.

Everything is the production code path (``build_core``'s parts: repository, ``SyncService``, ``OutboxSender``, the
connector registry, one shared httpx client) except the network, which is a ``FaultTransport`` routing each
platform's host to its fake, and the clock, which the test moves.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine, text

from socialinbox.connectors import REGISTRY, TOKENLESS
from socialinbox.connectors.http import make_client
from socialinbox.domain import Account, Health, Platform
from socialinbox.secrets import MemorySecretStore, account_key
from socialinbox.storage.engine import make_engine, sqlite_url
from socialinbox.storage.migrate import upgrade_to_head
from socialinbox.storage.repository import Repository
from socialinbox.sync.outbox import OutboxSender
from socialinbox.sync.service import ConnectorPool, Credentials, SyncService
from tests.conftest import FakeClock
from tests.faults import FaultPlan, FaultTransport
from tests.reliability.platforms import Live


@dataclasses.dataclass
class World:
    folder: Path
    engine: Engine
    repo: Repository
    secrets: MemorySecretStore
    service: SyncService
    sender: OutboxSender
    clock: FakeClock
    plan: FaultPlan
    transport: FaultTransport

    def add(self, live: Live, *, interval_s: int = 60) -> int:
        """Connect an account on ``live``'s platform (its token in the secret store, its host routed)."""
        for host in (live.host, *live.also):
            self.transport.routes[host] = live.route
        account = self.repo.add_account(
            live.platform,
            f"shop-{len(self.transport.routes)}",
            self.clock.now(),
            settings=live.settings,
            poll_interval_s=interval_s,
        )
        if live.platform not in TOKENLESS:
            self.secrets.set(account_key(account.id), live.token)
        return account.id

    def add_demo(self, seed: int = 7, interval_s: int = 60, pace_seconds: float = 45.0) -> int:
        settings = {"seed": seed, "pace_seconds": pace_seconds}
        account = self.repo.add_account(
            Platform.DEMO, "crumbandco", self.clock.now(), settings=settings, poll_interval_s=interval_s
        )
        return account.id

    def stored(self, account_id: int) -> Counter[str]:
        """How many times each remote id is stored for the account (every count must be 1)."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT remote_id FROM message WHERE account_id = :a AND direction = 'in'"), {"a": account_id}
            )
            return Counter(row[0] for row in rows)

    def integrity(self) -> str:
        with self.engine.connect() as connection:
            return str(connection.execute(text("PRAGMA integrity_check")).scalar())

    def assert_exactly_once(self, account_id: int, expected: set[str]) -> None:
        """Every message the platform holds is stored, none twice, nothing else."""
        stored = self.stored(account_id)
        assert set(stored) == expected, (
            f"missing {sorted(expected - set(stored))[:5]}, extra {sorted(set(stored) - expected)[:5]}"
        )
        assert max(stored.values()) == 1

    def assert_recovers(self, clock: FakeClock, account: Account, expected: set[str]) -> None:
        """Once the server is healthy again (the caller has cleared its faults), the next poll after the wait the
        account was given brings in everything exactly once, and the database is sound."""
        if account.health is Health.NEEDS_RECONNECT:
            self.repo.mark_reconnected(account.id, "")  # the owner signs in again
        clock.set(max(clock.now(), account.next_poll_at or clock.now()) + timedelta(seconds=1))
        recovered = self.service.poll_account(account.id)
        assert recovered.ok, recovered.error
        self.assert_exactly_once(account.id, expected)
        assert self.integrity() == "ok"


def make_world(
    folder: Path,
    clock: FakeClock,
    *,
    seed: int = 0,
    client: httpx.Client | None = None,
    migrated: bool = False,
    busy_timeout_ms: int = 10_000,
) -> World:
    """``client``: talk to real sockets (a ``FaultServer``) instead of through the in-process fault transport.
    ``migrated``: ``folder`` already holds a database at the newest schema (copied from a template)."""
    engine = make_engine(sqlite_url(folder / "inbox.sqlite3"), busy_timeout_ms=busy_timeout_ms)
    if not migrated:
        upgrade_to_head(engine)
    repo = Repository(engine)
    secrets = MemorySecretStore()
    plan = FaultPlan(seed)
    transport = FaultTransport({}, plan)
    client = client or make_client(transport)
    pool = ConnectorPool(REGISTRY, clock)
    credentials = Credentials(secrets, TOKENLESS)
    service = SyncService(repo, pool, credentials, client, clock)
    sender = OutboxSender(repo, pool, credentials, client, clock)
    return World(folder, engine, repo, secrets, service, sender, clock, plan, transport)
