"""A reply in a conversation taken private carries the customer's latest public message, so Instagram can open the
private chat as a private reply to that comment (``OutgoingReply.taken_from``)."""

from __future__ import annotations

from datetime import timedelta

from socialinbox.domain import Platform, PollResult, Visibility
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
