"""Building the core once, for both composition roots (the command line and the GUI).

Everything is created here and passed in through constructors: no engine, client or store exists before
``build_core`` runs, and nothing reaches for a global.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import sqlite3
from pathlib import Path

import httpx
from sqlalchemy import Engine

from socialinbox.connectors import REGISTRY, TOKENLESS
from socialinbox.connectors.http import make_client
from socialinbox.domain import Account, Clock, Platform, SystemClock
from socialinbox.paths import AppPaths, create_private_file, protect_files, sqlite_companion
from socialinbox.poll_interval import effective_poll_interval
from socialinbox.redaction import RedactingSecretStore
from socialinbox.secrets import SecretStore, open_secret_store
from socialinbox.settings import Settings, load_settings, save_settings
from socialinbox.storage.engine import (
    StorageProblem,
    StorageUnavailable,
    folder_problem,
    make_engine,
    sqlite_url,
)
from socialinbox.storage.migrate import needs_upgrade, upgrade_to_head
from socialinbox.storage.repository import Repository
from socialinbox.sync.outbox import OutboxSender
from socialinbox.sync.service import ConnectorPool, Credentials, SyncService

log = logging.getLogger(__name__)

DEMO_POLL_INTERVAL_S = 10


@dataclasses.dataclass
class Core:
    """The store, the settings and the secrets; the network side (client, connectors, sync service, sender) is
    made on first use, so the window can paint before it (the client's TLS context alone took 50-160 ms)."""

    paths: AppPaths
    settings: Settings
    clock: Clock
    engine: Engine
    repository: Repository
    secrets: SecretStore
    secrets_warning: str | None
    transport: httpx.BaseTransport | None = None  # tests and benchmarks answer the network in process

    @functools.cached_property
    def client(self) -> httpx.Client:
        return make_client(self.transport)

    @functools.cached_property
    def connectors(self) -> ConnectorPool:
        return ConnectorPool(REGISTRY, self.clock)

    @functools.cached_property
    def credentials(self) -> Credentials:
        return Credentials(self.secrets, TOKENLESS)

    @functools.cached_property
    def service(self) -> SyncService:
        service = SyncService(self.repository, self.connectors, self.credentials, self.client, self.clock)
        # Read at each poll, so a new interval in Preferences applies from each account's next poll.
        service.poll_interval = lambda account: effective_poll_interval(account, self.settings.poll_interval_s)
        return service

    @functools.cached_property
    def sender(self) -> OutboxSender:
        return OutboxSender(self.repository, self.connectors, self.credentials, self.client, self.clock)

    def close(self) -> None:
        if "client" in self.__dict__:  # never made just to be closed
            self.client.close()
        self.engine.dispose()


def build_core(
    paths: AppPaths,
    *,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
    secrets: SecretStore | None = None,
) -> Core:
    sqlite_file = paths.database
    try:
        paths.create()
        settings = load_settings(paths.settings_file)
        if not settings.database_url:
            create_private_file(sqlite_file)  # SQLite gives its -wal and -shm files the database file's mode
            protect_files(*paths.database_files)
    except OSError as error:
        raise folder_problem(error, sqlite_file) from error
    clock = clock or SystemClock()
    engine = make_engine(settings.database_url or sqlite_url(sqlite_file))
    upgrade_with_backup(engine, None if settings.database_url else sqlite_file)
    repository = Repository(engine)
    interrupted = repository.recover_interrupted()
    if interrupted:
        log.warning("%d replies were interrupted mid-send and wait for the owner to check them", len(interrupted))
    warning = None
    if secrets is None:
        secrets, warning = open_secret_store()
    secrets = RedactingSecretStore(secrets)  # every token read or stored is redacted from logs from then on
    return Core(paths, settings, clock, engine, repository, secrets, warning, transport)


def upgrade_with_backup(engine: Engine, database: Path | None) -> None:
    """Bring the database to this version's schema. A SQLite file that needs upgrading is copied aside first
    (``<name>.before-upgrade``, owner-only) and put back exactly as it was if the upgrade fails."""
    if database is None or database.stat().st_size == 0 or not needs_upgrade(engine):
        upgrade_to_head(engine)  # a server database (its own backups), a new file, or nothing to do
        return
    backup = sqlite_companion(database, ".before-upgrade")
    _copy_database(database, backup)
    try:
        upgrade_to_head(engine)
    except Exception as error:
        engine.dispose()  # no connection may keep the half-upgraded file (or its -wal) open
        for leftover in (sqlite_companion(database, "-wal"), sqlite_companion(database, "-shm")):
            leftover.unlink(missing_ok=True)  # the failed upgrade's pages must not be replayed onto the original
        _copy_database(backup, database)
        log.exception("upgrading the database failed; the original was restored from %s", backup)
        message = (
            f"Social Inbox could not upgrade the inbox database to this version ({type(error).__name__}). "
            f"It was put back exactly as it was, so nothing was lost; a copy is kept at {backup} "
            "(it holds your customers' messages: keep it private, delete it once you no longer need it). "
            "Use the version you had before, or report this problem."
        )
        raise StorageUnavailable(StorageProblem.UPGRADE_FAILED, message) from error


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (it includes what is still in the -wal file)."""
    target.unlink(missing_ok=True)
    create_private_file(target)
    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)
    original.close()
    copy.close()


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
