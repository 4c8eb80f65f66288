"""Push on the real scheduler threads: a connector's watch reports news, the normal poll runs at once.

The accounts poll on a 300-second interval, so a poll within a second can only have been woken by the watch.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
import types
from collections.abc import Callable, Iterator

import pytest

from socialinbox.connectors.base import AuthError, TransientError
from socialinbox.domain import Health, Platform, PollResult, SyncReport
from socialinbox.sync import watcher
from socialinbox.sync.scheduler import SyncScheduler
from socialinbox.sync.watcher import NewContentWatchers
from tests.fakes import FakeConnector, remote_message
from tests.sync.conftest import SyncWorld

FAR_POLL_S = 300


class FakeWatch:
    """Waits on a queue the test feeds: True (news), or an exception (the connection broke)."""

    def __init__(self) -> None:
        self.news: queue.Queue[bool | Exception] = queue.Queue()
        self.closed = threading.Event()
        self.waits = 0

    def wait(self, timeout_s: float) -> bool:
        self.waits += 1
        try:
            item = self.news.get(timeout=timeout_s)
        except queue.Empty:
            return False
        if isinstance(item, Exception):
            raise item
        return item

    def interrupt(self) -> None:
        self.news.put(False)

    def close(self) -> None:
        self.closed.set()


@dataclasses.dataclass
class WatchingConnector(FakeConnector):
    """A FakeConnector that can push: each ``watch`` hands out the next prepared watch (or raises)."""

    watches: list[FakeWatch | Exception | None] = dataclasses.field(default_factory=list)
    opened: list[FakeWatch] = dataclasses.field(default_factory=list)
    poll_started: threading.Event = dataclasses.field(default_factory=threading.Event)
    hold_poll: threading.Event | None = None

    def watch(self, token: str) -> FakeWatch | None:
        step = self.watches.pop(0) if self.watches else FakeWatch()
        if isinstance(step, Exception):
            raise step
        if step is not None:
            self.opened.append(step)
        return step

    def poll(self, client: object, token: str, cursor: str | None) -> PollResult:  # type: ignore[override]
        self.poll_started.set()
        if self.hold_poll is not None:
            self.hold_poll.wait(5)
        return super().poll(client, token, cursor)  # type: ignore[arg-type]


@pytest.fixture
def results() -> queue.Queue[object]:
    return queue.Queue()


@pytest.fixture
def scheduler(world: SyncWorld, results: queue.Queue[object]) -> Iterator[SyncScheduler]:
    built = SyncScheduler(world.service, world.sender, results.put, workers=2, outbox_interval_s=60)
    yield built
    built.shutdown()


def watching_account(world: SyncWorld) -> tuple[int, WatchingConnector]:
    account_id = world.add_account(Platform.EMAIL, poll_interval_s=FAR_POLL_S)
    connector = WatchingConnector(platform=Platform.EMAIL, clock=world.clock)
    world.fakes[int(world.repo.account(account_id).settings["fake"])] = connector
    return account_id, connector


def wait_until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def report_with_new(results: queue.Queue[object], timeout: float = 3.0) -> SyncReport:
    deadline = time.monotonic() + timeout
    while True:
        item = results.get(timeout=max(0.01, deadline - time.monotonic()))
        if isinstance(item, SyncReport) and item.new_messages:
            return item


def test_news_from_the_watch_runs_the_poll_at_once(world, scheduler, results) -> None:
    account_id, connector = watching_account(world)
    scheduler.start(world.repo.accounts())
    wait_until(lambda: len(connector.opened) == 1 and len(connector.polls) == 1)
    connector.script.append(PollResult((remote_message("m1"),), "c1"))

    told = time.monotonic()
    connector.opened[0].news.put(True)
    report = report_with_new(results)
    assert time.monotonic() - told < 1.0
    assert [m.remote_id for m in report.new_messages] == ["m1"]
    assert world.repo.cursor(account_id) == "c1"  # stored by the poll, the one way in


def test_news_during_a_running_poll_brings_one_more_poll_right_after_it(world, scheduler, results) -> None:
    _, connector = watching_account(world)
    scheduler.start(world.repo.accounts())
    wait_until(lambda: len(connector.opened) == 1 and len(connector.polls) == 1)
    connector.hold_poll = threading.Event()
    connector.poll_started.clear()
    connector.opened[0].news.put(True)
    assert connector.poll_started.wait(2)  # this poll has "read the folder" before the next mail comes
    connector.script += [PollResult((), "c1"), PollResult((remote_message("late"),), "c2")]
    connector.opened[0].news.put(True)  # the next mail, while that poll runs
    time.sleep(0.1)
    connector.hold_poll.set()

    report = report_with_new(results)
    assert [m.remote_id for m in report.new_messages] == ["late"]
    assert len(connector.polls) == 3


def test_a_broken_watch_is_opened_again_after_a_backoff(world, results) -> None:
    account_id, connector = watching_account(world)
    first, second = FakeWatch(), FakeWatch()
    connector.watches = [TransientError("refused"), first, second]
    woken: list[int] = []
    watchers = NewContentWatchers(world.service.open_watch, woken.append, min_backoff_s=0.05, renew_s=5)
    try:
        watchers.ensure(account_id)
        wait_until(lambda: len(connector.opened) == 1)
        first.news.put(TransientError("the connection dropped"))
        wait_until(lambda: len(connector.opened) == 2)
        assert first.closed.is_set()
        second.news.put(True)
        wait_until(lambda: woken == [account_id])
    finally:
        watchers.stop_all()
    assert second.closed.is_set()


def test_a_refused_sign_in_or_a_server_without_push_ends_watching(world) -> None:
    refused_id, refused = watching_account(world)
    plain_id, plain = watching_account(world)
    refused.watches = [AuthError("password changed")]
    plain.watches = [None]
    watchers = NewContentWatchers(world.service.open_watch, lambda _: None, min_backoff_s=0.05)
    try:
        watchers.ensure(refused_id)
        watchers.ensure(plain_id)
        wait_until(lambda: not watchers.watching(refused_id) and not watchers.watching(plain_id))
        watchers.ensure(plain_id)  # no IDLE on that server: not asked again this session
        time.sleep(0.1)
        assert plain.watches == [] and plain.opened == []
        watchers.ensure(refused_id)  # after a reconnect the next good poll asks again
        wait_until(lambda: len(refused.opened) == 1)
    finally:
        watchers.stop_all()


def test_needing_reconnect_removal_and_shutdown_each_close_the_watch(world, scheduler, results) -> None:
    lapsed_id, lapsed = watching_account(world)
    removed_id, removed = watching_account(world)
    quitting_id, quitting = watching_account(world)
    scheduler.start(world.repo.accounts())
    wait_until(lambda: all(len(c.opened) == 1 for c in (lapsed, removed, quitting)))

    lapsed.script.append(AuthError("password changed"))
    lapsed.opened[0].news.put(True)
    wait_until(lapsed.opened[0].closed.is_set)
    assert world.repo.account(lapsed_id).health is Health.NEEDS_RECONNECT

    scheduler.remove_account(removed_id)
    wait_until(removed.opened[0].closed.is_set)

    assert scheduler.watchers.watching(quitting_id)
    started = time.monotonic()
    scheduler.shutdown()
    assert quitting.opened[0].closed.is_set() and time.monotonic() - started < 2.0
    assert not any(scheduler.watchers.watching(a) for a in (lapsed_id, removed_id, quitting_id))


def test_accounts_that_cannot_push_are_polled_as_before(world, scheduler, results) -> None:
    account_id = world.add_account(Platform.MASTODON, poll_interval_s=FAR_POLL_S)
    scheduler.start(world.repo.accounts())
    wait_until(lambda: len(world.fake(account_id).polls) == 1)
    time.sleep(0.1)
    assert not scheduler.watchers.watching(account_id)


def test_a_shutdown_while_a_watch_is_being_started_waits_for_it_and_stops_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A poll's worker starts the watch while the window quits (CI: "cannot join thread before it is started")."""
    starting, proceed = threading.Event(), threading.Event()

    class SlowToStart(threading.Thread):
        def start(self) -> None:
            starting.set()
            proceed.wait(5)  # the shutdown comes in between "registered" and "started"
            super().start()

    patched = types.SimpleNamespace(Thread=SlowToStart, Event=threading.Event, Lock=threading.Lock)
    monkeypatch.setattr(watcher, "threading", patched)  # the watchers' threads only, not this test's own
    watchers = NewContentWatchers(lambda _account: None, lambda _account: None)
    starter = threading.Thread(target=watchers.ensure, args=(1,))
    starter.start()
    assert starting.wait(5)
    stopped: list[BaseException | None] = []

    def stop_all() -> None:
        try:
            watchers.stop_all(wait_s=2)
            stopped.append(None)
        except BaseException as error:  # handed to the test thread
            stopped.append(error)

    stopper = threading.Thread(target=stop_all)
    stopper.start()
    time.sleep(0.1)
    proceed.set()
    starter.join(5)
    stopper.join(5)
    assert stopped == [None]
    assert not watchers.watching(1)
