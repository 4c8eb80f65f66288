"""Long-polling accounts (poll interval 0, like Telegram's getUpdates) on the real scheduler threads."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from socialinbox.connectors.base import TransientError
from socialinbox.domain import Platform, PollResult, RemoteMessage, SyncReport
from socialinbox.sync.scheduler import SyncScheduler
from tests.fakes import remote_message
from tests.sync.conftest import SyncWorld


class ListeningConnector:
    """Holds each poll open until a message (or an error) is pushed, or ``wait`` seconds pass: a long poll."""

    platform = Platform.TELEGRAM

    def __init__(self, wait: float = 0.3) -> None:
        self.wait = wait
        self.inbox: queue.Queue[RemoteMessage | Exception] = queue.Queue()
        self.polls = 0
        self.active = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def verify(self, client: httpx.Client, token: str) -> str:
        return "@shop_bot"

    def poll(self, client: httpx.Client, token: str, cursor: str | None) -> PollResult:
        with self._lock:
            self.polls += 1
            self.active += 1
            self.most_at_once = max(self.most_at_once, self.active)
        try:
            try:
                arrived = self.inbox.get(timeout=self.wait)
            except queue.Empty:
                return PollResult((), cursor)
            if isinstance(arrived, Exception):
                raise arrived
            return PollResult((arrived,), f"{cursor or ''}+")
        finally:
            with self._lock:
                self.active -= 1

    def send(self, *args: object) -> object:
        raise NotImplementedError


@pytest.fixture
def results() -> queue.Queue[object]:
    return queue.Queue()


@pytest.fixture
def scheduler(world: SyncWorld, results: queue.Queue[object]) -> Iterator[SyncScheduler]:
    built = SyncScheduler(world.service, world.sender, results.put, workers=1, outbox_interval_s=60)
    yield built
    built.shutdown()


def listening_account(world: SyncWorld, wait: float = 0.3) -> tuple[int, ListeningConnector]:
    account_id = world.add_account(Platform.TELEGRAM, poll_interval_s=0)
    connector = ListeningConnector(wait)
    world.fakes[int(world.repo.account(account_id).settings["fake"])] = connector  # type: ignore[assignment]
    return account_id, connector


def next_report(results: queue.Queue[object], timeout: float = 5.0) -> SyncReport:
    deadline = time.monotonic() + timeout
    while True:
        item = results.get(timeout=max(0.01, deadline - time.monotonic()))
        if isinstance(item, SyncReport) and (item.new_messages or not item.ok):
            return item


def test_a_message_arrives_within_a_second_and_polls_never_overlap(world, scheduler, results) -> None:
    _, connector = listening_account(world)
    scheduler.start(world.repo.accounts())
    time.sleep(1.0)  # a few empty long polls come and go

    pushed = time.monotonic()
    connector.inbox.put(remote_message("t1", text="Are you open?"))
    report = next_report(results)

    assert time.monotonic() - pushed < 1.0
    assert [m.remote_id for m in report.new_messages] == ["t1"]
    assert connector.polls >= 3 and connector.most_at_once == 1


def test_a_long_poll_does_not_take_the_worker_other_accounts_need(world, scheduler, results) -> None:
    listening_account(world, wait=30)  # holds its request open for the whole test
    other = world.add_account(Platform.MASTODON)
    world.fake(other).script.append(PollResult((remote_message("m1"),), "c1"))

    scheduler.start(world.repo.accounts())  # one worker only

    assert next_report(results).account.id == other


def test_quitting_does_not_wait_for_a_long_poll_and_hears_nothing_after(world, results) -> None:
    _, connector = listening_account(world, wait=30)
    scheduler = SyncScheduler(world.service, world.sender, results.put, workers=1, outbox_interval_s=60)
    scheduler.start(world.repo.accounts())
    deadline = time.monotonic() + 5
    while connector.active == 0 and time.monotonic() < deadline:
        time.sleep(0.02)

    started = time.monotonic()
    scheduler.shutdown()
    connector.inbox.put(remote_message("late"))  # the waiting poll returns with it after the app stopped

    assert time.monotonic() - started < 2.0
    time.sleep(0.3)
    assert all(not (isinstance(r, SyncReport) and r.new_messages) for r in list(results.queue))


def test_a_failing_long_poll_backs_off_instead_of_hammering(world, scheduler, results) -> None:
    _, connector = listening_account(world)
    connector.inbox.put(TransientError("Telegram is having trouble (502); will retry."))
    scheduler.start(world.repo.accounts())

    report = next_report(results)
    time.sleep(1.0)

    assert not report.ok
    assert connector.polls == 1
    assert report.account.next_poll_at is not None
    assert (report.account.next_poll_at - world.clock.now()).total_seconds() >= 5
