"""B1-B3: ingest, the first page of "needs reply", full-text search. In process, through the real Repository."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from bench.measure import Outcome, Size, interleaved_medians, seconds, wall_and_cpu
from bench.remote import poll_batches
from socialinbox.clock_settings import safe_policy
from socialinbox.domain import Platform, PollResult
from socialinbox.settings import Settings
from socialinbox.storage.engine import make_engine, sqlite_url
from socialinbox.storage.migrate import upgrade_to_head
from socialinbox.storage.paging import InboxView
from socialinbox.storage.repository import Repository
from socialinbox.storage.search import match_expression
from socialinbox.triage import Triage, TriageCache
from socialinbox.ui.due_source import DueOrder  # no Qt in it: the order the app's "Needs reply" list uses

INGEST_NOW = datetime(2026, 12, 31, tzinfo=UTC)
SEARCH_WORD = "sourdough"  # a product about one message in a hundred mentions
BULK_TABLES = ("contact", "conversation", "message")

# The inbox's first page, written by hand: the same rows the repository reads (conversation, contact, platform).
HAND_FIRST_PAGE = (
    "SELECT c.*, ct.*, a.platform FROM conversation AS c "
    "JOIN contact AS ct ON ct.id = c.contact_id JOIN account AS a ON a.id = c.account_id "
    "WHERE c.status = 'needs-reply' ORDER BY c.waiting_since, c.id LIMIT 100"
)
HAND_SEARCH = (  # storage/search.py's ranked query, by hand
    "SELECT m.conversation_id, min(newest.score) AS score, m.id FROM ("
    "SELECT rowid AS id, rank AS score FROM message_fts WHERE message_fts MATCH ? ORDER BY rowid DESC LIMIT 1000"
    ") AS newest JOIN message AS m INDEXED BY ix_message_search_conversation ON m.id = newest.id "
    "GROUP BY m.conversation_id ORDER BY score, m.conversation_id LIMIT 50"
)
RANK_EVERYTHING = (  # for the record: bm25 over every match, as before the ranking window
    "SELECT m.conversation_id, min(f.rank) AS score FROM message_fts AS f JOIN message AS m ON m.id = f.rowid "
    "WHERE message_fts MATCH ? GROUP BY m.conversation_id ORDER BY score LIMIT 50"
)


def _fresh_repository(path: Path, accounts: int) -> tuple[Repository, Engine, list[int]]:
    path.unlink(missing_ok=True)
    engine = make_engine(sqlite_url(path))
    upgrade_to_head(engine)
    repository = Repository(engine)
    ids = [repository.add_account(Platform.DEMO, f"@shop{n}", INGEST_NOW).id for n in range(accounts)]
    return repository, engine, ids


def b1_ingest(size: Size, workdir: Path) -> Outcome:
    """Both ways, ``size.rounds`` times alternately, each into a new database; the best of each counts (the
    machine's other work only ever adds time)."""
    figures: list[tuple[float, float]] = []
    baselines: list[tuple[float, float]] = []
    for _ in range(size.rounds):
        real, engine, account_ids = _fresh_repository(workdir / "b1-save-poll.sqlite3", 3)
        polls = poll_batches(size.ingest, size.poll_batch, account_ids)

        def ingest(real: Repository = real, polls: list[tuple[int, PollResult]] = polls) -> None:
            for account_id, result in polls:
                real.save_poll(account_id, result, INGEST_NOW)

        figures.append(wall_and_cpu(ingest))
        engine.dispose()
        rows = _dump(workdir / "b1-save-poll.sqlite3")
        _fresh_repository(workdir / "b1-executemany.sqlite3", 3)[1].dispose()
        baselines.append(_executemany(workdir / "b1-executemany.sqlite3", rows))
    (figure, _), (baseline, _) = min(figures), min(baselines)
    cpu, cpu_baseline = min(c for _, c in figures), min(c for _, c in baselines)
    stored = len(rows["message"][1])
    return Outcome(
        "B1",
        f"ingest {size.ingest:,} messages through save_poll ({len(polls)} polls of {size.poll_batch})",
        figure,
        baseline,
        "s",
        "sqlite3 executemany of the same rows, one transaction",
        "<= 2x baseline",
        figure <= 2 * baseline and stored == size.ingest,
        f"best of {size.rounds}; CPU time {cpu:.2f} s vs {cpu_baseline:.2f} s ({cpu / cpu_baseline:.2f}x); "
        f"{stored:,} messages, {len(rows['conversation'][1]):,} conversations, "
        f"{len(rows['contact'][1]):,} contacts stored ({size.ingest / figure:,.0f} messages/s)",
    )


def _dump(path: Path) -> dict[str, tuple[list[str], list[tuple[object, ...]]]]:
    connection = sqlite3.connect(path)
    try:
        dumped = {}
        for table in BULK_TABLES:
            cursor = connection.execute(f"SELECT * FROM {table} ORDER BY id")
            dumped[table] = ([column[0] for column in cursor.description], cursor.fetchall())
        return dumped
    finally:
        connection.close()


def _executemany(path: Path, rows: dict[str, tuple[list[str], list[tuple[object, ...]]]]) -> tuple[float, float]:
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):  # as the app's engine sets them
        connection.execute(f"PRAGMA {pragma}")

    def insert() -> None:
        connection.execute("BEGIN")
        for table in BULK_TABLES:
            columns, values = rows[table]
            marks = ", ".join("?" for _ in columns)
            connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)
        connection.execute("COMMIT")

    try:
        return wall_and_cpu(insert)
    finally:
        connection.close()


def b2_first_page(size: Size, database: Path) -> Outcome:
    """The app's own "Needs reply" list: due order per response target, triage inside each due window."""
    engine = make_engine(sqlite_url(database))
    repository = Repository(engine)
    policy = safe_policy(Settings())[0]
    triage = TriageCache(Triage())  # the app keeps one for its whole run, warm after the first page
    hand = sqlite3.connect(database, check_same_thread=False)
    try:
        cold = seconds(lambda: DueOrder(repository, policy, triage).fetch_page(None, 100))
        page = DueOrder(repository, policy, triage).fetch_page(None, 100)
        expected = {row[0] for row in hand.execute(HAND_FIRST_PAGE)}
        figure, baseline = interleaved_medians(
            lambda: DueOrder(repository, policy, triage).fetch_page(None, 100),
            lambda: hand.execute(HAND_FIRST_PAGE).fetchall(),
            size.query_repeats,
        )
        keyset, _ = interleaved_medians(
            lambda: repository.conversations(InboxView.NEEDS_REPLY, limit=100),
            lambda: None,
            size.query_repeats,
        )
        # A new Repository each time: every row's values built afresh, as on the first read after a start.
        fresh, fresh_baseline = interleaved_medians(
            lambda: DueOrder(Repository(engine), policy, triage).fetch_page(None, 100),
            lambda: hand.execute(HAND_FIRST_PAGE).fetchall(),
            size.query_repeats,
        )
    finally:
        hand.close()
        engine.dispose()
    figure_ms, baseline_ms = figure * 1000, baseline * 1000
    same = {conversation.id for conversation in page[:100]} <= expected | {c.id for c in page[100:]}
    return Outcome(
        "B2",
        f'first page (100 rows) of "needs reply" in due order, {size.messages:,} messages',
        figure_ms,
        baseline_ms,
        "ms",
        "the same 100 rows by hand in sqlite3 (one target: due order is waiting order)",
        "median < 5 ms and <= 3x baseline",
        figure_ms < 5 and figure_ms <= 3 * baseline_ms and same,
        f"median of {size.query_repeats}, triage cache warm, unchanged rows' values reused; with every value built "
        f"afresh {fresh * 1000:.2f} ms ({fresh / fresh_baseline:.2f}x); the very first page (VADER scoring "
        f"{len(page)} rows) took {cold * 1000:.0f} ms; the plain keyset page (Repository.conversations) "
        f"{keyset * 1000:.2f} ms",
    )


def b3_search(size: Size, database: Path, word: str = SEARCH_WORD) -> Outcome:
    engine = make_engine(sqlite_url(database))
    repository = Repository(engine)
    hand = sqlite3.connect(database, check_same_thread=False)
    match = match_expression([word])
    try:
        hits = repository.search(word, limit=50)
        matching = hand.execute("SELECT count(*) FROM message_fts WHERE message_fts MATCH ?", (match,)).fetchone()[0]
        ranked = all(a.score <= b.score for a, b in itertools.pairwise(hits))
        figure, baseline = interleaved_medians(
            lambda: repository.search(word, limit=50),
            lambda: hand.execute(HAND_SEARCH, (match,)).fetchall(),
            size.query_repeats,
        )
        like = (f"%{word}%",)
        scan = seconds(lambda: hand.execute("SELECT count(*) FROM message WHERE text LIKE ?", like).fetchone())
        everything = seconds(lambda: hand.execute(RANK_EVERYTHING, (match,)).fetchall())
    finally:
        hand.close()
        engine.dispose()
    figure_ms, baseline_ms = figure * 1000, baseline * 1000
    return Outcome(
        "B3",
        f'full-text search for "{word}", {size.messages:,} messages, 50 best conversations',
        figure_ms,
        baseline_ms,
        "ms",
        "the same ranked FTS5 query by hand in sqlite3",
        "median < 30 ms, ranked",
        figure_ms < 30 and ranked and len(hits) > 0,
        f"median of {size.query_repeats}; {matching:,} matching messages, the newest 1,000 ranked; ranking all of "
        f"them takes {everything * 1000:.0f} ms, a LIKE scan {scan * 1000:.0f} ms",
    )
