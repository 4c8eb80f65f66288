"""Exactly once, over a few hundred randomised runs: a platform that fails before and after the request leaves, a
lookup that fails too, rate limits and crashes mid-send. Every reply is posted once and recorded as sent: no
duplicates, no losses.

The fake platform ignores idempotency keys on purpose (the worst case): only the outbox's look-before-retrying
(``find_sent``) stands between an uncertain attempt and a duplicate.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter

import httpx

from socialinbox.connectors.base import RateLimited, TransientError, UncertainDelivery
from socialinbox.domain import Clock, OutboxState, OutgoingReply, Platform, PollResult, SentReply
from socialinbox.sync.outbox import OutboxSender
from tests.fakes import customer, remote_message
from tests.sync.conftest import SyncWorld

RUNS = 300
MAX_STEPS = 80
_NOT_SENT = (OutboxState.QUEUED, OutboxState.SENDING, OutboxState.FAILED)


class Crash(BaseException):
    """The app dies mid-send (not an ``Exception``: nothing in the outbox may catch it)."""


@dataclasses.dataclass
class FlakyPlatform:
    """Sends fail at random before the request (nothing posted) or after it (posted, answer lost), and now and then
    the app crashes right there."""

    rng: random.Random
    clock: Clock
    platform: Platform = Platform.MASTODON
    records: list[tuple[OutgoingReply, SentReply]] = dataclasses.field(default_factory=list)

    def verify(self, client: httpx.Client, token: str) -> str:
        return "@shop"

    def poll(self, client: httpx.Client, token: str, cursor: str | None) -> PollResult:
        return PollResult((), cursor)

    def post(self, reply: OutgoingReply) -> SentReply:
        sent = SentReply(f"status-{len(self.records) + 1}", self.clock.now())
        self.records.append((reply, sent))
        return sent

    def send(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply:
        roll = self.rng.random()
        if roll < 0.05:
            raise Crash("before the request left")
        if roll < 0.25:
            raise TransientError("network down before the request left")
        if roll < 0.32:
            raise RateLimited("slow down", retry_after=self.rng.choice((1, 30, 120)))
        sent = self.post(reply)
        if roll < 0.37:
            raise Crash("after the request left")
        if roll < 0.55:
            raise UncertainDelivery("timed out after the request left")
        return sent

    def find_sent(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply | None:
        roll = self.rng.random()
        if roll < 0.03:
            raise Crash("while looking")
        if roll < 0.15:
            raise TransientError("the lookup failed too")
        return next((sent for posted, sent in self.records if posted.idempotency_key == reply.idempotency_key), None)


def _one_run(world: SyncWorld, sender: OutboxSender, platform: FlakyPlatform, account: int, run: int) -> list[int]:
    rng = platform.rng
    repo = world.repo
    queued = []
    message = remote_message(f"run{run}", author=customer(run), sent_at=world.clock.now())
    (conversation,) = repo.save_poll(account, PollResult((message,), None), world.clock.now()).conversations
    for text in range(rng.randint(1, 2)):
        queued.append(repo.queue_reply(conversation.id, f"reply {run}.{text}", world.clock.now()).id)
    for _ in range(MAX_STEPS):
        try:
            sender.send_due(account_id=account)
        except Crash:
            # The app starts again. What was mid-send is uncertain once its claim is older than SEND_LEASE: found so
            # by this start or, claimed just now, by a later round of the outbox worker (send_due).
            repo.recover_interrupted(world.clock.now())
        waiting = [item for item in repo.outbox(states=_NOT_SENT) if item.id in queued]
        if not waiting:
            break
        for item in waiting:
            if item.state is OutboxState.FAILED:
                repo.retry_reply(item.id)  # the owner presses "Retry" on whatever gave up
        world.clock.advance(seconds=rng.choice((20, 600)))  # some retries come due, some not yet
    return queued


def test_no_reply_is_lost_or_posted_twice_whatever_fails(world: SyncWorld) -> None:
    account = world.add_account(Platform.MASTODON)
    platform = FlakyPlatform(random.Random(0), world.clock)
    world.fakes[int(world.repo.account(account).settings["fake"])] = platform  # type: ignore[assignment]
    all_queued: list[int] = []
    for run in range(RUNS):
        platform.rng = random.Random(run)
        all_queued += _one_run(world, world.sender, platform, account, run)

    items = {item.id: item for item in world.repo.outbox()}
    lost = [outbox_id for outbox_id in all_queued if items[outbox_id].state is not OutboxState.SENT]
    posted = Counter(reply.outbox_id for reply, _ in platform.records)
    duplicates = {outbox_id: count for outbox_id, count in posted.items() if count > 1}
    assert lost == [] and duplicates == {}
    assert set(posted) == set(all_queued)
    # The remote id recorded for each reply is the one status the platform holds for it.
    remote_ids = {reply.outbox_id: sent.remote_id for reply, sent in platform.records}
    assert all(items[outbox_id].remote_id == remote_ids[outbox_id] for outbox_id in all_queued)
    assert len(all_queued) > RUNS  # a few hundred runs, more replies than that
    assert sum(posted.values()) == len(all_queued)


def test_the_same_storm_without_a_lookup_would_duplicate(world: SyncWorld) -> None:
    """The control: retrying uncertain sends blindly (no find_sent) does post twice, so the test above can fail."""

    @dataclasses.dataclass
    class NoLookup(FlakyPlatform):
        find_sent = None  # type: ignore[assignment]

    account = world.add_account(Platform.MASTODON)
    platform = NoLookup(random.Random(1), world.clock)
    world.fakes[int(world.repo.account(account).settings["fake"])] = platform  # type: ignore[assignment]
    for run in range(20):
        platform.rng = random.Random(run)
        _one_run(world, world.sender, platform, account, run)
    posted = Counter(reply.outbox_id for reply, _ in platform.records)
    assert max(posted.values()) > 1
