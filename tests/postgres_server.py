"""A real PostgreSQL on loopback for the storage and sync tests: the team inbox's database (settings' ``database_url``).

One throwaway cluster per test run (Debian's binaries, trust sign-in on 127.0.0.1 only, no fsync), with one database
migrated to head that each test copies (``CREATE DATABASE ... TEMPLATE``: 49 ms here, against 846 ms to create and
migrate a new one, while CI ran beside it). As root, the server runs as the ``postgres`` user, which Debian's
package creates: PostgreSQL refuses to run as root. Tests that need it skip, saying why, where PostgreSQL is not
installed; ``scripts/setup.sh test`` installs it, so CI runs them.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from socialinbox.storage.claimant import has_stopped, this_process
from socialinbox.storage.engine import make_engine, server_url
from socialinbox.storage.migrate import upgrade_to_head
from tests.connectors.mail_servers import free_port

_TEMPLATE = "socialinbox_head"
OWNER_FILE = "owner"  # the test run that started the server: the app's own name for a process (storage/claimant.py)
CLERK, CLERK_PASSWORD = "clerk", "s3cret-clerk"  # the one role that must sign in with a password (the rest: trust)


def postgres_binaries() -> Path | None:
    """The newest installed PostgreSQL's ``bin`` folder (Debian keeps ``initdb`` and ``pg_ctl`` off the PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parent.parent.name))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def postgres_unavailable() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None."""
    if postgres_binaries() is None:
        return "PostgreSQL is not installed (apt-get install postgresql; 'scripts/setup.sh test' does it)"
    if os.geteuid() == 0 and not _user_exists("postgres"):
        return "PostgreSQL refuses to run as root, and there is no postgres user to run it as"
    return None


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A started server for a test or a session, stopped and deleted after it; skips the test, saying why, where
    PostgreSQL cannot run."""
    reason = postgres_unavailable()
    if reason is not None:
        pytest.skip(reason)
    stop_orphaned_servers()
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def stop_orphaned_servers() -> None:
    """Stop the throwaway servers of test runs that died without stopping them (a crashed interpreter runs no
    ``finally``: three pytest-qt crashes once left three clusters running). A server whose run is alive is left be."""
    for folder in Path(tempfile.gettempdir()).glob("socialinbox-postgres-*"):
        owner = folder / OWNER_FILE
        try:
            claimant = owner.read_text(encoding="ascii").strip()
        except OSError:
            continue  # a server from before owners were written down, or one starting right now
        if has_stopped(claimant):
            PostgresServer(folder).stop()


class PostgresServer:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or Path(tempfile.mkdtemp(prefix="socialinbox-postgres-"))
        self.port = free_port()
        self._bin = postgres_binaries()
        self._names = (f"test_{n}" for n in itertools.count(1))

    def start(self) -> None:
        assert self._bin is not None, postgres_unavailable()
        (self.folder / OWNER_FILE).write_text(this_process(), encoding="ascii")  # see stop_orphaned_servers
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.folder / "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        access = self.folder / "data" / "pg_hba.conf"  # the first line that matches decides
        access.write_text(f"host all {CLERK} 127.0.0.1/32 scram-sha-256\n" + access.read_text())
        self.serve()
        self._admin(f"CREATE ROLE {CLERK} LOGIN PASSWORD '{CLERK_PASSWORD}'")
        self._admin("CREATE DATABASE " + _TEMPLATE)
        engine = make_engine(self.url(_TEMPLATE))
        try:
            upgrade_to_head(engine)
        finally:
            engine.dispose()  # a template must have no connections when it is copied

    def serve(self) -> None:
        """Start serving (again, after ``go_down``): same port, same databases."""
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "server.log"), "-w", "-o",
                  options, "start")  # fmt: skip

    def go_down(self) -> None:
        """The server stops as when its machine is switched off (``immediate``: no goodbye to the clients)."""
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        if (self.folder / "data" / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str, user: str = "postgres") -> str:
        """How an owner would write it in the settings: no driver named (the app picks psycopg), no password."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A database at the schema's head, no rows; its name."""
        name = next(self._names)
        self._admin(f"CREATE DATABASE {name} TEMPLATE {_TEMPLATE}")
        return name

    def empty_database(self) -> str:
        """A database with no tables, owned by ``postgres`` (a role of its own may not create any there); its name."""
        name = next(self._names)
        self._admin(f"CREATE DATABASE {name}")
        return name

    def drop_database(self, name: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # FORCE: a test's pool may still hold one

    def _admin(self, statement: str) -> None:
        engine = create_engine(server_url(self.url("postgres")), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def _run(self, program: str, *arguments: str) -> None:
        assert self._bin is not None
        command = [str(self._bin / program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.folder / "server.log"
            raise RuntimeError(
                f"{program} failed ({done.returncode}): {done.stdout}{done.stderr}"
                + (log.read_text(errors="replace")[-2000:] if log.exists() else "")
            )
