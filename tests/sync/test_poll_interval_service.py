"""The sync service paces each account's next poll by the interval it is given (the owner's preference)."""

from datetime import timedelta

from socialinbox.connectors.base import RateLimited
from socialinbox.domain import Platform, PollResult
from socialinbox.poll_interval import effective_poll_interval
from tests.sync.conftest import SyncWorld


def test_the_next_poll_follows_the_global_preference(world: SyncWorld) -> None:
    account = world.add_account(Platform.MASTODON, poll_interval_s=60)
    world.fake(account).script += [PollResult((), "c1")]
    world.service.poll_interval = lambda polled: effective_poll_interval(polled, 180)

    report = world.service.poll_account(account)

    assert report.account.next_poll_at == world.clock.now() + timedelta(seconds=180)


def test_a_rate_limited_account_waits_at_least_the_preferred_interval(world: SyncWorld) -> None:
    account = world.add_account(Platform.MASTODON, poll_interval_s=60)
    world.fake(account).script += [RateLimited("slow down", retry_after=5)]
    world.service.poll_interval = lambda polled: effective_poll_interval(polled, 300)

    report = world.service.poll_account(account)

    assert report.account.next_poll_at == world.clock.now() + timedelta(seconds=300)
