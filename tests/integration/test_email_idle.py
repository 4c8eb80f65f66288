"""IMAP IDLE against a real Dovecot on loopback: the watch itself, then mail appended -> stored, end to end.

The end-to-end test polls on a 300-second interval, so a mail stored within seconds can only have come by IDLE.
"""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialinbox.connectors import TOKENLESS
from socialinbox.connectors.email import EmailConnector, build_email
from socialinbox.connectors.email_idle import ImapIdle
from socialinbox.domain import Platform, SyncReport, SystemClock
from socialinbox.secrets import MemorySecretStore, account_key
from socialinbox.sync.outbox import OutboxSender
from socialinbox.sync.scheduler import SyncScheduler
from socialinbox.sync.service import ConnectorPool, Credentials, SyncService
from tests.connectors.mail_servers import PASSWORD, USER, Dovecot, dovecot_unavailable
from tests.fakes import make_repository

if (reason := dovecot_unavailable()) is not None:
    pytest.skip(reason, allow_module_level=True)

FAR_POLL_S = 300  # the interval poll never comes during a test: only IDLE can bring mail in time


@pytest.fixture
def box(dovecot: Dovecot) -> str:
    name = f"i{uuid.uuid4().hex[:10]}"
    dovecot.create(name)
    return name


def settings_for(dovecot: Dovecot, box: str) -> dict[str, Any]:
    return {
        "address": USER,
        "imap_host": "127.0.0.1",
        "imap_port": dovecot.port,
        "imap_security": "plain",
        "smtp_host": "127.0.0.1",
        "smtp_port": 1,
        "smtp_security": "plain",
        "folder": box,
        "sent_folder": f"{box}-sent",
        "timeout_s": 5,
    }


@pytest.fixture
def watch(dovecot: Dovecot, box: str) -> Iterator[ImapIdle]:
    connector: EmailConnector = build_email(settings_for(dovecot, box), SystemClock())
    opened = connector.watch(PASSWORD)
    assert opened is not None, "Dovecot advertises IDLE"
    assert opened.wait(5) is True  # a fresh connection always asks for one poll first
    yield opened
    opened.close()


def mail(message_id: str, body: str = "Is the shop open on Sunday?") -> bytes:
    lines = [
        "From: Kim Lee <kim@example.org>",
        f"To: {USER}",
        "Subject: Opening hours",
        f"Date: {format_datetime(datetime.now(UTC))}",
        f"Message-ID: <{message_id}>",
        "Content-Type: text/plain; charset=utf-8",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


def deliver_later(dovecot: Dovecot, box: str, raw: bytes, after_s: float) -> threading.Thread:
    def deliver() -> None:
        time.sleep(after_s)
        dovecot.append(box, raw)

    thread = threading.Thread(target=deliver, daemon=True)
    thread.start()
    return thread


# --- the watch ---------------------------------------------------------------------------------------


def test_new_mail_ends_a_waiting_idle_within_a_second(watch: ImapIdle, dovecot: Dovecot, box: str) -> None:
    delivery = deliver_later(dovecot, box, mail("w1@example.org"), after_s=0.3)
    started = time.monotonic()
    assert watch.wait(10) is True
    assert time.monotonic() - started < 1.3
    delivery.join()
    assert watch.wait(0.3) is False  # that news was told once; the connection is fine for the next IDLE


def test_a_quiet_folder_waits_out_its_time_and_the_connection_stays_usable(watch: ImapIdle) -> None:
    for wait_s in (0.4, 0.2):
        started = time.monotonic()
        assert watch.wait(wait_s) is False
        assert wait_s <= time.monotonic() - started < wait_s + 1.0


def test_interrupt_from_another_thread_ends_the_wait_at_once(watch: ImapIdle) -> None:
    threading.Timer(0.2, watch.interrupt).start()
    started = time.monotonic()
    assert watch.wait(10) is False
    assert time.monotonic() - started < 1.5


def test_flag_changes_and_deletions_are_not_new_mail(watch: ImapIdle, dovecot: Dovecot, box: str) -> None:
    dovecot.append(box, mail("f1@example.org"))
    dovecot.append(box, mail("f2@example.org"))
    assert watch.wait(2) is True
    with dovecot.imap() as admin:
        admin.select(f'"{box}"')
        admin.uid("STORE", "1", "+FLAGS", "(\\Seen)")
        admin.uid("STORE", "2", "+FLAGS", "(\\Deleted)")
        admin.expunge()
    assert watch.wait(1.0) is False


def test_a_missing_folder_gives_no_watch(dovecot: Dovecot) -> None:
    connector = build_email(settings_for(dovecot, f"missing-{uuid.uuid4().hex[:6]}"), SystemClock())
    assert connector.watch(PASSWORD) is None


# --- end to end: Dovecot -> IDLE -> poll -> database -----------------------------------------------------


@pytest.fixture
def app(dovecot: Dovecot, box: str, tmp_path: Path) -> Iterator[tuple[SyncScheduler, int, queue.Queue[object]]]:
    clock = SystemClock()
    repository = make_repository(tmp_path)
    secrets = MemorySecretStore()
    account = repository.add_account(
        Platform.EMAIL, USER, clock.now(), settings=settings_for(dovecot, box), poll_interval_s=FAR_POLL_S
    )
    secrets.set(account_key(account.id), PASSWORD)
    pool = ConnectorPool({Platform.EMAIL: build_email}, clock)
    credentials = Credentials(secrets, TOKENLESS)
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(599)))
    service = SyncService(repository, pool, credentials, client, clock)
    results: queue.Queue[object] = queue.Queue()
    scheduler = SyncScheduler(service, OutboxSender(repository, pool, credentials, client, clock), results.put)
    scheduler.start(repository.accounts())
    try:
        yield scheduler, account.id, results
    finally:
        scheduler.shutdown()
        client.close()


def next_new(results: queue.Queue[object], timeout: float) -> tuple[SyncReport, float]:
    deadline = time.monotonic() + timeout
    while True:
        item = results.get(timeout=max(0.01, deadline - time.monotonic()))
        if isinstance(item, SyncReport) and item.new_messages:
            return item, time.monotonic()


def wait_until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_mail_appended_to_the_server_is_stored_within_seconds_not_at_the_next_poll(
    app: tuple[SyncScheduler, int, queue.Queue[object]], dovecot: Dovecot, box: str
) -> None:
    scheduler, account_id, results = app
    wait_until(lambda: scheduler.watchers.watching(account_id))
    time.sleep(0.5)  # the first poll and the watch's first "look now" are done
    latencies = []
    for n in range(3):
        appended = time.monotonic()
        dovecot.append(box, mail(f"e2e{n}-{uuid.uuid4().hex[:6]}@example.org", f"Question {n}"))
        report, stored = next_new(results, timeout=10)
        assert [m.text for m in report.new_messages] == [f"Subject: Opening hours\n\nQuestion {n}"]
        latencies.append(stored - appended)
    print(f"IDLE latency, appended -> stored: {', '.join(f'{s:.2f} s' for s in latencies)}")
    assert max(latencies) < 3.0  # the interval poll is 300 s away


def test_removing_the_account_ends_its_watch_thread(app: tuple[SyncScheduler, int, queue.Queue[object]]) -> None:
    scheduler, account_id, _ = app
    wait_until(lambda: scheduler.watchers.watching(account_id))
    scheduler.remove_account(account_id)
    wait_until(lambda: not scheduler.watchers.watching(account_id), timeout=2.0)
    threads = [t for t in threading.enumerate() if t.name == f"socialinbox-watch-{account_id}"]
    for thread in threads:
        thread.join(2.0)
    assert not any(thread.is_alive() for thread in threads)
