"""The first screen of a start, read with the standard library's ``sqlite3`` before SQLAlchemy is loaded.

Why: importing SQLAlchemy, its ORM and SQLModel takes about two thirds of what a start spent before the inbox was
painted (docs/performance.md, B4). The first screen needs two reads, the accounts for the left column and the first
page of "Needs reply", so a start reads them here, paints, and opens the repository afterwards; from then on every
read goes through the repository again (``wiring.Core``).

Only for a SQLite database already at this version's schema: a new file, an upgrade, or a server database takes the
usual path. The rows are turned into values by the repository's own builders (``row_values``), so the first page is
the very same values the repository would return (tests/storage/test_first_screen.py compares them).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import Any

from socialinbox.domain import Account, Conversation, Platform, Status
from socialinbox.storage.problems import storage_problem
from socialinbox.storage.row_values import (
    CONTACT_FIELDS,
    CONVERSATION_FIELDS,
    sqlite_time,
    to_account_value,
    to_conversations,
    utc_time,
)

_BUSY_TIMEOUT_S = 10.0
_ACCOUNT_FIELDS = (
    "id", "platform", "handle", "display_name", "settings_json", "health", "health_detail", "poll_interval_s",
    "last_poll_at", "last_success_at", "next_poll_at", "rate_remaining", "rate_limit", "rate_resets_at",
)  # fmt: skip
_ACCOUNT_TIMES = frozenset({8, 9, 10, 13})  # positions of the times above, stored as text
_ACCOUNTS_SQL = f"SELECT {', '.join(_ACCOUNT_FIELDS)} FROM account ORDER BY id"  # noqa: S608 -- constant names
_CONVERSATION_COLUMNS = ", ".join(
    [*(f"c.{name}" for name in CONVERSATION_FIELDS), *(f"ct.{name}" for name in CONTACT_FIELDS), "a.platform"]
)
_CONVERSATIONS_FROM = (
    "FROM conversation AS c JOIN contact AS ct ON ct.id = c.contact_id JOIN account AS a ON a.id = c.account_id"
)


class FirstScreen:
    """Read-only reads of the first screen on one connection, used on the GUI thread only, then closed."""

    def __init__(self, connection: sqlite3.Connection, database: Path) -> None:
        self._connection = connection
        self._database = database

    @classmethod
    def open(cls, database: Path, expected_revisions: frozenset[str] | None) -> FirstScreen | None:
        """The first screen of ``database``, or None when it is new, not at ``expected_revisions`` (an upgrade
        runs first) or cannot be read now (the repository then reports why, with advice for the owner)."""
        if expected_revisions is None or not database.is_file() or database.stat().st_size == 0:
            return None
        connection = None
        try:
            connection = sqlite3.connect(database, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
            connection.execute("PRAGMA query_only = ON")  # this connection never writes, whatever happens
            if _revisions(connection) != expected_revisions:
                connection.close()
                return None
        except sqlite3.Error:
            if connection is not None:
                connection.close()
            return None
        return cls(connection, database)

    def accounts(self) -> list[Account]:
        """Every account, in the repository's order (by id)."""
        rows = self._read(_ACCOUNTS_SQL, ())
        return [
            to_account_value(*(utc_time(value) if n in _ACCOUNT_TIMES else value for n, value in enumerate(row)))
            for row in rows
        ]

    def needs_reply_stream(
        self,
        *,
        only: Collection[Platform] | None = None,
        exclude: Collection[Platform] = (),
        account_id: int | None = None,
        after: tuple[datetime, int] | None = None,
        limit: int = 100,
    ) -> list[Conversation]:
        """``Repository.needs_reply_stream``: the same rows in the same order, on the same index."""
        if only is not None and not only:
            return []  # "only these platforms", and there are none
        sql = _needs_reply_sql(account_id is not None, after is not None, len(only or ()), len(exclude))
        params: list[object] = [Status.NEEDS_REPLY.value]
        if account_id is not None:
            params.append(account_id)
        params += [platform.value for platform in only or ()]
        params += [platform.value for platform in exclude]
        if after is not None:
            params += [sqlite_time(after[0]), after[1]]
        params.append(limit)
        return to_conversations(self._read(sql, params))

    def close(self) -> None:
        self._connection.close()

    def _read(self, sql: str, params: Collection[object]) -> list[tuple[Any, ...]]:
        try:
            return self._connection.execute(sql, tuple(params)).fetchall()
        except sqlite3.Error as error:
            problem = storage_problem(error, self._database)
            if problem is None:
                raise
            raise problem from error


def _revisions(connection: sqlite3.Connection) -> frozenset[str]:
    try:
        return frozenset(str(row[0]) for row in connection.execute("SELECT version_num FROM alembic_version"))
    except sqlite3.OperationalError:  # no such table: a database no version of the app has set up yet
        return frozenset()


@functools.cache
def _needs_reply_sql(by_account: bool, after: bool, only: int, excluded: int) -> str:
    """The statement ``conversation_rows.needs_reply_select`` renders, written for sqlite3's placeholders."""
    where = ["c.status = ?"]
    if by_account:
        where.append("c.account_id = ?")
    if only:
        where.append(f"a.platform IN ({', '.join('?' * only)})")
    if excluded:
        where.append(f"a.platform NOT IN ({', '.join('?' * excluded)})")
    if after:
        where.append("(c.waiting_since, c.id) > (?, ?)")
    return (
        f"SELECT {_CONVERSATION_COLUMNS} {_CONVERSATIONS_FROM} WHERE {' AND '.join(where)} "
        "ORDER BY c.waiting_since ASC, c.id ASC LIMIT ?"
    )
