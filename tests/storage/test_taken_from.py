"""A reply in a conversation taken private carries the customer's latest public message, so Instagram and Facebook can
open the private chat as a private reply to that comment (``OutgoingReply.taken_from``); where only that first reply
names the chat's key on the platform (Facebook's Messenger id), the chat is keyed by it (``SentReply.thread_key``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from socialinbox.domain import Conversation, OutboxState, Platform, PollResult, SentReply, Status, Visibility
from socialinbox.storage.repository import Repository
from tests.fakes import T0, customer, remote_message


def test_a_reply_in_a_chat_taken_private_carries_the_customers_latest_comment(repo: Repository) -> None:
    account = repo.add_account(Platform.INSTAGRAM, "crumbandco.bakery", T0)
    thread = (
        remote_message("c1", text="My order never arrived!"),
        remote_message("c2", text="Still nothing", sent_at=T0 + timedelta(minutes=1), in_reply_to="c1"),
        remote_message("c3", author=customer(2), text="Same here", sent_at=T0 + timedelta(minutes=2), in_reply_to="c1"),
    )
    public = repo.save_poll(account.id, PollResult(thread, "c"), T0).conversations[0]
    repo.queue_reply(public.id, "Sorry! We've sent you a message.", T0 + timedelta(minutes=3))
    private = repo.open_private_conversation(public.id, "dm:user-1", T0 + timedelta(minutes=3))
    repo.queue_reply(private.id, "Can you send your order number?", T0 + timedelta(minutes=4))
    claimed = {c.reply.visibility: c.reply for c in repo.claim_due_replies(T0 + timedelta(minutes=5))}
    opener = claimed[Visibility.PRIVATE]
    assert (opener.thread_key, opener.in_reply_to, opener.taken_from) == ("dm:user-1", None, "c2")  # not customer 2's
    assert claimed[Visibility.PUBLIC].taken_from is None


def _taken_private(repo: Repository) -> tuple[int, int, int]:
    """A Facebook comment taken private (keyed by the commenter until the first message): (account, public, private)."""
    account = repo.add_account(Platform.FACEBOOK, "Crumb & Co.", T0)
    public = repo.save_poll(account.id, PollResult((remote_message("c1", text="Squashed cake!"),), "c"), T0)
    private = repo.open_private_conversation(public.conversations[0].id, "messenger-from-comment:user-1", T0)
    return account.id, public.conversations[0].id, private.id


def _customer_answers_in_messenger(repo: Repository, account: int) -> Conversation:
    """The customer's answer, from their Messenger id: the conversation it lands in."""
    answer = remote_message(
        "m_2", text="Order 1042", sent_at=T0 + timedelta(minutes=5), visibility=Visibility.PRIVATE,
        thread_key="messenger:7712",
    )  # fmt: skip
    (landed,) = repo.save_poll(account, PollResult((answer,), "c2"), T0 + timedelta(minutes=5)).conversations
    return landed


def test_the_first_private_message_keys_the_chat_as_the_platform_named_it(repo: Repository) -> None:
    """Facebook's private reply to a comment names the customer's Messenger id; their answer, keyed by it, then
    lands in the chat taken private, which stays linked to the public thread."""
    account, public, private = _taken_private(repo)
    item = repo.queue_reply(private, "So sorry! Which order?", T0 + timedelta(minutes=1))
    repo.claim_due_replies(T0 + timedelta(minutes=1))
    sent = SentReply("m_1", T0 + timedelta(minutes=1), thread_key="messenger:7712")
    repo.mark_sent(item.id, sent, T0 + timedelta(minutes=1))
    landed = _customer_answers_in_messenger(repo, account)
    assert landed.id == private
    case = repo.linked_case(private)
    assert case is not None and case.public.id == public


def test_a_customer_who_wrote_in_messenger_before_gets_the_case_in_that_chat(repo: Repository) -> None:
    """Their Messenger id already keys an earlier chat, where their answer will land: the chat taken private (empty
    until this first message) joins it, with its queued replies and its link to the public thread, so the owner
    answers the case in one chat and the case's link points at the customer's answer."""
    account, public, private = _taken_private(repo)
    earlier = remote_message(
        "m_0", text="Hi!", visibility=Visibility.PRIVATE, thread_key="messenger:7712", sent_at=T0 - timedelta(days=3)
    )
    (before,) = repo.save_poll(account, PollResult((earlier,), "c0"), T0).conversations
    first = repo.queue_reply(private, "So sorry! Which order?", T0 + timedelta(minutes=1))
    second = repo.queue_reply(private, "We'll send a new cake today.", T0 + timedelta(minutes=1))
    repo.claim_due_replies(T0 + timedelta(minutes=1), limit=1)
    sent = SentReply("m_1", T0 + timedelta(minutes=1), thread_key="messenger:7712")
    report = repo.mark_sent(first.id, sent, T0 + timedelta(minutes=1))

    assert report.conversation is not None and report.conversation.id == before.id
    assert report.joined_id == private
    with pytest.raises(LookupError):
        repo.conversation(private)
    assert [m.text for m in repo.messages(before.id)] == ["Hi!", "So sorry! Which order?"]
    assert [item.conversation_id for item in repo.outbox(states=(OutboxState.QUEUED,))] == [before.id]
    assert second.id in [item.id for item in repo.outbox(before.id)]
    case = repo.linked_case(public)
    assert case is not None and case.private.id == before.id
    landed = _customer_answers_in_messenger(repo, account)
    assert landed.id == before.id and landed.status is Status.NEEDS_REPLY


def test_a_chat_taken_private_that_already_holds_messages_keeps_its_own_key(repo: Repository) -> None:
    """Only an empty chat joins: one holding messages (from a version before joining) is left as it is, and the
    customer's answer lands in their earlier chat; nothing is lost."""
    account, _, private = _taken_private(repo)
    earlier = remote_message(
        "m_0", text="Hi!", visibility=Visibility.PRIVATE, thread_key="messenger:7712", sent_at=T0 - timedelta(days=3)
    )
    (before,) = repo.save_poll(account, PollResult((earlier,), "c0"), T0).conversations
    older = repo.queue_reply(private, "Hello from before", T0)
    repo.claim_due_replies(T0)
    repo.mark_sent(older.id, SentReply("m_a", T0), T0)  # a reply stored in the chat without a key from the platform
    item = repo.queue_reply(private, "So sorry! Which order?", T0 + timedelta(minutes=1))
    repo.claim_due_replies(T0 + timedelta(minutes=1))
    report = repo.mark_sent(item.id, SentReply("m_1", T0 + timedelta(minutes=1), thread_key="messenger:7712"), T0)
    assert report.joined_id is None and report.conversation is not None and report.conversation.id == private
    assert [m.text for m in repo.messages(private)] == ["Hello from before", "So sorry! Which order?"]
    landed = _customer_answers_in_messenger(repo, account)
    assert landed.id == before.id
