"""Ingest's lean SQLite writes store exactly what SQLAlchemy's own parameter processing stores."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import insert

from socialinbox.domain import Direction, Platform, PollResult, Visibility
from socialinbox.storage import ingest_rows
from socialinbox.storage.models import AccountRow
from socialinbox.storage.row_values import sqlite_time
from tests.fakes import T0, customer, make_repository, remote_message

TABLES = ("contact", "conversation", "message")


@pytest.mark.parametrize(
    "moment",
    [
        T0,
        datetime(2026, 3, 29, 1, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 7, 1, 12, 30, 0, 5, tzinfo=timezone(timedelta(hours=-7, minutes=-30))),
        datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
    ],
)
def test_a_time_is_stored_as_the_text_sqlalchemy_writes(tmp_path: Path, moment: datetime) -> None:
    repo = make_repository(tmp_path)
    table = AccountRow.__table__  # type: ignore[attr-defined]
    with repo._engine.begin() as connection:
        connection.execute(insert(table).values(platform="demo", handle="@a", created_at=moment))
        stored = connection.exec_driver_sql("SELECT created_at FROM account").scalar_one()
    assert sqlite_time(moment) == stored


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        sqlite_time(datetime(2026, 1, 1))


def _polls(count: int) -> list[PollResult]:
    """Threads that span polls: later polls answer and add to what earlier ones stored (new and stored rows)."""
    polls = []
    for poll in range(3):
        messages = []
        for n in range(count):
            sent = T0 + timedelta(minutes=poll * 60 + n, microseconds=n * 7 if n % 3 else 0)
            author = customer(n % (count // 2 + 1), followers=None if n % 4 else n)
            key = f"chat:{n % 17}" if n % 2 else None
            reply_to = f"m{poll - 1}-{n}" if poll and not key and n % 3 == 0 else None
            direction = Direction.OUTBOUND if poll == 2 and n % 5 == 0 else Direction.INBOUND
            messages.append(
                remote_message(
                    f"m{poll}-{n}",
                    author=author,
                    text=f"poll {poll} message {n} 🌻",
                    sent_at=sent,
                    visibility=Visibility.PRIVATE if key else Visibility.PUBLIC,
                    direction=direction,
                    thread_key=key,
                    in_reply_to=reply_to,
                )
            )
        polls.append(PollResult(tuple(messages), f"c{poll}"))
    return polls


def _fill(folder: Path, polls: list[PollResult]) -> None:
    folder.mkdir()
    repo = make_repository(folder)
    account = repo.add_account(Platform.MASTODON, "@shop", T0).id
    for result in polls:
        repo.save_poll(account, result, T0 + timedelta(days=1))


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    connection = sqlite3.connect(path)
    try:
        return {table: connection.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() for table in TABLES}
    finally:
        connection.close()


def test_the_lean_writes_store_the_same_rows_as_sqlalchemy_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    polls = _polls(60)
    _fill(tmp_path / "lean", polls)
    monkeypatch.setattr(ingest_rows, "LEAN_DIALECTS", frozenset())  # the path every other database takes
    _fill(tmp_path / "core", polls)
    lean, core = _dump(tmp_path / "lean" / "inbox.sqlite3"), _dump(tmp_path / "core" / "inbox.sqlite3")
    assert all(lean[table] for table in TABLES)
    assert lean == core
    # The polls did update stored conversations (the executemany path), not only insert new ones.
    assert any(isinstance(row[12], int) and row[12] > 1 for row in lean["conversation"])


def test_more_rows_than_one_statement_holds_all_get_their_ids(tmp_path: Path) -> None:
    repo = make_repository(tmp_path)
    account = repo.add_account(Platform.MASTODON, "@shop", T0).id
    messages = tuple(
        remote_message(f"m{n}", author=customer(n), sent_at=T0 + timedelta(seconds=n), thread_key=f"t{n}")
        for n in range(2_600)  # more rows than one statement takes
    )
    saved = repo.save_poll(account, PollResult(messages, "c"), T0)
    assert len(saved.new_messages) == 2_600 and len(saved.conversations) == 2_600
    stored = _dump(tmp_path / "inbox.sqlite3")
    by_remote = {row[3]: row for row in stored["message"]}
    assert all(by_remote[m.remote_id][0] == m.id for m in saved.new_messages)
    assert len(stored["contact"]) == 2_600


def test_the_new_messages_a_poll_reports_are_the_messages_stored(tmp_path: Path) -> None:
    repo = make_repository(tmp_path)
    account = repo.add_account(Platform.MASTODON, "@shop", T0).id
    reported = [m for result in _polls(12) for m in repo.save_poll(account, result, T0).new_messages]
    assert len(reported) == 35  # of 36: the shop's own post that answers nobody is not stored
    stored = {m.id: m for cid in {m.conversation_id for m in reported} for m in repo.messages(cid)}
    assert reported == [stored[m.id] for m in reported]
    assert [m.id for m in reported] == sorted(m.id for m in reported)
