"""Building the core once, for both composition roots (the command line and the GUI).

Everything is created here and passed in through constructors: no engine, client or store exists before
``build_core`` runs, and nothing reaches for a global.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Unpack

from socialinbox.domain import Account, Clock, Conversation, Platform, SystemClock
from socialinbox.paths import AppPaths, create_private_file, protect_files, sqlite_companion
from socialinbox.poll_interval import effective_poll_interval
from socialinbox.settings import Settings, load_settings, save_settings
from socialinbox.storage.first_screen import FirstScreen
from socialinbox.storage.paging import StreamQuery
from socialinbox.storage.problems import StorageProblem, StorageUnavailable, folder_problem
from socialinbox.storage.revisions import head_revisions

if TYPE_CHECKING:  # each loads on first use, after a start has painted (docs/performance.md, B4)
    import httpx
    from sqlalchemy import Engine

    from socialinbox.secrets import SecretStore
    from socialinbox.storage.repository import Repository
    from socialinbox.sync.outbox import OutboxSender
    from socialinbox.sync.service import ConnectorPool, Credentials, SyncService

log = logging.getLogger(__name__)

DEMO_POLL_INTERVAL_S = 10


@dataclasses.dataclass
class Core:
    """The store, the settings and the secrets. Everything a start's first paint does not need is made on first
    use: the database engine and repository (SQLAlchemy), the secret store (the keyring looks for its backends),
    and the network side (client, connectors, sync service, sender).

    Until the repository is opened, ``accounts`` and ``needs_reply_stream`` read through ``first_screen`` (plain
    ``sqlite3``), so the window can paint before SQLAlchemy is even imported; opening the repository closes it.
    """

    paths: AppPaths
    settings: Settings
    clock: Clock
    database_url: str | None  # None: the SQLite file in ``paths``
    given_secrets: SecretStore | None = None  # tests and benchmarks; None opens the system's keyring
    transport: httpx.BaseTransport | None = None  # tests and benchmarks answer the network in process
    first_screen: FirstScreen | None = None

    @functools.cached_property
    def engine(self) -> Engine:
        from socialinbox.storage.engine import database_password_key, make_engine, sqlite_url

        if self.database_url is None:
            return make_engine(sqlite_url(self.paths.database))
        return make_engine(self.database_url, password=self.secrets.get(database_password_key(self.database_url)))

    @functools.cached_property
    def repository(self) -> Repository:
        repository = self._recovered_repository
        self._close_first_screen()  # every read goes through the repository from now on
        return repository

    @functools.cached_property
    def _recovered_repository(self) -> Repository:
        """The repository, once replies a crash left mid-send are marked for the owner to check. Made by ``warm_up``
        on a worker, or by ``repository`` on first use; the first screen stays open until ``repository`` is asked."""
        from socialinbox.storage.repository import Repository

        repository = Repository(self.engine)
        interrupted = repository.recover_interrupted(self.clock.now())
        if interrupted:
            log.warning("%d replies were interrupted mid-send and wait for the owner to check them", len(interrupted))
        return repository

    @property
    def repository_open(self) -> bool:
        return "repository" in self.__dict__

    def accounts(self) -> list[Account]:
        """The accounts, through the first screen while the repository is not open yet."""
        if self.first_screen is not None:
            return self.first_screen.accounts()
        return self.repository.accounts()

    def needs_reply_stream(self, **query: Unpack[StreamQuery]) -> list[Conversation]:
        """``Repository.needs_reply_stream``, through the first screen while the repository is not open yet."""
        reader = self.first_screen if self.first_screen is not None else self.repository
        return reader.needs_reply_stream(**query)

    @functools.cached_property
    def _secrets(self) -> tuple[SecretStore, str | None]:
        from socialinbox.redaction import RedactingSecretStore
        from socialinbox.secrets import open_secret_store

        store, warning = (self.given_secrets, None) if self.given_secrets is not None else open_secret_store()
        return RedactingSecretStore(store), warning  # every token read or stored is redacted from logs from then on

    def warm_up(self, modules: Iterable[str]) -> None:
        """Import ``modules`` and make the engine, the repository, the secret store and the HTTP client: what the
        rest of a paint-first start needs, made on a worker while the painted window stays responsive (run_app).

        Only what nothing else uses yet: the first screen, which the window may be reading at that moment, is closed
        on the GUI thread, when it first asks for ``repository``."""
        from sqlalchemy.orm import configure_mappers

        for module in modules:
            importlib.import_module(module)
        configure_mappers()  # the ORM would map its tables at the first query (30 ms), on the GUI thread
        # SQLAlchemy compiles each statement the first time it runs (about 5 ms each). Recovering the outbox (its
        # one write, which nothing makes before the scheduler starts) and reading the accounts were the GUI thread's
        # first statements as it built the rest; made here, they are compiled by then.
        self._recovered_repository.accounts()
        _ = self._secrets
        _ = self.client

    @property
    def secrets(self) -> SecretStore:
        return self._secrets[0]

    @property
    def secrets_warning(self) -> str | None:
        """Why sign-ins will not be kept (no keyring), for the owner; None when they will."""
        return self._secrets[1]

    @functools.cached_property
    def client(self) -> httpx.Client:
        from socialinbox.connectors.http import make_client

        return make_client(self.transport)

    @functools.cached_property
    def connectors(self) -> ConnectorPool:
        from socialinbox.connectors import REGISTRY
        from socialinbox.sync.service import ConnectorPool

        return ConnectorPool(REGISTRY, self.clock)

    @functools.cached_property
    def credentials(self) -> Credentials:
        from socialinbox.connectors import TOKENLESS
        from socialinbox.sync.service import Credentials

        return Credentials(self.secrets, TOKENLESS)

    @functools.cached_property
    def service(self) -> SyncService:
        from socialinbox.sync.service import SyncService

        # Read at each poll, so a new interval in Preferences applies from each account's next poll.
        return SyncService(
            self.repository,
            self.connectors,
            self.credentials,
            self.client,
            self.clock,
            poll_interval=lambda account: effective_poll_interval(account, self.settings.poll_interval_s),
        )

    @functools.cached_property
    def sender(self) -> OutboxSender:
        from socialinbox.sync.outbox import OutboxSender

        return OutboxSender(self.repository, self.connectors, self.credentials, self.client, self.clock)

    def close(self) -> None:
        self._close_first_screen()
        if "client" in self.__dict__:  # never made just to be closed
            self.client.close()
        if "engine" in self.__dict__:
            self.engine.dispose()

    def _close_first_screen(self) -> None:
        if self.first_screen is not None:
            self.first_screen.close()
            self.first_screen = None


def build_core(
    paths: AppPaths,
    *,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
    secrets: SecretStore | None = None,
    first_screen: bool = False,
) -> Core:
    """The core on ``paths``. ``first_screen=True`` (the GUI's start): when the SQLite file is already at this
    version's schema, the repository opens on first use and the first screen is read without it."""
    sqlite_file = paths.database
    try:
        paths.create()
        settings = load_settings(paths.settings_file)
        if not settings.database_url:
            create_private_file(sqlite_file)  # SQLite gives its -wal and -shm files the database file's mode
            protect_files(*paths.database_files)
    except OSError as error:
        raise folder_problem(error, sqlite_file) from error
    server = settings.database_url or None
    reader = FirstScreen.open(sqlite_file, head_revisions()) if first_screen and server is None else None
    core = Core(paths, settings, clock or SystemClock(), server, secrets, transport, reader)
    if server is not None:
        _keep_the_database_password_in_the_keyring(core)
    if reader is None:  # a new file, an upgrade to run, a server database, or the command line: open it now
        upgrade_with_backup(core.engine, None if settings.database_url else sqlite_file)
        _ = core.repository
    return core


def _keep_the_database_password_in_the_keyring(core: Core) -> None:
    """Secrets live in the keyring only: a password written into ``database_url`` is moved there, and the settings
    are saved without it. Where there is no keyring, or it does not keep what it is given, the password stays where
    the owner wrote it: moving it would lose it (the app says that sign-ins are not kept: ``secrets_warning``)."""
    from socialinbox.storage.engine import database_password_key, without_password

    assert core.database_url is not None
    url, password = without_password(core.database_url)
    if password is None or not core.secrets.persistent:
        return
    key = database_password_key(url)
    core.secrets.set(key, password)
    if core.secrets.get(key) != password:  # a keyring that drops what it is given (keyring's null backend)
        log.warning("the keyring did not keep the database password; it stays in the settings")
        return
    core.settings = dataclasses.replace(core.settings, database_url=url)
    save_settings(core.paths.settings_file, core.settings)
    core.database_url = url
    log.info("the database password was moved from the settings to the keyring")


def _upgrade_server_database(engine: Engine) -> None:
    """A team's database keeps its own backups, and PostgreSQL undoes a failed upgrade whole (one transaction). What
    the server refuses (most often: the app's role may not create tables or the ``unaccent`` extension) is the
    owner's to settle with whoever manages the database."""
    from sqlalchemy.exc import DBAPIError

    from socialinbox.storage.migrate import upgrade_to_head

    try:
        upgrade_to_head(engine)
    except DBAPIError as error:  # a server that cannot be reached is StorageUnavailable already (storage/engine.py)
        reason = (str(error.orig).strip().splitlines() or [type(error.orig).__name__])[0]
        raise StorageUnavailable(
            StorageProblem.UPGRADE_FAILED,
            f"Social Inbox could not bring the team's database to this version: {reason}. Nothing was changed. "
            "Ask whoever manages the database to start this version once as the database's owner (or to give the "
            "app's user the right to create tables and the unaccent extension), then start it again.",
        ) from error


def upgrade_with_backup(engine: Engine, database: Path | None) -> None:
    """Bring the database to this version's schema. A SQLite file that needs upgrading is copied aside first
    (``<name>.before-upgrade``, owner-only) and put back exactly as it was if the upgrade fails."""
    from socialinbox.storage.migrate import needs_upgrade, upgrade_to_head  # SQLAlchemy: not before a first paint

    if database is None:
        _upgrade_server_database(engine)
        return
    if database.stat().st_size == 0 or not needs_upgrade(engine):
        upgrade_to_head(engine)  # a new file, or nothing to do
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
    if core.accounts():
        return None
    return add_demo_account(core)


def ensure_demo_account(core: Core) -> Account:
    """``--demo``: make sure the demo shop is connected (once)."""
    for account in core.accounts():
        if account.platform is Platform.DEMO:
            return account
    return add_demo_account(core)
