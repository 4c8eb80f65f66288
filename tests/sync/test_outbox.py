import random
from datetime import timedelta

import pytest

from socialinbox.connectors.base import AuthError, RateLimited, Rejected, TransientError, UncertainDelivery
from socialinbox.domain import OutboxItem, OutboxState, OutgoingReply, PollResult, SentReply, Status
from socialinbox.storage.outbox_queries import SEND_LEASE
from socialinbox.storage.problems import StorageProblem, StorageUnavailable
from tests.fakes import remote_message
from tests.sync.conftest import SyncWorld


def _conversation(world: SyncWorld) -> tuple[int, int]:
    account = world.add_account()
    world.fake(account).script.append(PollResult((remote_message("m1"),), "c1"))
    (conversation,) = world.service.poll_account(account).conversations
    return account, conversation.id


def _queue_failing_with(world: SyncWorld, error: Exception) -> OutboxItem:
    """A reply queued in a fresh conversation, on an account whose every send raises ``error``."""
    account, conversation = _conversation(world)

    def fail(reply: OutgoingReply) -> SentReply:
        raise error

    world.fake(account).send_behaviour = fail
    return world.repo.queue_reply(conversation, "hi", world.clock.now())


def test_queued_reply_is_sent_once_and_moves_conversation_to_waiting(world: SyncWorld) -> None:
    account, conversation = _conversation(world)
    world.repo.queue_reply(conversation, "We open at 8!", world.clock.now())
    (report,) = world.sender.send_due()
    assert report.item.state is OutboxState.SENT
    assert report.conversation is not None and report.conversation.status is Status.WAITING
    assert world.sender.send_due() == []
    assert [r.text for r in world.fake(account).posted] == ["We open at 8!"]
    assert world.fake(account).posted[0].in_reply_to == "m1"


def test_uncertain_delivery_waits_for_the_owner(world: SyncWorld) -> None:
    _queue_failing_with(world, UncertainDelivery("The connection dropped after sending."))
    (report,) = world.sender.send_due()
    assert report.item.state is OutboxState.FAILED and "check the platform" in report.item.last_error
    world.clock.advance(hours=1)
    assert world.sender.send_due() == []


def test_transient_failure_retries_later_then_gives_up_with_reason(world: SyncWorld) -> None:
    _queue_failing_with(world, TransientError("Network down."))
    states = []
    for _ in range(5):
        (report,) = world.sender.send_due()
        states.append(report.item.state)
        world.clock.advance(hours=1)
    assert states == [OutboxState.QUEUED] * 4 + [OutboxState.FAILED]
    assert "Gave up after 5 attempts" in report.item.last_error


def test_rate_limited_send_waits_retry_after(world: SyncWorld) -> None:
    account, conversation = _conversation(world)
    calls = []

    def limited(reply: OutgoingReply) -> SentReply:
        calls.append(reply)
        if len(calls) == 1:
            raise RateLimited("slow", retry_after=120)
        return SentReply("r1", world.clock.now())

    world.fake(account).send_behaviour = limited
    world.repo.queue_reply(conversation, "hi", world.clock.now())
    world.sender.send_due()
    world.clock.advance(seconds=119)
    assert world.sender.send_due() == []
    world.clock.advance(seconds=1)
    assert world.sender.send_due()[0].item.state is OutboxState.SENT


def test_auth_error_keeps_the_reply_for_after_reconnecting(world: SyncWorld) -> None:
    item = _queue_failing_with(world, AuthError("Token revoked."))
    (report,) = world.sender.send_due()
    assert report.item.state is OutboxState.FAILED and "after reconnecting" in report.item.last_error
    assert world.repo.retry_reply(item.id).state is OutboxState.QUEUED


def test_randomised_network_failures_never_duplicate_or_lose_a_reply(world: SyncWorld) -> None:
    """The network fails before the request (nothing posted) or after it (posted, answer lost)."""
    account, conversation = _conversation(world)
    fake = world.fake(account)
    rng = random.Random(1234)
    platform: dict[str, SentReply] = {}

    def flaky(reply: OutgoingReply) -> SentReply:
        roll = rng.random()
        if roll < 0.3:
            raise TransientError("Connection refused.")  # never reached the platform
        posted = platform.setdefault(reply.idempotency_key, SentReply(f"r-{len(platform)}", world.clock.now()))
        fake.posted.append(reply)
        if roll < 0.5:
            raise UncertainDelivery("Timed out after sending.")
        return posted

    fake.send_behaviour = flaky
    items = [world.repo.queue_reply(conversation, f"reply {n}", world.clock.now()) for n in range(200)]
    for _ in range(40):
        world.sender.send_due()
        for failed in world.repo.outbox(states=(OutboxState.FAILED,)):
            if failed.attempts and "check the platform" in failed.last_error:
                continue  # uncertain: the owner checks; never resent automatically
            world.repo.retry_reply(failed.id)
        world.clock.advance(hours=1)
    final = {item.id: item for item in world.repo.outbox()}
    keys_posted = [reply.idempotency_key for reply in fake.posted]
    assert len(keys_posted) == len(set(keys_posted)), "a reply reached the platform twice"
    for item in items:
        state = final[item.id]
        assert state.state in (OutboxState.SENT, OutboxState.FAILED)
        if state.state is OutboxState.FAILED:
            assert "check the platform" in state.last_error
    sent_remote_ids = [m.remote_id for m in world.repo.messages(conversation) if m.remote_id.startswith("r-")]
    assert (
        len(sent_remote_ids)
        == len(set(sent_remote_ids))
        == sum(1 for item in final.values() if item.state is OutboxState.SENT)
    )
    assert timedelta(0) <= world.clock.now() - items[0].created_at


def test_rejected_reply_fails_with_the_platform_reason_and_no_retry(world: SyncWorld) -> None:
    _queue_failing_with(world, Rejected("Telegram refused the reply: message is too long."))
    (report,) = world.sender.send_due()
    assert report.item.state is OutboxState.FAILED and "too long" in report.item.last_error
    world.clock.advance(hours=2)
    assert world.sender.send_due() == []


def test_a_reply_a_stopped_process_left_mid_send_is_reported_once_its_claim_has_lapsed(world: SyncWorld) -> None:
    """Another process (a team's other computer, a command) claimed it and stopped; this one runs on and tells
    the owner on a later round, without sending it again."""
    account, conversation = _conversation(world)
    item = world.repo.queue_reply(conversation, "We open at 8!", world.clock.now())
    world.repo.claim_due_replies(world.clock.now())  # the other process, which then stops
    assert world.sender.send_due() == []  # its claim is fresh: it may still be sending
    world.clock.advance(seconds=SEND_LEASE.total_seconds())
    (report,) = world.sender.send_due()
    assert report.item.id == item.id and report.item.state is OutboxState.FAILED
    assert "may or may not have been posted" in report.item.last_error
    assert report.conversation is not None and report.conversation.id == conversation
    assert world.sender.send_due() == [] and world.fake(account).posted == []
    world.repo.retry_reply(item.id)  # the owner checked and retries: the platform is looked at first
    (claim,) = world.repo.claim_due_replies(world.clock.now())
    assert claim.uncertain


def test_a_reply_found_interrupted_is_reported_even_when_the_claim_then_fails(
    world: SyncWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It is marked failed when found, so this round's report is the only one: a locked database for the claim
    that follows must not swallow it."""
    _, conversation = _conversation(world)
    item = world.repo.queue_reply(conversation, "We open at 8!", world.clock.now())
    world.repo.claim_due_replies(world.clock.now())  # by a process that then stops
    world.clock.advance(seconds=SEND_LEASE.total_seconds())

    def locked(*_: object, **__: object) -> None:
        raise StorageUnavailable(StorageProblem.LOCKED, "The inbox is busy.")

    monkeypatch.setattr(world.repo, "claim_due_replies", locked)
    (report,) = world.sender.send_due()
    assert report.item.id == item.id and report.item.state is OutboxState.FAILED
