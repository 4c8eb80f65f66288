"""Building the core once, for both composition roots (the command line and the GUI).

Everything is created here and passed in through constructors: no engine, client or store exists before
``build_core`` runs, and nothing reaches for a global.
"""

from __future__ import annotations

import dataclasses
import logging

import httpx
from sqlalchemy import Engine

from socialinbox.connectors import REGISTRY, TOKENLESS
from socialinbox.connectors.http import make_client
from socialinbox.domain import Account, Clock, Platform, SystemClock
from socialinbox.paths import AppPaths
from socialinbox.secrets import SecretStore, open_secret_store
from socialinbox.settings import Settings, load_settings, save_settings
from socialinbox.storage.engine import make_engine, sqlite_url
from socialinbox.storage.migrate import upgrade_to_head
from socialinbox.storage.repository import Repository
from socialinbox.sync.outbox import OutboxSender
from socialinbox.sync.service import ConnectorPool, Credentials, SyncService

log = logging.getLogger(__name__)

DEMO_POLL_INTERVAL_S = 10


@dataclasses.dataclass
class Core:
    paths: AppPaths
    settings: Settings
    clock: Clock
    engine: Engine
    repository: Repository
    secrets: SecretStore
    secrets_warning: str | None
    client: httpx.Client
    connectors: ConnectorPool
    service: SyncService
    sender: OutboxSender

    def close(self) -> None:
        self.client.close()
        self.engine.dispose()


def build_core(
    paths: AppPaths,
    *,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
    secrets: SecretStore | None = None,
) -> Core:
    paths.create()
    settings = load_settings(paths.settings_file)
    clock = clock or SystemClock()
    engine = make_engine(settings.database_url or sqlite_url(paths.database))
    upgrade_to_head(engine)
    if settings.database_url == "" and paths.database.exists():
        paths.database.chmod(0o600)
    repository = Repository(engine)
    interrupted = repository.recover_interrupted()
    if interrupted:
        log.warning("%d replies were interrupted mid-send and wait for the owner to check them", len(interrupted))
    warning = None
    if secrets is None:
        secrets, warning = open_secret_store()
    client = make_client(transport)
    connectors = ConnectorPool(REGISTRY, clock)
    credentials = Credentials(secrets, TOKENLESS)
    service = SyncService(repository, connectors, credentials, client, clock)
    sender = OutboxSender(repository, connectors, credentials, client, clock)
    return Core(paths, settings, clock, engine, repository, secrets, warning, client, connectors, service, sender)


def add_demo_account(core: Core, seed: int = 7) -> Account:
    return core.repository.add_account(
        Platform.DEMO,
        "crumbandco",
        core.clock.now(),
        display_name="Crumb & Co. Bakery (demo)",
        settings={"seed": seed},
        poll_interval_s=DEMO_POLL_INTERVAL_S,
    )


def connect_demo_on_first_start(core: Core) -> Account | None:
    """On the very first start, with no account at all, connect the demo shop so the app is never empty."""
    if core.settings.demo_offered:
        return None
    core.settings = dataclasses.replace(core.settings, demo_offered=True)
    save_settings(core.paths.settings_file, core.settings)
    if core.repository.accounts():
        return None
    return add_demo_account(core)


def ensure_demo_account(core: Core) -> Account:
    """``--demo``: make sure the demo shop is connected (once)."""
    for account in core.repository.accounts():
        if account.platform is Platform.DEMO:
            return account
    return add_demo_account(core)
