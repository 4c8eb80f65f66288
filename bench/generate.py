"""A realistic inbox at any size, written fast, and cached between benchmark runs.

The schema comes from the app's own migrations (so the benchmark always measures today's tables, indexes, triggers
and full-text index); the rows are written with plain ``sqlite3`` in bulk, with the secondary indexes and triggers
dropped during the load and rebuilt afterwards, which is what makes a million messages take seconds, not an hour.

The shape: several accounts on the platforms the app can poll; customers who come back; mostly short threads, some
long chats; public mentions threaded by ``in_reply_to`` and private chats by ``thread_key``; messages in thirteen
languages with emoji. Each conversation's status, clock and counters are replayed from its messages with the same
rules as ingest, then the owner's habits are applied (old threads are done, a few are snoozed).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import random
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.corpus import TextMaker
from socialinbox.storage.engine import make_engine, sqlite_url
from socialinbox.storage.migrate import upgrade_to_head
from socialinbox.storage.revisions import MIGRATIONS_DIR

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GENERATOR_VERSION = 3  # bump when the generated data changes shape
HISTORY = timedelta(days=730)
PLATFORMS = ("mastodon", "telegram")  # platforms the app can poll; tokens are absent, so polls stop politely
_CHUNK = 50_000
_EPOCH = NOW.timestamp()


@dataclasses.dataclass
class _Conversation:
    id: int
    account_id: int
    contact_id: int
    thread_key: str
    visibility: str
    status: str = "needs-reply"
    last_message_at: float = 0.0
    preview: str = ""
    waiting_since: float | None = None
    last_outbound_at: float | None = None
    unread: int = 0
    snoozed_until: float | None = None
    message_count: int = 0


def schema_fingerprint() -> str:
    """Changes whenever a migration file does, so a cached database never outlives its schema."""
    digest = hashlib.sha256(str(GENERATOR_VERSION).encode())
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def cached_database(messages: int, cache_dir: Path, seed: int = 2026, log: bool = True) -> Path:
    """The generated database for this size, seed and schema: from the cache, or written now (atomically)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"inbox-{messages}-{seed}-{schema_fingerprint()}.sqlite3"
    if path.exists():
        return path
    partial = path.with_suffix(f".partial{os.getpid()}")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    generate(partial, messages, seed)
    partial.rename(path)
    if log:
        print(f"  generated {messages:,} messages in {time.perf_counter() - started:.1f} s -> {path}", flush=True)
    return path


def generate(path: Path, messages: int, seed: int = 2026) -> None:
    engine = make_engine(sqlite_url(path))
    upgrade_to_head(engine)
    engine.dispose()
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-200000")
        deferred = _drop_secondary(connection)
        connection.execute("BEGIN")
        _write_rows(connection, messages, random.Random(seed))
        connection.execute("COMMIT")
        for statement in deferred:
            connection.execute(statement)
        _rebuild_search(connection)
        connection.execute("PRAGMA journal_mode=WAL")  # as the app leaves it
    finally:
        connection.close()


def _drop_secondary(connection: sqlite3.Connection) -> list[str]:
    """Drop indexes and triggers of the bulk tables; return the statements that recreate them."""
    rows = connection.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL "
        "AND tbl_name IN ('message', 'conversation', 'contact')"
    ).fetchall()
    for kind, name, _sql in rows:
        connection.execute(f'DROP {kind.upper()} "{name}"')
    return [sql for kind, _name, sql in sorted(rows, key=lambda row: row[0] != "index")]


def _rebuild_search(connection: sqlite3.Connection) -> None:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "message_fts" in tables:
        connection.execute("INSERT INTO message_fts(message_fts) VALUES ('rebuild')")


def _write_rows(connection: sqlite3.Connection, total: int, rng: random.Random) -> None:
    accounts = max(2, min(8, total // 2_000))
    stamp = _text_time(_EPOCH)
    connection.executemany(
        "INSERT INTO account (id, platform, handle, display_name, settings_json, health, health_detail, "
        "poll_interval_s, created_at) VALUES (?, ?, ?, ?, ?, 'connected', '', 60, ?)",
        [
            (n, PLATFORMS[n % len(PLATFORMS)], f"@shop{n}", f"Shop channel {n}", _settings(n), _text_time(_EPOCH - 9e7))
            for n in range(1, accounts + 1)
        ],
    )
    writer = _Writer(connection, rng, accounts, stamp)
    writer.run(total)


def _settings(n: int) -> str:
    if PLATFORMS[n % len(PLATFORMS)] == "mastodon":
        return '{"instance_url": "http://127.0.0.1:9"}'
    return '{"api_base": "http://127.0.0.1:9"}'


class _Writer:
    """Makes conversations one at a time and writes them in chunks."""

    def __init__(self, connection: sqlite3.Connection, rng: random.Random, accounts: int, stamp: str) -> None:
        self._connection = connection
        self._rng = rng
        self._texts = TextMaker(rng)
        self._accounts = accounts
        self._stamp = stamp
        self._contacts: list[list[tuple[int, str, str, str]]] = [[] for _ in range(accounts + 1)]
        self._contact_rows: list[tuple[object, ...]] = []
        self._conversation_rows: list[tuple[object, ...]] = []
        self._message_rows: list[tuple[object, ...]] = []
        self._next_contact = self._next_conversation = self._next_message = 1

    def run(self, total: int) -> None:
        written = 0
        while written < total:
            written += self._conversation(min(total - written, self._thread_length()))
            if len(self._message_rows) >= _CHUNK:
                self._flush()
        self._flush()

    def _thread_length(self) -> int:
        roll = self._rng.random()
        if roll < 0.55:
            return self._rng.randint(1, 2)
        if roll < 0.85:
            return self._rng.randint(3, 8)
        if roll < 0.97:
            return self._rng.randint(9, 40)
        return self._rng.randint(41, 400)

    def _contact(self, account_id: int) -> tuple[int, str, str, str]:
        known = self._contacts[account_id]
        if known and self._rng.random() < 0.45:
            return self._rng.choice(known)
        handle, name = self._texts.person()
        contact = (self._next_contact, f"u{self._next_contact}", f"@{handle}", name)
        self._next_contact += 1
        known.append(contact)
        self._contact_rows.append((contact[0], account_id, contact[1], contact[2], contact[3], self._followers()))
        return contact

    def _followers(self) -> int | None:
        return None if self._rng.random() < 0.4 else int(self._rng.paretovariate(1.2) * 40)

    def _conversation(self, length: int) -> int:
        rng = self._rng
        account_id = rng.randint(1, self._accounts)
        contact_id, _remote_id, handle, name = self._contact(account_id)
        private = rng.random() < (0.7 if PLATFORMS[account_id % len(PLATFORMS)] == "telegram" else 0.25)
        gaps = [rng.expovariate(1 / (1800 if private else 7200)) for _ in range(length)]
        span = sum(gaps)
        start = _EPOCH - 60 - span - rng.random() * max(0.0, HISTORY.total_seconds() - span)
        conversation = _Conversation(
            self._next_conversation, account_id, contact_id, "", "private" if private else "public"
        )
        self._next_conversation += 1
        visibility = conversation.visibility
        moment, previous, inbound = start, None, True
        for index in range(length):
            moment += gaps[index] if index else 0.0
            remote_id = f"{account_id}-{self._next_message}"
            if index == 0:
                conversation.thread_key = f"chat:{conversation.id}" if private else remote_id
            if inbound:
                text, author_handle, author_name = self._texts.customer_text(), handle, name
            else:
                text, author_handle, author_name = self._texts.shop_text(), f"@shop{account_id}", "The shop"
            reply_to = None if private else previous
            row = (self._next_message, conversation.id, account_id, remote_id, "in" if inbound else "out")
            self._message_rows.append(
                (*row, author_handle, author_name, text, _text_time(moment), visibility, reply_to, None, self._stamp)
            )
            self._next_message += 1
            _apply(conversation, inbound, text, moment)
            previous = remote_id
            inbound = (not inbound) if rng.random() < 0.6 else inbound
        self._owner_habits(conversation)
        self._conversation_rows.append(_conversation_row(conversation))
        return length

    def _owner_habits(self, conversation: _Conversation) -> None:
        age = _EPOCH - conversation.last_message_at
        roll = self._rng.random()
        if conversation.status == "needs-reply" and age < 3 * 86_400 and roll < 0.03:
            conversation.status = "snoozed"
            conversation.snoozed_until = _EPOCH + self._rng.randint(1, 48) * 3600
        elif (age > 10 * 86_400 and roll < 0.93) or (
            conversation.status == "waiting" and age > 3 * 86_400 and roll < 0.8
        ):
            conversation.status, conversation.waiting_since, conversation.unread = "done", None, 0

    def _flush(self) -> None:
        connection = self._connection
        connection.executemany("INSERT INTO contact VALUES (?, ?, ?, ?, ?, ?)", self._contact_rows)
        connection.executemany(
            "INSERT INTO conversation (id, account_id, contact_id, thread_key, visibility, status, last_message_at, "
            "preview, waiting_since, last_outbound_at, unread, snoozed_until, message_count) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self._conversation_rows,
        )
        connection.executemany(
            "INSERT INTO message (id, conversation_id, account_id, remote_id, direction, author_handle, author_name, "
            "text, sent_at, visibility, in_reply_to, url, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self._message_rows,
        )
        self._contact_rows, self._conversation_rows, self._message_rows = [], [], []


def _apply(conversation: _Conversation, inbound: bool, text: str, moment: float) -> None:
    """ingest.apply_message for messages that arrive in order."""
    conversation.message_count += 1
    conversation.last_message_at = moment
    conversation.preview = (("" if inbound else "You: ") + " ".join(text.split()))[:200]
    if not inbound:
        conversation.last_outbound_at = moment
        if conversation.status == "needs-reply":
            conversation.status, conversation.waiting_since, conversation.unread = "waiting", None, 0
        return
    conversation.unread += 1
    if conversation.status != "needs-reply":
        conversation.status, conversation.waiting_since = "needs-reply", moment
    elif conversation.waiting_since is None:
        conversation.waiting_since = moment


def _conversation_row(c: _Conversation) -> tuple[object, ...]:
    return (
        c.id, c.account_id, c.contact_id, c.thread_key, c.visibility, c.status, _text_time(c.last_message_at),
        c.preview, _opt_time(c.waiting_since), _opt_time(c.last_outbound_at), c.unread, _opt_time(c.snoozed_until),
        c.message_count,
    )  # fmt: skip


def _text_time(seconds: float) -> str:
    """SQLAlchemy's SQLite DATETIME text form, which sorts as time does."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _opt_time(seconds: float | None) -> str | None:
    return None if seconds is None else _text_time(seconds)


def iter_counts(path: Path) -> Iterator[tuple[str, int]]:
    """Row counts per table, for the report."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for table in ("account", "contact", "conversation", "message"):
            yield table, connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        connection.close()
