"""The scheduler on its real APScheduler threads, without Qt: results leave through the callback."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.jobstores.base import JobLookupError

from socialinbox.connectors.base import AuthError
from socialinbox.domain import DeliveryReport, Health, PollResult, SyncReport
from socialinbox.sync.scheduler import SyncScheduler
from socialinbox.sync.tasks import BackgroundTasks, TaskResult
from tests.fakes import remote_message
from tests.sync.conftest import SyncWorld


@pytest.fixture
def results() -> queue.Queue[object]:
    return queue.Queue()


@pytest.fixture
def scheduler(world: SyncWorld, results: queue.Queue[object]) -> Iterator[SyncScheduler]:
    sched = SyncScheduler(world.service, world.sender, results.put, outbox_interval_s=0.2)
    yield sched
    sched.shutdown()


def _next(results: queue.Queue[object], kind: type, timeout: float = 5.0) -> object:
    while True:
        item = results.get(timeout=timeout)
        if isinstance(item, kind):
            return item


def test_each_account_is_polled_on_a_worker_and_reported(
    world: SyncWorld, scheduler: SyncScheduler, results: queue.Queue[object]
) -> None:
    first, second = world.add_account(), world.add_account()
    world.fake(first).script.append(PollResult((remote_message("a1"),), "c1"))
    world.fake(second).script.append(PollResult((remote_message("b1"),), "c1"))
    scheduler.start(world.repo.accounts())
    reports = [_next(results, SyncReport), _next(results, SyncReport)]
    assert {r.account.id for r in reports} == {first, second}  # type: ignore[attr-defined]
    assert all(len(r.new_messages) == 1 for r in reports)  # type: ignore[attr-defined]


@pytest.mark.parametrize("offset", [timedelta(days=-3650), timedelta(hours=-2), timedelta(hours=2)])
def test_the_next_poll_waits_its_interval_whatever_the_service_clock_says(
    world: SyncWorld, scheduler: SyncScheduler, results: queue.Queue[object], offset: timedelta
) -> None:
    """The report's next poll is reckoned on the service's clock and APScheduler keeps real time; where they
    disagree, the wait still holds. (Taken as a time, a next poll in the scheduler's past ran again at once, over
    and over: these tests failed so once the real time passed the FakeClock's fixed date.)"""
    world.clock.set(datetime.now(UTC) + offset)
    account = world.add_account(poll_interval_s=60)
    scheduler.start(world.repo.accounts())
    _next(results, SyncReport)
    with pytest.raises(queue.Empty):
        _next(results, SyncReport, timeout=1.0)
    assert len(world.fake(account).polls) == 1


def test_an_account_needing_reconnect_is_paused_until_poll_now(
    world: SyncWorld, scheduler: SyncScheduler, results: queue.Queue[object]
) -> None:
    account = world.add_account()
    world.fake(account).script.append(AuthError("revoked"))
    scheduler.start(world.repo.accounts())
    report = _next(results, SyncReport)
    assert report.account.health is Health.NEEDS_RECONNECT  # type: ignore[attr-defined]
    polls_before = len(world.fake(account).polls)
    world.clock.advance(hours=1)
    with pytest.raises(queue.Empty):
        _next(results, SyncReport, timeout=1.0)
    assert len(world.fake(account).polls) == polls_before
    scheduler.poll_now(account)  # the owner reconnected
    assert _next(results, SyncReport).account.health is Health.CONNECTED  # type: ignore[attr-defined]


def test_queued_replies_go_out_through_the_outbox_job(
    world: SyncWorld, scheduler: SyncScheduler, results: queue.Queue[object]
) -> None:
    account = world.add_account()
    world.fake(account).script.append(PollResult((remote_message("a1"),), "c1"))
    scheduler.start(world.repo.accounts())
    (conversation,) = _next(results, SyncReport).conversations  # type: ignore[attr-defined]
    world.repo.queue_reply(conversation.id, "Thanks!", world.clock.now())
    scheduler.send_now()
    delivery = _next(results, DeliveryReport)
    assert delivery.item.state.value == "sent"  # type: ignore[attr-defined]


def test_removed_account_is_no_longer_polled(
    world: SyncWorld, scheduler: SyncScheduler, results: queue.Queue[object]
) -> None:
    account = world.add_account()
    scheduler.start(world.repo.accounts())
    _next(results, SyncReport)
    scheduler.remove_account(account)
    scheduler.remove_account(account)  # twice is harmless
    with pytest.raises(JobLookupError):  # the job is gone
        scheduler.poll_now(account)


def test_a_poll_still_running_when_its_account_is_removed_reports_nothing(
    world: SyncWorld, scheduler: SyncScheduler, results: queue.Queue[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its report would put the account back in the window's list after the owner removed it (CI saw the list keep
    a removed account); an account added later under the same id (SQLite may reuse it) reports again."""
    account = world.add_account()
    polling, go_on = threading.Event(), threading.Event()
    real_poll = world.service.poll_account

    def slow_poll(account_id: int) -> SyncReport:
        polling.set()
        go_on.wait(10)
        return real_poll(account_id)

    monkeypatch.setattr(world.service, "poll_account", slow_poll)
    scheduler.start(world.repo.accounts())
    assert polling.wait(10)
    scheduler.remove_account(account)  # while its poll runs
    go_on.set()
    with pytest.raises(queue.Empty):
        _next(results, SyncReport, timeout=1.0)
    scheduler.add_account(world.repo.account(account))
    assert _next(results, SyncReport).account.id == account  # type: ignore[attr-defined]


def test_a_task_asked_for_after_shutdown_is_dropped_not_raised() -> None:
    seen: list[object] = []
    tasks = BackgroundTasks(seen.append)
    tasks.shutdown()
    future = tasks.run("counts", lambda: 3)  # a result already on its way to the GUI asks for more while it quits
    assert future.cancelled() and seen == []


def test_background_tasks_report_values_and_errors_in_order() -> None:
    seen: queue.Queue[object] = queue.Queue()
    tasks = BackgroundTasks(seen.put)
    order: list[str] = []
    lock = threading.Lock()

    def work(name: str) -> str:
        with lock:
            order.append(name)
        return name.upper()

    def broken() -> None:
        raise ValueError("That conversation is gone.")

    tasks.run("a", lambda: work("a"))
    tasks.run("b", broken, context=7)
    tasks.run("c", lambda: work("c"))
    tasks.shutdown()
    got = [seen.get_nowait() for _ in range(3)]
    assert [r.name for r in got] == ["a", "b", "c"]  # type: ignore[attr-defined]
    assert got[0] == TaskResult("a", "A")
    assert got[1] == TaskResult("b", error="That conversation is gone.", context=7)
    assert order == ["a", "c"]


def test_every_job_keeps_its_interval_in_utc(
    world: SyncWorld, scheduler: SyncScheduler, results: queue.Queue[object]
) -> None:
    """An interval is the same in any zone; naming UTC spares APScheduler the look-up of the machine's zone
    (tzlocal), which it did on the GUI thread as the app started its jobs."""
    world.add_account()
    scheduler.add_tick("clock", 30, list)
    scheduler.start(world.repo.accounts())
    jobs = scheduler._scheduler.get_jobs()
    assert len(jobs) == 3  # the account's poll, the outbox, the clock's tick
    assert all(job.trigger.timezone.utcoffset(None) == timedelta(0) for job in jobs)
    assert {str(job.trigger.timezone) for job in jobs} == {"UTC"}


def test_shutting_down_while_a_poll_reschedules_itself_does_not_hang(
    world: SyncWorld, results: queue.Queue[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """APScheduler's shutdown holds its job lock while it waits for the running jobs; a poll that asked for that lock
    then, to set its next run, waited forever, and so did shutdown (a CI run hung so)."""
    account = world.add_account(poll_interval_s=60)
    world.fake(account).script.append(PollResult((remote_message("a1"),), "c1"))
    sched = SyncScheduler(world.service, world.sender, results.put, outbox_interval_s=60)
    reached, go_on = threading.Event(), threading.Event()
    real_now = world.service.now

    def now_once_shutdown_has_begun() -> datetime:  # the poll reckons its next run with it
        reached.set()
        go_on.wait(10)
        return real_now()

    monkeypatch.setattr(world.service, "now", now_once_shutdown_has_begun)
    sched.start(world.repo.accounts())
    assert reached.wait(10)
    stopping = threading.Thread(target=sched.shutdown, daemon=True)
    stopping.start()
    stopping.join(0.5)  # shutdown now waits for the poll, holding APScheduler's job lock
    go_on.set()
    stopping.join(10)
    assert not stopping.is_alive()
