"""R3 for e-mail: replies over SMTP through a failing network and a failing submission server (the real aiosmtpd
and Dovecot behind tests/mail_faults.py): never delivered twice, never lost, every failure shown with its reason.
500 replies in the long run (``python -m tests.reliability.longrun``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from socialinbox.domain import OutboxState
from tests.conftest import FakeClock
from tests.connectors.mail_servers import Dovecot, SmtpSink
from tests.mail_faults import smtp_faults
from tests.reliability.mail_platform import MailShop, mail_servers, mail_shop, unavailable
from tests.reliability.mail_sends import delivered, run_mail_sends
from tests.reliability.world import World

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
if (reason := unavailable()) is not None:
    pytest.skip(reason, allow_module_level=True)

REPLIES = int(os.environ.get("SOCIALINBOX_R3_MAIL_REPLIES", "20"))


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Dovecot, SmtpSink]]:
    with mail_servers() as both:
        yield both


@pytest.fixture
def shop(servers: tuple[Dovecot, SmtpSink]) -> Iterator[MailShop]:
    with mail_shop(*servers, seed=3) as made:
        made.smtp.received.clear()
        yield made


def test_randomised_mail_sends_are_delivered_once_each_and_every_failure_says_why(
    world: World, clock: FakeClock, shop: MailShop
) -> None:
    outcome = run_mail_sends(world, shop, shop.add_to(world), REPLIES, seed=REPLIES)
    assert outcome.failures_seen > 0 and outcome.lost_answers > 0, f"too few faults to prove anything: {outcome}"
    assert outcome.reasonless_failures == 0
    doubled = sorted(n for n, times in outcome.delivered.items() if times > 1)
    assert not doubled, f"replies delivered twice: {doubled}"
    assert set(outcome.delivered) == set(range(REPLIES)), "replies never delivered"
    assert outcome.sent_rows + outcome.discarded == REPLIES


# After the whole text was handed over, a broken connection leaves the outcome unknown, whether or not the
# server saw the final dot: the app cannot tell these apart and must not guess.
UNCERTAIN = {"reset_before_end": False, "reset_after_accept": True, "timeout_after_accept": True}


@pytest.mark.parametrize("fault_name", sorted(smtp_faults()))
def test_each_smtp_fault_retries_what_was_not_sent_and_asks_about_what_may_have_been(
    fault_name: str, world: World, clock: FakeClock, shop: MailShop
) -> None:
    account = shop.add_to(world)
    shop.customer_writes(1, clock.now())
    (conversation,) = world.service.poll_account(account).conversations
    world.repo.queue_reply(conversation.id, "Reply number 1 (thanks!)", clock.now())
    shop.smtp_proxy.inject(smtp_faults()[fault_name])
    (first,) = world.sender.send_due(account)
    assert shop.smtp_proxy.met, "the fault never struck"
    assert first.item.state is not OutboxState.SENT and first.item.last_error
    assert delivered(shop)[1] == (1 if UNCERTAIN.get(fault_name) else 0)
    if fault_name in UNCERTAIN:  # it stops and asks the owner, never sends it again by itself
        assert first.item.state is OutboxState.FAILED and "check the platform" in first.item.last_error
        clock.advance(hours=1)
        assert world.sender.send_due(account) == []
        return
    assert first.item.state is OutboxState.QUEUED and "will retry" in first.item.last_error, first.item.last_error
    shop.smtp_proxy.clear()
    clock.advance(hours=1)
    (second,) = world.sender.send_due(account)
    assert second.item.state is OutboxState.SENT, second.item.last_error
    assert delivered(shop)[1] == 1
