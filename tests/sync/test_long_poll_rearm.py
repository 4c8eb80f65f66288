"""A long-polling account listens again the moment its poll has finished, every time: never a lost turn.

The scheduler used to re-arm the job from inside the job itself; APScheduler then sometimes found that run still
counted as running, skipped the new one ("maximum number of running instances reached") and left the account to
the five-minute fallback trigger, so a Telegram message could wait minutes (found by bench B7).
"""

from __future__ import annotations

import queue
import time

from socialinbox.domain import Platform
from socialinbox.sync.scheduler import SyncScheduler
from tests.sync.conftest import SyncWorld
from tests.sync.test_long_poll import ListeningConnector


def test_quick_long_polls_follow_each_other_without_a_skipped_turn(world: SyncWorld) -> None:
    account_id = world.add_account(Platform.TELEGRAM, poll_interval_s=0)
    connector = ListeningConnector(wait=0.01)  # every poll comes back (empty) almost at once
    world.fakes[int(world.repo.account(account_id).settings["fake"])] = connector  # type: ignore[assignment]
    results: queue.Queue[object] = queue.Queue()

    def slow_sink(result: object) -> None:  # the GUI's sink warms the triage cache before it hands a report over
        time.sleep(0.03)
        results.put(result)

    scheduler = SyncScheduler(world.service, world.sender, slow_sink, workers=1, outbox_interval_s=60)
    scheduler.start(world.repo.accounts())
    try:
        deadline = time.monotonic() + 5
        while connector.polls < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        scheduler.shutdown()
    assert connector.polls >= 20, f"only {connector.polls} polls in 5 s: a turn was skipped"
    assert connector.most_at_once == 1
