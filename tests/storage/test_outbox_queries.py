from datetime import timedelta

import pytest
from sqlalchemy import update

from socialinbox.domain import OutboxState, Platform, PollResult, SentReply, Status, Visibility
from socialinbox.storage.claimant import this_process
from socialinbox.storage.models import OutboxRow
from socialinbox.storage.outbox_queries import SEND_LEASE
from socialinbox.storage.repository import Repository
from tests.fakes import T0, remote_message


@pytest.fixture
def conversation_id(repo: Repository) -> int:
    account = repo.add_account(Platform.DEMO, "@shop", T0)
    saved = repo.save_poll(
        account.id, PollResult((remote_message("m1", thread_key="dm:1", visibility=Visibility.PRIVATE),), "c"), T0
    )
    return saved.conversations[0].id


def test_queued_reply_is_claimed_once_and_carries_its_context(repo: Repository, conversation_id: int) -> None:
    item = repo.queue_reply(conversation_id, "We open at 8!", T0)
    assert item.state is OutboxState.QUEUED
    (claim,) = repo.claim_due_replies(T0)
    assert repo.claim_due_replies(T0) == []
    assert claim.item.state is OutboxState.SENDING and claim.item.attempts == 1
    reply = claim.reply
    assert (reply.in_reply_to, reply.thread_key, reply.visibility) == ("m1", "dm:1", Visibility.PRIVATE)
    assert reply.idempotency_key == item.idempotency_key and reply.recipient is not None


def test_sent_reply_joins_the_thread_and_stops_the_clock(repo: Repository, conversation_id: int) -> None:
    item = repo.queue_reply(conversation_id, "We open at 8!", T0)
    repo.claim_due_replies(T0)
    report = repo.mark_sent(item.id, SentReply("r1", T0 + timedelta(minutes=2)), T0)
    assert report.item.state is OutboxState.SENT and report.item.remote_id == "r1"
    assert report.conversation is not None and report.conversation.status is Status.WAITING
    assert [m.remote_id for m in repo.messages(conversation_id)] == ["m1", "r1"]


def test_a_polled_copy_of_a_sent_reply_is_not_stored_twice(repo: Repository, conversation_id: int) -> None:
    account_id = repo.conversation(conversation_id).account_id
    item = repo.queue_reply(conversation_id, "Thanks!", T0)
    repo.claim_due_replies(T0)
    repo.mark_sent(item.id, SentReply("r1", T0), T0)
    from socialinbox.domain import Direction

    echo = remote_message("r1", direction=Direction.OUTBOUND, thread_key="dm:1")
    saved = repo.save_poll(account_id, PollResult((echo,), "c2"), T0)
    assert saved.new_messages == ()
    assert len(repo.messages(conversation_id)) == 2


def test_failed_reply_waits_for_retry_time_then_is_claimed_again(repo: Repository, conversation_id: int) -> None:
    item = repo.queue_reply(conversation_id, "hi", T0)
    repo.claim_due_replies(T0)
    repo.mark_send_failed(item.id, "network down", T0 + timedelta(minutes=1))
    assert repo.claim_due_replies(T0 + timedelta(seconds=30)) == []
    (claim,) = repo.claim_due_replies(T0 + timedelta(minutes=1))
    assert claim.item.attempts == 2 and claim.item.last_error == "network down"


def test_permanent_failure_keeps_reason_until_the_owner_retries(repo: Repository, conversation_id: int) -> None:
    item = repo.queue_reply(conversation_id, "hi", T0)
    repo.claim_due_replies(T0)
    report = repo.mark_send_failed(item.id, "token revoked", None)
    assert report.item.state is OutboxState.FAILED
    assert repo.claim_due_replies(T0 + timedelta(days=1)) == []
    assert repo.retry_reply(item.id).state is OutboxState.QUEUED
    assert len(repo.claim_due_replies(T0)) == 1


def test_a_reply_interrupted_mid_send_is_never_resent_silently(repo: Repository, conversation_id: int) -> None:
    item = repo.queue_reply(conversation_id, "hi", T0)
    repo.claim_due_replies(T0)  # then the app dies
    (recovered,) = repo.recover_interrupted(T0 + SEND_LEASE)
    assert recovered.item.id == item.id and recovered.item.state is OutboxState.FAILED
    assert recovered.conversation is not None and recovered.conversation.id == conversation_id
    assert "may or may not have been posted" in recovered.item.last_error
    assert repo.claim_due_replies(T0 + SEND_LEASE) == []


def test_a_reply_another_process_is_sending_now_is_left_to_it(repo: Repository, conversation_id: int) -> None:
    """A team's other computer, or the window while a command starts: its claim is fresh, so it is not taken for
    one a crash interrupted."""
    item = repo.queue_reply(conversation_id, "hi", T0)
    repo.claim_due_replies(T0)
    assert repo.recover_interrupted(T0 + SEND_LEASE - timedelta(seconds=1)) == []
    assert repo.mark_sent(item.id, SentReply("r1", T0 + timedelta(seconds=2)), T0).item.state is OutboxState.SENT


def test_a_reply_whose_process_has_stopped_is_interrupted_at_once(repo: Repository, conversation_id: int) -> None:
    """The app or a command was killed and started again on this computer: no need to wait for the claim to lapse."""
    repo.queue_reply(conversation_id, "hi", T0)
    repo.claim_due_replies(T0)
    claimants: list[str] = []
    (recovered,) = repo.recover_interrupted(T0, stopped=lambda claimant: claimants.append(claimant) or True)
    assert recovered.item.state is OutboxState.FAILED and claimants == [this_process()]


def test_a_reply_claimed_before_claims_had_a_time_counts_as_interrupted(repo: Repository, conversation_id: int) -> None:
    repo.queue_reply(conversation_id, "hi", T0)
    repo.claim_due_replies(T0)
    with repo._writing() as session:  # as an inbox from before migration 0007 holds it
        session.execute(update(OutboxRow).values(claimed_at=None))
    assert len(repo.recover_interrupted(T0)) == 1


def test_empty_reply_is_refused(repo: Repository, conversation_id: int) -> None:
    with pytest.raises(ValueError, match="needs some text"):
        repo.queue_reply(conversation_id, "   ", T0)
