"""R3 for e-mail, shared by the test (small count) and the long run: replies over SMTP while the network and the
submission server fail before and after the server took the mail (tests/mail_faults.py's ``smtp_faults``).

Before the end of DATA is accepted nothing has left (a connection reset as it opens, 421 at the greeting, 454 at
sign-in, 451 for the sender, a reset at RCPT, 421 for DATA, a reset or a 451 before the server saw the final dot):
the app retries by itself. After the server took the mail (its 250 lost to a reset or a stall) the app cannot
know: e-mail cannot look for a sent mail the way Mastodon can, so the reply stops with "check the platform" and the
owner looks (here: at what the SMTP server received) and discards it when it arrived, retries it when not.
The IMAP side fails too (finding the customer's mail before sending): that is always before anything left.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections import Counter

from socialinbox.domain import OutboxItem, OutboxState
from tests.mail_faults import MailFault, imap_faults, smtp_faults
from tests.reliability.mail_platform import MailShop
from tests.reliability.world import World

UNCERTAIN_HINT = "check the platform"
_REPLY = re.compile(rb"Reply number (\d+) \(thanks!\)")


@dataclasses.dataclass
class MailSendOutcome:
    replies: int
    rounds: int
    failures_seen: int  # replies shown as failed (or queued for retry) at some point, each with its reason
    reasonless_failures: int  # must stay 0
    owner_checks: int  # uncertain sends the owner had to check
    discarded: int  # replies the owner found delivered and discarded instead of resending
    lost_answers: int  # sends the server took whose answer the network lost
    faults_met: Counter[str]
    delivered: Counter[int]  # reply number -> how many times the SMTP server took it
    sent_rows: int


def smtp_mix() -> list[tuple[MailFault, float]]:
    faults = smtp_faults()
    weights = {
        "reset_at_connect": 0.04,
        "greeting_421": 0.04,
        "connect_timeout": 0.02,
        "auth_454": 0.04,
        "mail_451": 0.04,
        "reset_at_rcpt": 0.04,
        "data_421": 0.03,
        "reset_before_end": 0.04,
        "451_after_text": 0.04,
        "reset_after_accept": 0.05,  # after: the server has it, the answer is lost
        "timeout_after_accept": 0.02,
    }
    return [(faults[name], weight) for name, weight in weights.items()]


def imap_mix() -> list[tuple[MailFault, float]]:
    faults = imap_faults()
    return [(faults["503"], 0.03), (faults["reset"], 0.03), (faults["bye_greeting"], 0.02)]


def run_mail_sends(world: World, shop: MailShop, account: int, count: int, seed: int) -> MailSendOutcome:
    rng = random.Random(seed)
    shop.customer_writes(12, world.clock.now())
    report = world.service.poll_account(account)
    assert report.ok, report.error
    conversations = [conversation.id for conversation in report.conversations]
    for n in range(count):
        world.repo.queue_reply(rng.choice(conversations), f"Reply number {n} (thanks!)", world.clock.now())
    shop.smtp.received.clear()
    shop.smtp_proxy.chaos(smtp_mix())
    shop.imap_proxy.chaos(imap_mix())
    failures_seen: set[int] = set()
    reasonless = owner_checks = rounds = 0
    discarded: set[int] = set()
    while rounds < 200:
        rounds += 1
        for delivery in world.sender.send_due(account):
            if delivery.item.state is not OutboxState.SENT and delivery.item.attempts:
                failures_seen.add(delivery.item.id)
                reasonless += not delivery.item.last_error.strip()
        for item in world.repo.outbox(states=(OutboxState.FAILED,)):
            owner_checks += UNCERTAIN_HINT in item.last_error
            if delivered(shop)[_number(item)] > 0:
                world.repo.discard_reply(item.id)  # it arrived: nothing to send again
                discarded.add(item.id)
            else:
                world.repo.retry_reply(item.id)
        if not world.repo.outbox(states=(OutboxState.QUEUED, OutboxState.SENDING, OutboxState.FAILED)):
            break
        world.clock.advance(hours=1)
    shop.smtp_proxy.clear()
    shop.imap_proxy.clear()
    met = Counter(shop.smtp_proxy.met + [f"imap {name}" for name in shop.imap_proxy.met])
    return MailSendOutcome(
        replies=count,
        rounds=rounds,
        failures_seen=len(failures_seen),
        reasonless_failures=reasonless,
        owner_checks=owner_checks,
        discarded=len(discarded),
        lost_answers=met["reset_after_accept"] + met["timeout_after_accept"],
        faults_met=met,
        delivered=delivered(shop),
        sent_rows=len(world.repo.outbox(states=(OutboxState.SENT,))),
    )


def delivered(shop: MailShop) -> Counter[int]:
    """Reply number -> how many mails carrying it the SMTP server accepted."""
    return Counter(int(match.group(1)) for mail in shop.smtp.received for match in _REPLY.finditer(mail.data))


def _number(item: OutboxItem) -> int:
    match = _REPLY.search(item.text.encode())
    assert match is not None, item.text
    return int(match.group(1))
