"""Storage for answering: take-it-private cases, mark unread, the facts the pre-send check reads, held replies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from socialinbox.domain import Direction, OutboxState, Platform, PollResult, SentReply, Status, Visibility
from socialinbox.storage.outbox_queries import SEND_LEASE
from socialinbox.storage.repository import Repository
from tests.fakes import T0, customer, remote_message


def _public(repo: Repository) -> tuple[int, int]:
    account = repo.add_account(Platform.DEMO, "crumbandco", T0)
    saved = repo.save_poll(account.id, PollResult((remote_message("m1", text="My cake was broken!"),), "c"), T0)
    return account.id, saved.conversations[0].id


def test_taking_a_thread_private_opens_a_linked_private_conversation_with_the_same_customer(repo: Repository) -> None:
    _, public_id = _public(repo)
    private = repo.open_private_conversation(public_id, "dm:customer1", T0 + timedelta(minutes=5))
    public = repo.conversation(public_id)
    assert private.visibility is Visibility.PRIVATE and private.status is Status.NEEDS_REPLY
    assert private.contact == public.contact and private.account_id == public.account_id
    assert private.waiting_since == public.waiting_since  # the customer's clock carries on
    case = repo.linked_case(public_id)
    assert case is not None and case == repo.linked_case(private.id)
    assert (case.public.id, case.private.id, case.loop_closed_at) == (public_id, private.id, None)
    assert case.other(public_id).id == private.id and case.other(private.id).id == public_id


def test_the_customers_private_reply_threads_into_the_linked_conversation(repo: Repository) -> None:
    account_id, public_id = _public(repo)
    private = repo.open_private_conversation(public_id, "dm:customer1", T0)
    answer = remote_message("m2", text="Thanks!", visibility=Visibility.PRIVATE, thread_key="dm:customer1")
    saved = repo.save_poll(account_id, PollResult((answer,), "c2"), T0 + timedelta(minutes=1))
    assert [c.id for c in saved.conversations] == [private.id]


def test_taking_private_twice_reuses_the_private_conversation(repo: Repository) -> None:
    _, public_id = _public(repo)
    first = repo.open_private_conversation(public_id, "dm:customer1", T0)
    repo.mark_done(first.id)
    again = repo.open_private_conversation(public_id, "dm:customer1", T0 + timedelta(hours=1))
    assert again.id == first.id and again.status is Status.NEEDS_REPLY


def test_a_private_conversation_cannot_be_taken_private(repo: Repository) -> None:
    account = repo.add_account(Platform.DEMO, "crumbandco", T0)
    dm = remote_message("m1", visibility=Visibility.PRIVATE, thread_key="dm:1")
    conversation = repo.save_poll(account.id, PollResult((dm,), "c"), T0).conversations[0]
    with pytest.raises(ValueError, match="already private"):
        repo.open_private_conversation(conversation.id, "dm:1", T0)


def test_the_loop_is_open_once_the_private_chat_is_done_until_it_is_closed(repo: Repository) -> None:
    _, public_id = _public(repo)
    private = repo.open_private_conversation(public_id, "dm:customer1", T0)
    assert not repo.linked_case(public_id).loop_open  # type: ignore[union-attr]
    repo.mark_done(private.id)
    assert repo.linked_case(public_id).loop_open  # type: ignore[union-attr]
    closed = repo.close_loop(private.id, T0 + timedelta(hours=2))
    assert closed is not None and not closed.loop_open
    assert repo.linked_case(public_id).loop_closed_at == T0 + timedelta(hours=2)  # type: ignore[union-attr]
    assert repo.close_loop(repo.open_private_conversation(public_id, "dm:customer1", T0).id, T0) is not None


def test_an_unlinked_conversation_has_no_case(repo: Repository) -> None:
    _, public_id = _public(repo)
    assert repo.linked_case(public_id) is None and repo.close_loop(public_id, T0) is None


def test_mark_unread_makes_a_read_conversation_unread_once(repo: Repository) -> None:
    _, conversation_id = _public(repo)
    repo.mark_read(conversation_id)
    assert repo.mark_unread(conversation_id).unread == 1
    assert repo.mark_unread(conversation_id).unread == 1


def test_thread_since_counts_new_customer_messages_and_replies_sent_elsewhere(repo: Repository) -> None:
    account_id, conversation_id = _public(repo)
    item = repo.queue_reply(conversation_id, "On it", T0)
    repo.claim_due_replies(T0)
    repo.mark_sent(item.id, SentReply("ours", T0 + timedelta(minutes=1)), T0)
    later = [
        remote_message("m2", text="hello??", sent_at=T0 + timedelta(minutes=2), in_reply_to="m1"),
        remote_message(
            "theirs",
            author=customer(99),
            direction=Direction.OUTBOUND,
            text="Answered from the app",
            sent_at=T0 + timedelta(minutes=3),
            in_reply_to="m1",
        ),
    ]
    repo.save_poll(account_id, PollResult(tuple(later), "c2"), T0 + timedelta(minutes=4))
    since = repo.thread_since(conversation_id, T0)
    assert (since.customer_messages, since.other_replies) == (1, 1)  # our own sent reply is not "someone else"
    assert since.last_customer_message_at == T0 + timedelta(minutes=2)
    assert repo.thread_since(conversation_id, T0 + timedelta(minutes=3)).customer_messages == 0


def test_send_anyway_requeues_a_held_reply_and_counts_from_then(repo: Repository) -> None:
    _, conversation_id = _public(repo)
    item = repo.queue_reply(conversation_id, "We open at 8", T0)
    repo.claim_due_replies(T0)
    repo.mark_send_failed(item.id, "Held for you to confirm: x", None)
    with pytest.raises(ValueError):
        repo.confirm_reply(repo.queue_reply(conversation_id, "other", T0).id, T0)
    confirmed = repo.confirm_reply(item.id, T0 + timedelta(hours=1))
    assert confirmed.state is OutboxState.QUEUED
    claim = next(c for c in repo.claim_due_replies(T0 + timedelta(hours=1)) if c.item.id == item.id)
    assert claim.drafted_at == T0 + timedelta(hours=1) and not claim.uncertain


def test_an_interrupted_send_is_remembered_as_uncertain(repo: Repository) -> None:
    _, conversation_id = _public(repo)
    item = repo.queue_reply(conversation_id, "We open at 8", T0)
    repo.claim_due_replies(T0)
    (interrupted,) = repo.recover_interrupted(T0 + SEND_LEASE)
    assert interrupted.item.state is OutboxState.FAILED
    repo.retry_reply(item.id)
    (claim,) = repo.claim_due_replies(T0)
    assert claim.uncertain
    repo.mark_sent(item.id, SentReply("r1", T0), T0)
    assert repo.outbox(conversation_id)[0].state is OutboxState.SENT
