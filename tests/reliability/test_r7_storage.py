"""R7: the database locked by another process, the disk full, the data folder read-only.

Each time: a clear message for the owner (no traceback, no "unexpected problem"), nothing damaged
(``PRAGMA integrity_check``), and once the cause goes away the app carries on and stores everything exactly once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import event

from socialinbox.domain import Platform
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore, account_key
from socialinbox.storage.problems import StorageProblem, StorageUnavailable
from socialinbox.sync.tasks import BackgroundTasks, TaskResult
from socialinbox.ui import app as gui
from socialinbox.wiring import build_core
from tests.conftest import FakeClock
from tests.fault_server import FaultServer
from tests.reliability.file_keyring import write_keyring
from tests.reliability.kills import ROOT
from tests.reliability.platforms import SHOP_ACCOUNT_ID, FakeMastodon, Live, mastodon_live
from tests.reliability.world import World, make_world

_HOLD_LOCK = (
    "import sqlite3, sys\n"
    "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "db.execute('BEGIN IMMEDIATE')  # the write lock, as another program writing would hold it\n"
    "print('locked', flush=True)\n"
    "sys.stdin.readline()\n"
)


@pytest.fixture
def shop(tmp_path: Path, clock: FakeClock, migrated_template: Path) -> Iterator[tuple[World, Live, int]]:
    shutil.copyfile(migrated_template, tmp_path / "inbox.sqlite3")
    world = make_world(tmp_path, clock, migrated=True, busy_timeout_ms=200)
    with mastodon_live(clock.now) as live:
        account = world.add(live)
        live.customer_writes(3)
        assert world.service.poll_account(account).ok
        yield world, live, account
    world.engine.dispose()


def _everything_stored_once(world: World, account: int, live: Live) -> None:
    stored = world.stored(account)
    assert set(stored) == live.remote_ids() and max(stored.values()) == 1
    assert world.integrity() == "ok"


def test_database_locked_by_another_process_is_explained_and_then_caught_up(
    shop: tuple[World, Live, int], tmp_path: Path
) -> None:
    world, live, account = shop
    conversation = world.repo.conversations(limit=1)[0].id
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(tmp_path / "inbox.sqlite3")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        live.customer_writes(3)
        report = world.service.poll_account(account)
        assert not report.ok and "locked by another program" in report.error
        assert report.account.next_poll_at is not None and report.account.next_poll_at > world.clock.now()
        assert world.sender.send_due() == []  # waits quietly; nothing was claimed, so nothing is at risk
        assert "locked by another program" in _task_error(
            lambda: world.repo.queue_reply(conversation, "hi", _now(world))
        )
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    assert world.service.poll_account(account).ok
    _everything_stored_once(world, account, live)


def test_full_disk_is_explained_and_then_caught_up(shop: tuple[World, Live, int]) -> None:
    world, live, account = shop
    cap: dict[str, int] = {}

    @event.listens_for(world.engine, "connect")
    def limit_size(connection: Any, _record: Any) -> None:
        if cap:
            connection.execute(f"PRAGMA max_page_count={cap['pages']}")

    with world.engine.connect() as connection:
        cap["pages"] = int(connection.exec_driver_sql("PRAGMA page_count").scalar() or 0)  # not one page more
    world.engine.dispose()
    live.customer_writes(40, text="Where is my order? " * 200)
    report = world.service.poll_account(account)
    assert not report.ok and "is full" in report.error, report.error
    assert "Unexpected" not in report.error
    assert world.integrity() == "ok"

    cap["pages"] = 1_073_741_823  # space again
    world.engine.dispose()
    assert world.service.poll_account(account).ok
    _everything_stored_once(world, account, live)


def _task_error(work: Any) -> str:
    """What the GUI's task runner would show for ``work``."""
    results: list[object] = []
    tasks = BackgroundTasks(results.append)
    tasks.run("queue-reply", work)
    tasks.shutdown()
    (result,) = results
    assert isinstance(result, TaskResult)
    return result.error


def _now(world: World) -> Any:
    return world.clock.now()


def _can_mount_read_only() -> str:
    if shutil.which("unshare") is None or sys.platform != "linux":
        return "needs util-linux's unshare on Linux to mount the data folder read-only in a private namespace"
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        return "this machine does not allow a private mount namespace (not root, and no user namespaces)"
    return ""


_READ_ONLY_RUN = (
    'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$2" -m socialinbox --data-dir "$1" sync --once'
)


@pytest.mark.skipif(bool(_can_mount_read_only()), reason=_can_mount_read_only() or "runs")
def test_read_only_data_folder_is_explained_without_damage_and_then_caught_up(tmp_path: Path, clock: FakeClock) -> None:
    """The real command, in a private mount namespace where the data folder is mounted read-only."""
    data = tmp_path / "data"
    fake = FakeMastodon("127.0.0.1")
    with FaultServer(fake) as server, httpx.HTTPTransport() as transport:
        core = build_core(paths_in(data), secrets=MemorySecretStore(), transport=transport)
        settings = {"instance_url": server.base_url, "account_id": SHOP_ACCOUNT_ID}
        account = core.repository.add_account(Platform.MASTODON, "cornerbakery", core.clock.now(), settings=settings)
        core.secrets.set(account_key(account.id), fake.token)
        fake.customer_writes(3)
        assert core.service.poll_account(account.id).ok
        core.close()
        before = _fingerprint(data)
        fake.customer_writes(2)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            **write_keyring(tmp_path / "keyring.json", {account_key(account.id): fake.token}),
        }
        result = subprocess.run(
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                _READ_ONLY_RUN,
                "sh",
                str(data),
                sys.executable,
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=300,
            check=False,
        )
        assert result.returncode == 1, result.stdout + result.stderr
        assert "read-only" in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert _fingerprint(data) == before, "the read-only run changed files in the data folder"

        core = build_core(paths_in(data), secrets=MemorySecretStore(), transport=transport)  # writable again
        core.secrets.set(account_key(account.id), fake.token)
        assert core.service.poll_account(account.id).ok
        assert {
            m.remote_id for c in core.repository.conversations(limit=50) for m in core.repository.messages(c.id)
        } == fake.remote_ids()
        core.close()


def _fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_the_window_says_why_when_the_inbox_cannot_be_opened(
    tmp_path: Path, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    problem = StorageUnavailable(StorageProblem.READ_ONLY, "Social Inbox cannot write to its data folder (x).")
    monkeypatch.setattr(gui, "build_core", lambda paths, **_: (_ for _ in ()).throw(problem))
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: shown.append(text))
    assert gui.run_app(paths_in(tmp_path / "shop")) == 1
    assert shown == [str(problem)]
