"""Shared fixtures: offscreen Qt, no real keyring, a fake clock."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import keyring.backend
import pytest

from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.storage.engine import sqlite_url
from socialinbox.wiring import Core, build_core
from tests.postgres_server import PostgresServer, running_postgres

# Before any QApplication exists: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that forgets everything at the end of the test; never the owner's real keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


UI_TESTS = Path(__file__).parent / "ui"


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """What a test with Qt objects leaves behind is collected here, on the GUI thread, not by whichever later test's
    worker thread next passes the collector's threshold: a Qt object freed there crashes the process (the app itself
    collects on the GUI thread only: ui/gui_gc.py). Every UI test, and any other that used Qt (qtbot, qapp): the R8
    soak's mail-server threads once collected what R4's windows had left and took the test run down."""
    yield
    if request.node.path.is_relative_to(UI_TESTS) or {"qtbot", "qapp"} & set(request.fixturenames):
        gc.collect()


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


class FakeClock:
    """A clock that only moves when the test says so."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# --- the database: every test that asks for ``database_url`` runs on SQLite and on a real PostgreSQL ---------------

DATABASES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """SQLite is the app's default; PostgreSQL is the team's shared inbox (settings' ``database_url``). A test marked
    ``sqlite_only`` checks something only SQLite has (FTS5's own index, the lean write path, the sqlite3 first
    screen)."""
    if "database" in metafunc.fixturenames:
        only_sqlite = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("database", DATABASES[:1] if only_sqlite else DATABASES, indirect=True)


@pytest.fixture
def database(request: pytest.FixtureRequest) -> str:
    """Which database the test runs on ("sqlite" or "postgresql")."""
    return str(request.param)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@pytest.fixture
def database_url(database: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, migrated, empty database of the test's kind, as the app's settings would name it."""
    if database == "sqlite":
        yield sqlite_url(tmp_path / "inbox.sqlite3")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.new_database()
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    """A core on an empty data folder, sign-ins in memory (a test module may define its own ``core`` instead)."""
    built = build_core(paths_in(tmp_path), secrets=MemorySecretStore())
    yield built
    built.close()
