"""R3's run, shared by the test (small count) and the long run: randomised sends over a failing network.

The network fails before a request reaches the platform (refused, no connection in time: nothing was posted) or
after (a read timeout, a reset, a gateway's 504: the platform posted it and the answer was lost). The app must
retry the first kind by itself and never the second: it stops and tells the owner, who checks the platform and
decides (as a careful owner would: retry when it is not there; with Mastodon's ``Idempotency-Key`` a retry of one
that is there is answered with the same post).
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import text

from socialinbox.domain import OutboxItem, OutboxState, Platform
from tests.faults import Fault, Seen, faults_for, gateway_timeout_after
from tests.reliability.platforms import Live
from tests.reliability.world import World

UNCERTAIN_HINT = "check the platform"
SEND_PATHS = ("/api/v1/statuses", "/sendMessage", "repo.createRecord", "convo.sendMessage")


@dataclasses.dataclass
class SendOutcome:
    replies: int
    rounds: int
    failures_seen: int  # replies shown as failed (or queued for retry) at some point, each with its reason
    reasonless_failures: int  # failures shown without a reason: must stay 0
    owner_checks: int  # uncertain sends the app could not settle itself, which the owner checked
    discarded: int  # replies the owner found already posted (Telegram) and discarded instead of resending
    reaching_posts: int  # send requests that reached the platform, owner retries included
    lost_answers: int  # send requests the platform acted on whose answer the network lost
    on_platform: Counter[str]  # reply text -> how many times the customer sees it
    sent_rows: int  # outbox rows marked sent
    stored_replies: Counter[str]  # remote id -> stored outbound messages


def failure_mix(live: Live) -> list[tuple[Fault, float]]:
    faults = faults_for(live.style, datetime(2026, 1, 1, tzinfo=UTC))
    return [
        (faults["refused"], 0.12),  # before: nothing left the laptop
        (faults["connect_timeout"], 0.06),
        (faults["timeout"], 0.08),  # after: posted, answer lost
        (faults["reset"], 0.08),
        (gateway_timeout_after(live.style), 0.04),
        (faults["503"], 0.05),  # the platform's edge refused it: not posted
    ]


def run_sends(world: World, live: Live, account: int, count: int, seed: int) -> SendOutcome:
    rng = random.Random(seed)
    conversations = _conversations(world, live, account)
    items = [
        world.repo.queue_reply(rng.choice(conversations), f"Reply number {n} (thanks!)", world.clock.now())
        for n in range(count)
    ]
    world.plan.chaos(failure_mix(live), host=live.host, method="POST")
    failures_seen: set[int] = set()
    reasonless = owner_checks = rounds = 0
    discarded: set[int] = set()
    while rounds < 400:
        rounds += 1
        for report in world.sender.send_due(account):
            if report.item.state is not OutboxState.SENT and report.item.attempts:
                failures_seen.add(report.item.id)
                reasonless += not report.item.last_error.strip()
        failed = world.repo.outbox(states=(OutboxState.FAILED,))
        for item in failed:
            owner_checks += UNCERTAIN_HINT in item.last_error
            if _owner_sees_it_posted(live, item):
                world.repo.discard_reply(item.id)  # it is there: nothing to send again
                discarded.add(item.id)
            else:
                world.repo.retry_reply(item.id)
        pending = world.repo.outbox(states=(OutboxState.QUEUED, OutboxState.SENDING, OutboxState.FAILED))
        if not pending:
            break
        world.clock.advance(hours=1)
    world.plan.clear()
    sent = world.repo.outbox(states=(OutboxState.SENT,))
    return SendOutcome(
        replies=len(items),
        rounds=rounds,
        failures_seen=len(failures_seen),
        reasonless_failures=reasonless,
        owner_checks=owner_checks,
        discarded=len(discarded),
        reaching_posts=sum(1 for seen in _sends_seen(world) if seen.reached_platform),
        lost_answers=sum(1 for seen in _sends_seen(world) if seen.fault and seen.reached_platform),
        on_platform=_on_platform(live),
        sent_rows=len(sent),
        stored_replies=_stored_replies(world, account),
    )


def _sends_seen(world: World) -> list[Seen]:
    """The requests that post a reply (not sign-in refreshes or look-ups)."""
    return [seen for seen in world.plan.seen if seen.method == "POST" and seen.path.endswith(SEND_PATHS)]


def _conversations(world: World, live: Live, account: int) -> list[int]:
    live.customer_writes(12)
    report = world.service.poll_account(account)
    assert report.ok, report.error
    return [conversation.id for conversation in report.conversations]


def _owner_sees_it_posted(live: Live, item: OutboxItem) -> bool:
    """The owner looks at the platform. Mastodon replies are safe to retry (the Idempotency-Key); a Telegram reply
    that is there already must not be sent again."""
    if live.platform is Platform.MASTODON:
        return False
    return _on_platform(live)[item.text] > 0


def _on_platform(live: Live) -> Counter[str]:
    if live.platform is Platform.MASTODON:
        return Counter(_strip_mention(status["content"]) for status in live.fake.created)
    if live.platform is Platform.BLUESKY:
        return Counter(body["record"]["text"] for body in live.fake.created)
    return Counter(sent["text"] for sent in live.fake.sent)


def _strip_mention(html: str) -> str:
    text = html.removeprefix("<p>").removesuffix("</p>")
    return text.split(" ", 1)[1] if text.startswith("@") else text


def _stored_replies(world: World, account: int) -> Counter[str]:
    with world.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT remote_id FROM message WHERE account_id = :a AND direction = 'out'"), {"a": account}
        )
        return Counter(row[0] for row in rows)
