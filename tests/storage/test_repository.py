from datetime import timedelta

import pytest

from socialinbox.domain import Direction, Health, Platform, PollResult, Status, Visibility
from socialinbox.storage import ingest
from socialinbox.storage.paging import InboxView
from socialinbox.storage.repository import NotFound, Repository
from tests.fakes import T0, customer, remote_message


def poll(*messages, cursor: str | None = "c1") -> PollResult:  # type: ignore[no-untyped-def]
    return PollResult(tuple(messages), cursor)


def test_duplicate_messages_are_stored_once(repo: Repository, account_id: int) -> None:
    first = repo.save_poll(account_id, poll(remote_message("m1"), remote_message("m1")), T0)
    second = repo.save_poll(account_id, poll(remote_message("m1"), remote_message("m2")), T0)
    assert [m.remote_id for m in first.new_messages] == ["m1"]
    assert [m.remote_id for m in second.new_messages] == ["m2"]
    assert sum(c.message_count for c in repo.conversations(InboxView.ALL)) == 2


def test_replies_thread_into_the_conversation_they_answer(repo: Repository, account_id: int) -> None:
    repo.save_poll(account_id, poll(remote_message("m1")), T0)
    saved = repo.save_poll(
        account_id, poll(remote_message("m2", in_reply_to="m1", sent_at=T0 + timedelta(minutes=5))), T0
    )
    (conversation,) = saved.conversations
    assert conversation.message_count == 2
    assert [m.remote_id for m in repo.messages(conversation.id)] == ["m1", "m2"]


def test_reply_and_parent_in_one_poll_thread_together_whatever_their_order(repo: Repository, account_id: int) -> None:
    child = remote_message("m2", in_reply_to="m1", sent_at=T0 + timedelta(minutes=1))
    saved = repo.save_poll(account_id, poll(child, remote_message("m1")), T0)
    assert len(saved.conversations) == 1


def test_direct_messages_group_by_thread_key_as_private(repo: Repository, account_id: int) -> None:
    dm = {"thread_key": "dm:anna", "visibility": Visibility.PRIVATE}
    repo.save_poll(account_id, poll(remote_message("d1", **dm)), T0)  # type: ignore[arg-type]
    saved = repo.save_poll(account_id, poll(remote_message("d2", sent_at=T0 + timedelta(minutes=3), **dm)), T0)  # type: ignore[arg-type]
    (conversation,) = saved.conversations
    assert conversation.visibility is Visibility.PRIVATE
    assert conversation.message_count == 2
    assert conversation.waiting_since == T0  # the oldest unanswered message starts the clock


def test_conversation_knows_its_contact(repo: Repository, account_id: int) -> None:
    saved = repo.save_poll(account_id, poll(remote_message("m1", author=customer(7, followers=12000))), T0)
    contact = saved.conversations[0].contact
    assert (contact.handle, contact.display_name, contact.followers) == ("@customer7", "Customer 7", 12000)


def test_reply_from_the_platform_app_moves_conversation_to_waiting(repo: Repository, account_id: int) -> None:
    repo.save_poll(account_id, poll(remote_message("m1")), T0)
    own = remote_message("o1", direction=Direction.OUTBOUND, in_reply_to="m1", sent_at=T0 + timedelta(minutes=9))
    (conversation,) = repo.save_poll(account_id, poll(own), T0).conversations
    assert conversation.status is Status.WAITING
    assert conversation.waiting_since is None
    assert conversation.preview.startswith("You: ")


def test_backfilled_history_the_shop_answered_does_not_wait(repo: Repository, account_id: int) -> None:
    messages = [
        remote_message("m1", sent_at=T0),
        remote_message("o1", direction=Direction.OUTBOUND, in_reply_to="m1", sent_at=T0 + timedelta(minutes=5)),
    ]
    (conversation,) = repo.save_poll(account_id, poll(*reversed(messages)), T0).conversations
    assert conversation.status is Status.WAITING


def test_shop_posts_nobody_answered_are_not_conversations(repo: Repository, account_id: int) -> None:
    saved = repo.save_poll(account_id, poll(remote_message("o1", direction=Direction.OUTBOUND)), T0)
    assert saved.conversations == () and saved.new_messages == ()


def test_a_new_customer_message_reopens_a_done_conversation(repo: Repository, account_id: int) -> None:
    (conversation,) = repo.save_poll(account_id, poll(remote_message("m1")), T0).conversations
    repo.mark_done(conversation.id)
    later = T0 + timedelta(hours=2)
    (reopened,) = repo.save_poll(
        account_id, poll(remote_message("m2", in_reply_to="m1", sent_at=later)), T0
    ).conversations
    assert reopened.status is Status.NEEDS_REPLY
    assert reopened.waiting_since == later


def test_cursor_advances_with_the_messages_and_not_without(
    repo: Repository, account_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.save_poll(account_id, poll(remote_message("m1"), cursor="c1"), T0)

    def crash(*args: object) -> list[int]:
        raise RuntimeError("power cut")

    monkeypatch.setattr(ingest, "_insert_messages", crash)
    with pytest.raises(RuntimeError):
        repo.save_poll(account_id, poll(remote_message("m2"), cursor="c2"), T0)
    monkeypatch.undo()
    assert repo.cursor(account_id) == "c1"
    assert [c.preview for c in repo.conversations()] == ["Hello, are you open today?"]
    repo.save_poll(account_id, poll(remote_message("m2"), cursor="c2"), T0)
    assert repo.cursor(account_id) == "c2"
    assert len(repo.conversations()) == 2


def test_save_poll_marks_account_connected_with_rate_budget(repo: Repository, account_id: int) -> None:
    from socialinbox.domain import RateBudget

    budget = RateBudget(remaining=250, limit=300, resets_at=T0 + timedelta(minutes=5))
    saved = repo.save_poll(account_id, PollResult((), "c9", rate_budget=budget), T0, T0 + timedelta(minutes=1))
    assert saved.account.health is Health.CONNECTED
    assert saved.account.rate_budget == budget
    assert saved.account.next_poll_at == T0 + timedelta(minutes=1)


def test_needs_reply_lists_longest_waiting_first_in_keyset_pages(repo: Repository, account_id: int) -> None:
    messages = [remote_message(f"m{i}", sent_at=T0 + timedelta(minutes=(i * 7) % 50)) for i in range(50)]
    repo.save_poll(account_id, poll(*messages), T0)
    seen, after = [], None
    while page := repo.conversations(InboxView.NEEDS_REPLY, limit=8, after=after):
        seen += page
        after = repo.page_after(InboxView.NEEDS_REPLY, page[-1])
    assert len(seen) == 50 and len({c.id for c in seen}) == 50
    waits = [c.waiting_since for c in seen]
    assert waits == sorted(waits)  # type: ignore[type-var]


def test_all_view_lists_newest_first_in_keyset_pages(repo: Repository, account_id: int) -> None:
    messages = [remote_message(f"m{i}", sent_at=T0 + timedelta(seconds=i % 13)) for i in range(40)]
    repo.save_poll(account_id, poll(*messages), T0)
    seen, after = [], None
    while page := repo.conversations(InboxView.ALL, limit=6, after=after):
        seen += page
        after = repo.page_after(InboxView.ALL, page[-1])
    keys = [(c.last_message_at, c.id) for c in seen]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == 40


def test_done_snooze_and_wake(repo: Repository, account_id: int) -> None:
    (conversation,) = repo.save_poll(account_id, poll(remote_message("m1")), T0).conversations
    assert repo.snooze(conversation.id, T0 + timedelta(hours=1)).status is Status.SNOOZED
    assert repo.conversations(InboxView.NEEDS_REPLY) == []
    assert repo.wake_snoozed(T0 + timedelta(minutes=59)) == []
    (woken,) = repo.wake_snoozed(T0 + timedelta(hours=1))
    assert woken.status is Status.NEEDS_REPLY
    assert repo.mark_done(conversation.id).status is Status.DONE
    assert repo.counts().by_view[InboxView.DONE] == 1
    reopened = repo.reopen(conversation.id, T0 + timedelta(hours=3))
    assert (reopened.status, reopened.waiting_since) == (Status.NEEDS_REPLY, T0 + timedelta(hours=3))


def test_counts_by_view_and_account(repo: Repository, account_id: int) -> None:
    other = repo.add_account(Platform.DEMO, "@other", T0).id
    repo.save_poll(account_id, poll(remote_message("a"), remote_message("b", author=customer(2))), T0)
    repo.save_poll(other, poll(remote_message("c")), T0)
    counts = repo.counts()
    assert counts.by_view[InboxView.NEEDS_REPLY] == 3
    assert counts.needs_reply_by_account == {account_id: 2, other: 1}


def test_removing_an_account_removes_its_conversations(repo: Repository, account_id: int) -> None:
    repo.save_poll(account_id, poll(remote_message("m1")), T0)
    repo.remove_account(account_id)
    assert repo.conversations() == []
    with pytest.raises(NotFound):
        repo.account(account_id)


def test_a_teams_news_reads_the_customers_messages_stored_above_an_id(repo: Repository, account_id: int) -> None:
    assert repo.newest_message_id() == 0  # an empty inbox
    first = repo.save_poll(account_id, PollResult((remote_message("m1", author=customer(1)),), None), T0)
    start = repo.newest_message_id()
    assert start == first.new_messages[0].id
    later = (
        remote_message("m2", author=customer(2)),
        remote_message("m3", author=customer(2), direction=Direction.OUTBOUND, in_reply_to="m2"),
        remote_message("m4", author=customer(3)),
    )
    saved = repo.save_poll(account_id, PollResult(later, None), T0)
    by_remote = {m.remote_id: m.id for m in saved.new_messages}
    assert repo.inbound_ids_after(start) == [by_remote["m2"], by_remote["m4"]]  # the shop's own reply is no news
    assert repo.newest_message_id() == max(by_remote.values())
    assert [m.remote_id for m in repo.messages_by_id([by_remote["m4"], by_remote["m2"], 10_000])] == ["m2", "m4"]
