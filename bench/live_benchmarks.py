"""B7, B8: the real app in its own process, window closed to the tray, polling fake servers on 127.0.0.1.

B7 posts mentions on a fake Mastodon server (polled every ``poll_interval_s``) and messages on a fake Telegram Bot API
(long polling) at random moments, and times each until the app's Notify call reaches a stub notification service on a
private D-Bus. B8 leaves the app with five accounts polling every minute and reads its CPU time from /proc.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.gui_benchmarks import ROOT, data_folder, probe_environment, run_probe
from bench.keyring_env import VARIABLE
from bench.measure import Outcome, Size
from socialinbox.domain import Platform
from socialinbox.secrets import account_key
from socialinbox.storage.engine import make_engine, sqlite_url
from socialinbox.storage.migrate import upgrade_to_head
from socialinbox.storage.repository import Repository
from tests.connectors.fake_mastodon import TOKEN as MASTODON_TOKEN
from tests.connectors.fake_mastodon import FakeMastodon, LocalServer, notification, status
from tests.connectors.fake_telegram import TOKEN as TELEGRAM_TOKEN
from tests.connectors.fake_telegram import FakeTelegram
from tests.notification_stub import NotificationService, notification_service

_FIRST_MENTION = 113_600_000_000_000_000


def _new_folder(
    folder: Path, accounts: list[tuple[Platform, dict[str, Any], int]], database: Path | None = None
) -> dict[str, str]:
    """A data folder with these accounts (platform, settings, poll interval), added to a copy of ``database`` when
    one is given (whose own accounts have no token here, so they stay unpolled); returns their tokens by key."""
    if database is not None:
        data_folder(database, folder)
    (folder / "config").mkdir(parents=True, exist_ok=True)
    (folder / "config" / "settings.json").write_text(json.dumps({"demo_offered": True}), encoding="utf-8")
    engine = make_engine(sqlite_url(folder / "inbox.sqlite3"))
    upgrade_to_head(engine)
    repository = Repository(engine)
    tokens = {}
    for n, (platform, settings, interval) in enumerate(accounts):
        account = repository.add_account(
            platform, f"@shop{n}", datetime.now(UTC), settings=settings, poll_interval_s=interval
        )
        tokens[account_key(account.id)] = TELEGRAM_TOKEN if platform is Platform.TELEGRAM else MASTODON_TOKEN
    engine.dispose()
    return tokens


@contextlib.contextmanager
def _running_app(folder: Path, tokens: dict[str, str], bus: str) -> Iterator[subprocess.Popen[str]]:
    env = probe_environment(
        PYTHON_KEYRING_BACKEND="bench.keyring_env.EnvKeyring",
        DBUS_SESSION_BUS_ADDRESS=bus,
        **{VARIABLE: json.dumps(tokens)},
    )
    errors = (folder / "app-stderr.txt").open("w", encoding="utf-8")  # kept with --keep, for a failed run
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.app_probe", "run", "--data-dir", str(folder)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:  # the window is closed once this arrives
            if line.startswith("RESULT "):
                break
        yield process
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        errors.close()


def _wait(condition: Any, timeout: float, step: float = 0.005) -> float:
    """Wait until ``condition()``; return the moment it held (perf_counter). Raises TimeoutError."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if condition():
            return time.perf_counter()
        time.sleep(step)
    raise TimeoutError("the app did not get there in time")


def _mention(fake: FakeMastodon, n: int) -> None:
    entity = status(status_id=str(_FIRST_MENTION + n), created_at=datetime.now(UTC).isoformat().replace("+00:00", "Z"))
    entity["content"] = f"<p>@shop is the rye loaf back? ({n})</p>"
    fake.notifications.append(notification(_FIRST_MENTION + n, entity))


def b7_notification_latency(size: Size, folder: Path, seed: int = 3) -> list[Outcome]:
    rng = random.Random(seed)
    interval = size.poll_interval_s
    with (
        notification_service() as stub,
        LocalServer(FakeMastodon(None)) as mastodon_server,
        FakeTelegram() as telegram,
    ):
        fake: FakeMastodon = mastodon_server.handler  # type: ignore[assignment]
        fake.base_url = mastodon_server.url
        tokens = _new_folder(
            folder,
            [
                (Platform.MASTODON, {"instance_url": mastodon_server.url}, interval),
                (Platform.TELEGRAM, {"api_base": telegram.api_base, "long_poll_seconds": 25}, 0),
            ],
        )
        with _running_app(folder, tokens, stub.address):
            _wait(lambda: fake.requests_to("/api/v1/notifications") and telegram.traffic, 60)
            time.sleep(1.0)
            mastodon = [
                _timed(stub, lambda n=n: _mention(fake, n), rng.uniform(0, interval)) for n in range(size.mentions)
            ]
            chat = telegram.private_chat(telegram.user(5551, "Mia", "mia_bakes"))
            telegram_times = [
                _timed(
                    stub,
                    lambda: telegram.push("message", telegram.message(chat, chat, "Are you open?")),
                    rng.uniform(0.2, 2),
                )
                for _ in range(size.mentions)
            ]
    return [
        Outcome(
            "B7",
            f"new mention on a fake Mastodon server to a desktop notification (polled every {interval} s)",
            max(mastodon),
            float(interval),
            "s",
            "the poll interval",
            "<= interval + 1 s",
            max(mastodon) <= interval + 1,
            f"worst of {len(mastodon)} mentions posted at random moments; median {statistics.median(mastodon):.2f} s",
        ),
        Outcome(
            "B7t",
            "new Telegram message to a desktop notification (long polling)",
            max(telegram_times),
            2.0,
            "s",
            "the target",
            "< 2 s",
            max(telegram_times) < 2,
            f"worst of {len(telegram_times)} messages",
        ),
    ]


def _timed(stub: NotificationService, post: Any, wait_first: float) -> float:
    time.sleep(wait_first)
    before = len(stub.calls)
    posted = time.perf_counter()
    post()
    return _wait(lambda: len(stub.calls) > before, 120) - posted


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _idle_percent(pid: int, seconds: float) -> float:
    cpu, wall = _cpu_seconds(pid), time.perf_counter()
    time.sleep(seconds)
    return 100 * (_cpu_seconds(pid) - cpu) / (time.perf_counter() - wall)


# After the first polls: the start's work on a large inbox (scoring the waiting conversations for triage, the rest
# of the app warming up) is not idle time.
B8_SETTLE_S = 10.0


def b8_idle_cpu(size: Size, folder: Path, database: Path) -> Outcome:
    """On the size's inbox (1M messages, 4,241 of them waiting, in a full run): what the app costs with the window
    closed is mostly what it does with what is stored, the reminder tick first."""
    with notification_service() as stub, LocalServer(FakeMastodon(None)) as server:
        fake: FakeMastodon = server.handler  # type: ignore[assignment]
        fake.base_url = server.url
        accounts = [(Platform.MASTODON, {"instance_url": server.url}, 60) for _ in range(5)]
        tokens = _new_folder(folder, accounts, database)
        with _running_app(folder, tokens, stub.address) as app:
            _wait(lambda: len(fake.requests_to("/api/v1/notifications")) >= 5, 60)
            time.sleep(B8_SETTLE_S)  # the first polls' reports and the start's own work settle
            figure = _idle_percent(app.pid, size.idle_s)
            polls = len(fake.requests_to("/api/v1/notifications"))
    baseline = _bare_idle_percent(size.idle_s)
    return Outcome(
        "B8",
        "idle CPU, window closed to the tray, 5 accounts polling every minute",
        figure,
        baseline,
        "%",
        "a bare PySide6 window, idle",
        "< 1% of one core",
        figure < 1.0,
        f"averaged over {size.idle_s:.0f} s; {polls} polls answered in all",
    )


def _bare_idle_percent(seconds: float) -> float:
    process = subprocess.Popen(
        [sys.executable, "-c", _BARE_IDLE],
        cwd=ROOT,
        env=probe_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        process.stdout.readline()  # "shown"
        time.sleep(1.0)
        return _idle_percent(process.pid, seconds)
    finally:
        process.terminate()
        process.wait(10)


_BARE_IDLE = """
import sys
from PySide6.QtWidgets import QApplication, QListView, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow(); window.setCentralWidget(QListView(window)); window.show(); window.hide()
print("shown", flush=True)
app.exec()
"""

__all__ = ["b7_notification_latency", "b8_idle_cpu", "run_probe"]
