"""The due-ordered inbox reuses the values it built while their rows read back unchanged, and only then."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from socialinbox.domain import Direction, Platform, PollResult
from socialinbox.storage.conversation_rows import ConversationMemo
from socialinbox.storage.paging import InboxView
from socialinbox.storage.repository import Repository
from socialinbox.storage.row_values import to_conversations
from tests.fakes import T0, customer, make_repository, remote_message


@pytest.fixture
def repo(tmp_path: Path, database_url: str) -> Repository:
    repository = make_repository(tmp_path, database_url)
    account = repository.add_account(Platform.MASTODON, "@shop", T0).id
    messages = tuple(
        remote_message(f"m{n}", author=customer(n, followers=n * 10), sent_at=T0 + timedelta(minutes=n))
        for n in range(6)
    )
    repository.save_poll(account, PollResult(messages, "c"), T0)
    return repository


def _row(conversation_id: int, preview: str = "Hello") -> tuple[object, ...]:
    return (
        conversation_id, 1, "public", "needs-reply", "2026-11-23 09:00:00.000000", preview,
        "2026-11-23 09:00:00.000000", 1, None, 1,
        conversation_id + 100, 1, f"u{conversation_id}", f"@c{conversation_id}", "", None,
        "mastodon",
    )  # fmt: skip


def test_an_unchanged_row_gives_back_the_same_value() -> None:
    memo = ConversationMemo()
    first = memo.conversations([_row(1), _row(2)])
    again = memo.conversations([_row(2), _row(1)])
    assert again[0] is first[1] and again[1] is first[0]
    assert first == to_conversations([_row(1), _row(2)])


def test_any_changed_column_builds_a_new_value() -> None:
    memo = ConversationMemo()
    (before,) = memo.conversations([_row(1)])
    (after,) = memo.conversations([_row(1, preview="Where is my order?")])
    assert after is not before and after.preview == "Where is my order?"
    (latest,) = memo.conversations([_row(1, preview="Where is my order?")])
    assert latest is after


def test_the_memo_forgets_the_oldest_rows_beyond_its_size() -> None:
    memo = ConversationMemo(size=3)
    values = memo.conversations([_row(n) for n in range(1, 6)])
    assert len(memo) == 3
    assert [c.id for c in values] == [1, 2, 3, 4, 5]
    assert memo.conversations([_row(5)])[0] is values[4]  # among the newest three
    assert memo.conversations([_row(1)])[0] is not values[0]  # forgotten, built again


def test_the_stream_sees_a_new_message_in_a_conversation_it_read_before(repo: Repository) -> None:
    before = repo.needs_reply_stream(limit=10)
    assert repo.needs_reply_stream(limit=10)[2] is before[2]
    account = repo.accounts()[0].id
    later = remote_message(
        "late", author=customer(2), text="Still broken!", sent_at=T0 + timedelta(hours=1), in_reply_to="m2"
    )
    reply = remote_message("r", direction=Direction.OUTBOUND, in_reply_to="m4", sent_at=T0 + timedelta(hours=1))
    repo.save_poll(account, PollResult((later, reply), "d"), T0)
    after = {c.id: c for c in repo.needs_reply_stream(limit=10)}
    changed = before[2]
    assert after[changed.id].preview == "Still broken!" and after[changed.id].unread == 2
    assert before[4].id not in after  # answered: no longer needs a reply
    assert after[before[0].id] is before[0]  # untouched conversations keep their values
    assert after == {c.id: c for c in repo.conversations(InboxView.NEEDS_REPLY, limit=10)}
