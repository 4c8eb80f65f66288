"""When things run: one APScheduler job per account, one for the outbox, and periodic ticks.

Jobs run on APScheduler's worker threads (never the GUI thread); every result leaves through the one
``on_result`` callback, which the GUI turns into a queued Qt signal. A poll of one account never overlaps
another poll of the same account (``max_instances=1``), and runs missed while the laptop slept collapse into
one (``coalesce``). After each poll the account's next run moves to what the report says: the owner's poll
interval, or later when the platform asked us to wait or the account is backing off (as a wait from the service's
clock, which need not agree with APScheduler's); an account that needs reconnecting is paused until the owner signs
in again.

Long-polling accounts (``poll_interval_s == 0``, e.g. Telegram's ``getUpdates``) poll again the moment the last
poll returns: the platform holds each request open until something arrives, so a message shows within seconds.
Those polls run on their own daemon threads, so a request waiting on the network neither takes a worker from the
other accounts nor holds up quitting; a report that arrives after ``shutdown`` is dropped.

Push (``wake``): accounts whose server can report new content (e-mail with IMAP IDLE) are watched by
``NewContentWatchers`` once a poll has succeeded, and each report of news runs the normal poll now. News that
comes while that account's poll is running asks for one more poll right after it, re-armed from a job listener,
which APScheduler calls only once the finished run is counted (so the new run is not skipped as a second instance).
Watching stops when the account is removed, needs reconnecting, or the app quits.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.executors.base import BaseExecutor, run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from socialinbox.domain import Account, Health, SyncReport
from socialinbox.sync.outbox import OutboxSender
from socialinbox.sync.service import SyncService
from socialinbox.sync.watcher import NewContentWatchers

log = logging.getLogger(__name__)

ResultSink = Callable[[object], None]
OUTBOX_JOB = "outbox"
LONG_POLL_EXECUTOR = "long-poll"
LONG_POLL_FALLBACK_S = 300  # the trigger's own interval; each long poll reschedules itself at once anyway


def _poll_job_id(account_id: int) -> str:
    return f"poll-{account_id}"


def _account_of_job(job_id: str) -> int | None:
    prefix, _, number = job_id.partition("-")
    return int(number) if prefix == "poll" and number.isdigit() else None


def _long_polling(account: Account) -> bool:
    return account.poll_interval_s == 0


class _DaemonThreadExecutor(BaseExecutor):  # type: ignore[misc]
    """Runs each job on a fresh daemon thread: a long poll may wait on the network when the app quits.

    A job that returns True runs again at once, re-armed only after this run is counted as finished: re-arming from
    inside the run raced with that count, and APScheduler then skipped the new run as a second instance and left the
    account to the fallback trigger, minutes later (docs/performance.md, B7).
    """

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        def run() -> None:
            try:
                events = run_job(job, job._jobstore_alias, run_times, self._logger.name)
            except BaseException as error:
                self._run_job_error(job.id, error, error.__traceback__)
            else:
                self._run_job_success(job.id, events)
                if events and getattr(events[-1], "retval", None) is True:
                    with contextlib.suppress(JobLookupError, SchedulerNotRunningError):
                        self._scheduler.modify_job(job.id, next_run_time=_now())

        threading.Thread(target=run, name=f"socialinbox-{job.id}", daemon=True).start()


class SyncScheduler:
    def __init__(
        self,
        service: SyncService,
        sender: OutboxSender,
        on_result: ResultSink,
        *,
        workers: int = 4,
        outbox_interval_s: float = 5.0,
    ) -> None:
        self._service = service
        self._sender = sender
        self._on_result = on_result
        self._outbox_interval_s = outbox_interval_s
        self._stopping = threading.Event()
        self._scheduling = threading.Lock()  # see _from_a_worker
        self._lock = threading.Lock()
        self._polling: set[int] = set()  # accounts whose poll is running now
        self._poll_again: set[int] = set()  # ... and that got news meanwhile: poll once more right after
        self._removed: set[int] = set()  # accounts removed while this ran: a poll still running reports nothing
        self.watchers = NewContentWatchers(service.open_watch, self.wake)
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(workers), LONG_POLL_EXECUTOR: _DaemonThreadExecutor()},
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": 60},
            timezone=UTC,
        )
        self._scheduler.add_listener(self._after_run, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def start(self, accounts: list[Account]) -> None:
        for account in accounts:
            self.add_account(account)
        self._scheduler.add_job(self._send_outbox, _every(self._outbox_interval_s), id=OUTBOX_JOB, next_run_time=_now())
        self._scheduler.start()

    def add_tick(self, name: str, seconds: float, work: Callable[[], list[object]]) -> None:
        """Run ``work`` every ``seconds``; each value it returns goes to ``on_result``."""

        def tick() -> None:
            for result in work():
                self._on_result(result)

        self._scheduler.add_job(tick, _every(seconds), id=f"tick-{name}", replace_existing=True)

    def add_account(self, account: Account) -> None:
        """Schedule polling for an account; the first poll runs now unless it needs reconnecting."""
        with self._lock:
            self._removed.discard(account.id)  # SQLite may give a new account the id of one removed
        long_poll = _long_polling(account)
        job = self._scheduler.add_job(
            self._poll,
            _every(LONG_POLL_FALLBACK_S if long_poll else account.poll_interval_s),
            args=(account.id,),
            id=_poll_job_id(account.id),
            replace_existing=True,
            next_run_time=_now(),
            executor=LONG_POLL_EXECUTOR if long_poll else "default",
        )
        if account.polling_stopped:
            job.pause()

    def remove_account(self, account_id: int) -> None:
        """Stop polling; a poll of it still running reports nothing (its report would bring the account back into
        the window's list after the owner removed it)."""
        with self._lock:
            self._removed.add(account_id)
        self.watchers.stop(account_id)
        with contextlib.suppress(JobLookupError):  # never scheduled, or removed already
            self._scheduler.remove_job(_poll_job_id(account_id))

    def poll_now(self, account_id: int) -> None:
        """Poll as soon as a worker is free (also resumes a paused account, e.g. after reconnecting)."""
        self._scheduler.modify_job(_poll_job_id(account_id), next_run_time=_now())

    def wake(self, account_id: int) -> None:
        """The account's server reported news (IMAP IDLE): poll now, or right after the poll that is running."""
        with self._lock:
            if account_id in self._polling:
                self._poll_again.add(account_id)
                return
        with contextlib.suppress(JobLookupError, SchedulerNotRunningError):
            self.poll_now(account_id)

    def send_now(self) -> None:
        """A reply was queued: try the outbox now instead of at the next tick."""
        self._scheduler.modify_job(OUTBOX_JOB, next_run_time=_now())

    def shutdown(self) -> None:
        """Stop and wait for running jobs, so nothing reports into a GUI that is going away."""
        with self._scheduling:  # a worker's change to a job is made wholly before this, or not at all
            self._stopping.set()  # long polls still waiting on the network report nothing once they return
        self.watchers.stop_all()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def _poll(self, account_id: int) -> bool:
        """Poll once; True asks the long-poll executor to listen again as soon as this run is done."""
        with self._lock:
            self._polling.add(account_id)  # cleared by _after_run, once the run is counted as finished
        report = self._service.poll_account(account_id)
        with self._lock:
            removed = account_id in self._removed
        if self._stopping.is_set() or removed:
            return False
        self._keep_watch(report)
        again = self._reschedule(report)
        self._on_result(report)
        return again

    def _keep_watch(self, report: SyncReport) -> None:
        """Watch for news after a good poll (also after a reconnect); stop while the account needs reconnecting."""
        if report.account.health is Health.NEEDS_RECONNECT:
            self.watchers.stop(report.account.id)
        elif report.ok and not _long_polling(report.account):
            self.watchers.ensure(report.account.id)

    def _after_run(self, event: JobExecutionEvent) -> None:
        account_id = _account_of_job(event.job_id)
        if account_id is None:
            return
        with self._lock:
            self._polling.discard(account_id)
            again = account_id in self._poll_again
            self._poll_again.discard(account_id)
        if again:
            self._from_a_worker(lambda: self.poll_now(account_id))

    def _reschedule(self, report: SyncReport) -> bool:
        job_id = _poll_job_id(report.account.id)
        if report.account.health is Health.NEEDS_RECONNECT:
            self._from_a_worker(lambda: self._scheduler.pause_job(job_id))
        elif _long_polling(report.account) and report.ok:
            return True  # listen again at once (the executor re-arms the job after this run)
        elif report.account.next_poll_at is not None:
            run_at = self._run_time_of(report.account.next_poll_at)
            self._from_a_worker(lambda: self._scheduler.modify_job(job_id, next_run_time=run_at))
        return False

    def _from_a_worker(self, change: Callable[[], object]) -> None:
        """Change a job from a worker thread, unless shutdown has begun; a job gone meanwhile (its account was
        removed while it was polled) needs no change.

        APScheduler's shutdown holds its job-store lock while it waits for the running jobs, and every change to a
        job takes that lock: a job that asked for it once shutdown had begun waited forever, and so did shutdown (a
        CI run hung so). Shutdown sets ``_stopping`` under ``_scheduling``, which each change holds throughout."""
        with self._scheduling:
            if self._stopping.is_set():
                return
            with contextlib.suppress(JobLookupError, SchedulerNotRunningError):
                change()

    def _run_time_of(self, next_poll_at: datetime) -> datetime:
        """``next_poll_at`` on APScheduler's own (real) clock. The report reckons it on the service's clock, so the
        wait is measured there and added to the scheduler's now: where the two clocks disagree (a test's fixed
        clock, a clock stepped during the poll), a next poll in the scheduler's past would otherwise run again at
        once, over and over."""
        return _now() + max(next_poll_at - self._service.now(), timedelta(0))

    def _send_outbox(self) -> None:
        for delivery in self._sender.send_due():
            self._on_result(delivery)


def _now() -> datetime:
    return datetime.now(UTC) + timedelta(milliseconds=1)


def _every(seconds: float) -> IntervalTrigger:
    """An interval in UTC: the same in any zone, and naming one spares APScheduler from asking tzlocal for the
    machine's zone (files read and parsed on the GUI thread, about 4 ms, when the app starts its jobs)."""
    return IntervalTrigger(seconds=seconds, timezone=UTC)
