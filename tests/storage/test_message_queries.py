"""Reading a thread: whole, or only its newest messages (what the pane shows first of a long thread)."""

from __future__ import annotations

from datetime import timedelta

from socialinbox.domain import PollResult, Visibility
from socialinbox.storage.repository import Repository
from tests.fakes import T0, remote_message


def _chat(repo: Repository, account_id: int, count: int) -> int:
    """A private chat of ``count`` messages a minute apart, stored in one poll in shuffled order."""
    messages = [
        remote_message(f"d{n}", thread_key="dm:anna", visibility=Visibility.PRIVATE, sent_at=T0 + timedelta(minutes=n))
        for n in range(count)
    ]
    order = messages[1::2] + messages[::2]  # stored ids do not follow the times
    (conversation,) = repo.save_poll(account_id, PollResult(tuple(order), "c1"), T0).conversations
    return conversation.id


def test_the_whole_thread_comes_oldest_first(repo: Repository, account_id: int) -> None:
    conversation_id = _chat(repo, account_id, 5)
    assert [m.remote_id for m in repo.messages(conversation_id)] == ["d0", "d1", "d2", "d3", "d4"]


def test_the_newest_part_of_a_thread_comes_oldest_first(repo: Repository, account_id: int) -> None:
    conversation_id = _chat(repo, account_id, 5)
    assert [m.remote_id for m in repo.messages(conversation_id, newest=2)] == ["d3", "d4"]
    assert [m.remote_id for m in repo.messages(conversation_id, newest=9)] == ["d0", "d1", "d2", "d3", "d4"]


def test_messages_sent_at_the_same_moment_keep_their_stored_order(repo: Repository, account_id: int) -> None:
    same = {"thread_key": "dm:bo", "visibility": Visibility.PRIVATE, "sent_at": T0}
    poll = PollResult(tuple(remote_message(f"s{n}", **same) for n in range(3)), "c1")  # type: ignore[arg-type]
    (conversation,) = repo.save_poll(account_id, poll, T0).conversations
    whole = [m.id for m in repo.messages(conversation.id)]
    assert [m.id for m in repo.messages(conversation.id, newest=2)] == whole[-2:]
