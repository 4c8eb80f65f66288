"""Building the database engine from a URL: SQLite by default, PostgreSQL for a team sharing one inbox.

SQLite-only settings (WAL, busy timeout, foreign keys) live here, behind the URL, so the repository stays portable.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, ExceptionContext, make_url

from socialinbox.storage.problems import server_problem, storage_problem

BUSY_TIMEOUT_MS = 10_000
SERVER_TIMEOUT_S = 15
"""How long a team database's server may stay silent before the app gives up on it and says so."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    password: str | None = None,
    server_timeout_s: int = SERVER_TIMEOUT_S,
) -> Engine:
    """Create the engine for ``url``. Never called at import time: the composition roots call it. ``password``: a
    server's, from the keyring, used when the URL names none (``database_password_key``)."""
    if url.startswith("sqlite"):
        timeout_s = busy_timeout_ms / 1000
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": timeout_s})
        event.listen(engine, "connect", functools.partial(_configure_sqlite, busy_timeout_ms=busy_timeout_ms))
        database = make_url(url).database
        translate = functools.partial(_translate_error, database=Path(database) if database else None)
        event.listen(engine, "handle_error", translate)
        return engine
    parsed = server_url(url)
    where = parsed.render_as_string(hide_password=True)
    if password is not None and parsed.password is None:
        parsed = parsed.set(password=password)
    try:
        engine = create_engine(parsed, pool_pre_ping=True, connect_args=server_connect_args(parsed, server_timeout_s))
    except ImportError as error:  # the driver is an extra: pip install 'socialinbox[postgres]'
        reason = (
            f"its driver ({error.name}) is not installed; use a postgresql:// URL and install socialinbox[postgres]"
        )
        raise server_problem(reason, where) from error
    event.listen(engine, "handle_error", functools.partial(_translate_server_error, where=where))
    return engine


def server_url(url: str) -> URL:
    """``url`` with the driver the app ships: an owner writes ``postgresql://`` (or Heroku-style ``postgres://``), and
    SQLAlchemy would take that to mean psycopg2, which the app does not install. A driver named in the URL is kept."""
    parsed = make_url("postgresql" + url[len("postgres") :] if url.startswith("postgres:") else url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _translate_error(context: ExceptionContext, database: Path | None) -> BaseException | None:
    """SQLAlchemy raises what this returns instead of its generic OperationalError."""
    problem = storage_problem(context.original_exception, database)
    if problem is not None:
        problem.__cause__ = context.original_exception
    return problem


def server_connect_args(url: URL, timeout_s: int) -> dict[str, int]:
    """libpq's limits on a silent server, so that a network cut is an error the owner is told of within
    ``timeout_s`` rather than a wait of minutes (libpq's own defaults wait for the operating system: two minutes to
    connect, some fifteen for a reply on a connection whose peer vanished, on the GUI thread too when it reads).

    ``connect_timeout`` bounds the sign-in; keepalives find a dead connection while it idles in the pool;
    ``tcp_user_timeout`` (Linux; libpq ignores it elsewhere) ends one whose sent data goes unacknowledged mid-query.
    None is a statement timeout: a slow query on a live server is not a network cut. Settings the owner wrote in
    the URL win. Only libpq takes these names (psycopg, the driver the app ships)."""
    if url.get_backend_name() != "postgresql" or url.get_driver_name() != "psycopg":
        return {}
    limits = {
        "connect_timeout": timeout_s,
        "keepalives": 1,
        "keepalives_idle": max(1, timeout_s // 3),
        "keepalives_interval": max(1, timeout_s // 6),
        "keepalives_count": 3,
        "tcp_user_timeout": timeout_s * 1000,  # milliseconds
    }
    return {name: value for name, value in limits.items() if name not in url.query}


def without_password(url: str) -> tuple[str, str | None]:
    """A server URL as the settings keep it (no password), and the password it held, if any."""
    parsed = make_url(url)
    if parsed.password is None:
        return url, None
    bare = URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query)
    return bare.render_as_string(hide_password=False), str(parsed.password)  # (``set`` takes None as "unchanged")


def database_password_key(url: str) -> str:
    """The keyring entry of the password for the server database at ``url``: one per user, server and database."""
    parsed = server_url(url)
    return f"database-{parsed.username}@{parsed.host}:{parsed.port or ''}/{parsed.database}"


def _translate_server_error(context: ExceptionContext, where: str) -> BaseException | None:
    """A server that cannot be reached, is gone mid-way or refuses the sign-in is the owner's to fix, not a bug: the
    app keeps running and says what to check (the driver's first line: "Connection refused", "password
    authentication failed for user ..."). Anything else is left as it is."""
    error = context.original_exception
    if not (context.is_disconnect or isinstance(error, context.dialect.loaded_dbapi.OperationalError)):
        return None
    reason = (str(error).strip().splitlines() or ["no answer"])[0]
    problem = server_problem(reason.removeprefix("connection failed: "), where)
    problem.__cause__ = error
    return problem


def _configure_sqlite(dbapi_connection: Any, _record: Any, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the poller's writes
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; safe with WAL
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()
