"""B6 in its own process: the real app on the big database while one poll lands thousands of messages.

The app is built as ``run_app`` builds it, except that the connector registry gains one "flood" account whose next
poll, once armed, returns N messages of recent threads (so they land in the visible part of "Needs reply"). A 2 ms
timer on the GUI thread is the heartbeat: the longest gap between its beats is the longest freeze the owner would
feel. The same heartbeat over an idle stretch first is the baseline: what this machine's scheduler alone costs.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from bench.app_probe import Heartbeat, report
from bench.remote import poll_batches
from socialinbox.connectors import REGISTRY, TOKENLESS
from socialinbox.connectors.base import Rejected
from socialinbox.domain import Clock, OutgoingReply, Platform, PollResult, SentReply, SyncReport
from socialinbox.paths import paths_in
from socialinbox.sync.service import ConnectorPool, Credentials, SyncService
from socialinbox.ui.app import InboxApp
from socialinbox.wiring import build_core

SETTLE_S = 3.0  # the start-up polls and the first counts come and go
IDLE_S = 2.0


class FloodConnector:
    """Answers empty polls until armed; then, once, the whole flood (made on the worker, as a connector would)."""

    platform = Platform.DEMO

    def __init__(self, flood: Callable[[], PollResult]) -> None:
        self._flood = flood
        self.armed = threading.Event()

    def verify(self, client: httpx.Client, token: str) -> str:
        return "@flood"

    def poll(self, client: httpx.Client, token: str, cursor: str | None) -> PollResult:
        if not self.armed.is_set():
            return PollResult((), cursor)
        self.armed.clear()
        return self._flood()

    def send(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply:
        raise Rejected("the benchmark sends nothing")


def _with_flood(core: Any, flood: FloodConnector) -> None:
    def build_flood(_settings: object, _clock: Clock) -> FloodConnector:
        return flood

    core.connectors = ConnectorPool({**REGISTRY, Platform.DEMO: build_flood}, core.clock)
    credentials = Credentials(core.secrets, TOKENLESS)
    core.service = SyncService(core.repository, core.connectors, credentials, core.client, core.clock)


def run_sync(data_dir: str, messages: int) -> None:
    app = QApplication(sys.argv)
    core = build_core(paths_in(Path(data_dir)))
    now = core.clock.now()
    account = core.repository.add_account(Platform.DEMO, "@flood", now, display_name="Flood", poll_interval_s=3600)
    start = now - timedelta(seconds=22 * messages)  # about 20 s apart: the newest arrive just now
    flood = FloodConnector(lambda: poll_batches(messages, messages, [account.id], seed=11, start=start)[0][1])
    _with_flood(core, flood)
    inbox = InboxApp(core)
    app.aboutToQuit.connect(inbox.shutdown)
    inbox.start()
    gc.freeze()  # as run_app does once the app is built
    heartbeat = Heartbeat()
    result: dict[str, Any] = {}
    triggered = [0.0]

    def later(seconds: float, work: Callable[[], None]) -> None:
        QTimer.singleShot(int(seconds * 1000), work)

    def begin_idle() -> None:
        heartbeat.restart()
        later(IDLE_S, trigger)

    def trigger() -> None:
        result["idle_max_gap_ms"] = heartbeat.restart()
        triggered[0] = time.perf_counter()
        flood.armed.set()
        inbox.scheduler.poll_now(account.id)

    def on_report(report_: object) -> None:
        if isinstance(report_, SyncReport) and report_.account.id == account.id and report_.new_messages:
            result["sync_s"] = time.perf_counter() - triggered[0]
            result["new_messages"] = len(report_.new_messages)
            result["conversations"] = len(report_.conversations)
            later(1.0, finish)

    def finish() -> None:
        result["sync_max_gap_ms"] = heartbeat.restart()
        result["rows"] = inbox.window.inbox_model.rowCount()
        report(**result)
        app.quit()

    inbox.bridge.report_ready.connect(on_report)  # after the controller's own slot: it runs once that one is done
    later(SETTLE_S, begin_idle)
    app.exec()
