"""B4-B6: start-up, memory and freezes of the real GUI, each in fresh processes (``bench/app_probe.py``)."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.measure import Outcome, Size

ROOT = Path(__file__).resolve().parent.parent
PROBE_TIMEOUT_S = 900


def probe_environment(**extra: str) -> dict[str, str]:
    """Offscreen Qt, no keyring of the machine's, no session bus (so no real notification daemon), and compiled
    bytecode as an installed app has it (pip and PyInstaller both ship it; a development shell that sets
    PYTHONDONTWRITEBYTECODE would make every probe compile the app's modules from source, which no owner pays)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PYTHONPYCACHEPREFIX=str(Path(tempfile.gettempdir()) / "socialinbox-bench" / "pycache"),
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/bench-bus",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def run_probe(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Start a probe process and return what it reported; ``t0`` is taken just before the process starts."""
    command = [sys.executable, "-m", "bench.app_probe", *args, "--t0", repr(time.time())]
    done = subprocess.run(
        command, cwd=ROOT, env=env or probe_environment(), capture_output=True, text=True, timeout=PROBE_TIMEOUT_S
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("RESULT "):
            return dict(json.loads(line.removeprefix("RESULT ")))
    raise RuntimeError(f"probe {args[0]} reported nothing (exit {done.returncode}):\n{done.stderr[-3000:]}")


def data_folder(database: Path, folder: Path) -> Path:
    """A data folder holding a copy of ``database`` (the app writes to it), with the demo channel declined."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "config").mkdir(parents=True)
    shutil.copyfile(database, folder / "inbox.sqlite3")
    (folder / "config" / "settings.json").write_text(json.dumps({"demo_offered": True}), encoding="utf-8")
    return folder


def b4_cold_start(size: Size, folder: Path) -> Outcome:
    apps, bares, alikes, rows, whole, freezes = [], [], [], 0, [], []
    # Once each, not counted: writes the bytecode and reads the files into the OS cache. The app's quits as the
    # owner does, so the counted starts find what a normal quit keeps for the next start (the triage priorities).
    run_probe("bare")
    qt_classes = ",".join(run_probe("app", "--data-dir", str(folder), "--quit")["qt_classes"])
    for _ in range(size.starts):  # interleaved, so all see the same load
        bares.append(run_probe("bare")["first_paint_s"])
        # The bare window again, having first made the Qt classes the real window had made by its paint (PySide6
        # builds each class's Python enums then): what a window of the same Qt parts costs before any of its own work.
        alikes.append(run_probe("bare", "--qt-classes", qt_classes)["first_paint_s"])
        # After its figure, each start goes on until the whole app runs: when that was, and how long the painted
        # window froze on the way (a 2 ms heartbeat, as B6).
        found = run_probe("app", "--data-dir", str(folder), "--until-started")
        apps.append(found["first_paint_s"])
        whole.append(found["started_s"])
        freezes.append(found["after_paint_max_gap_ms"])
        rows = found["rows"]
    figure, baseline, alike = statistics.median(apps), statistics.median(bares), statistics.median(alikes)
    return Outcome(
        "B4",
        f"cold start to the inbox painted, {size.messages:,} messages",
        figure,
        baseline,
        "s",
        "a bare PySide6 window with an empty list",
        "<= 1.5x baseline",
        figure <= 1.5 * baseline and rows > 0,
        f"median of {size.starts} starts each (after one of each not counted), from process start to the first "
        f"paint of the list; {rows} rows shown; the whole app running at {statistics.median(whole):.2f} s, the "
        f"painted window's longest freeze until then {statistics.median(freezes):.0f} ms (median; worst "
        f"{max(freezes):.0f} ms); the bare window having first made the {qt_classes.count(',') + 1} Qt classes the "
        f"real one uses {alike:.2f} s ({alike / baseline:.2f}x the bare window), the app {figure / alike:.2f}x that",
    )


def b5_memory(size: Size, folder: Path) -> Outcome:
    bare = run_probe("bare", "--scroll", "1")["rss_mb"]
    with_libraries = run_probe("bare", "--scroll", "1", "--with-libraries")["rss_mb"]
    found = run_probe("app", "--data-dir", str(folder), "--scroll", str(size.scroll))
    figure = found["rss_mb"]
    return Outcome(
        "B5",
        f"memory after opening {size.messages:,} messages and scrolling {size.scroll:,} rows",
        figure,
        bare,
        "MB",
        "the bare window, painted",
        "<= baseline + 60 MB",
        figure - bare <= 60 and found["rows"] >= min(size.scroll, 1),
        f"resident set size; {figure - bare:.1f} MB above the bare window; {found['rows']:,} rows loaded; the bare "
        f"window with the prescribed libraries imported (SQLModel/SQLAlchemy, httpx, keyring) {with_libraries:.1f} MB, "
        f"the app {figure - with_libraries:.1f} MB above that",
    )


def b6_sync_freeze(size: Size, folder: Path) -> Outcome:
    found = run_probe("sync", "--data-dir", str(folder), "--messages", str(size.sync))
    figure, baseline = found["sync_max_gap_ms"], found["idle_max_gap_ms"]
    return Outcome(
        "B6",
        f"longest GUI freeze while a {size.sync:,}-message sync lands ({size.messages:,} stored)",
        figure,
        baseline,
        "ms",
        "the same 2 ms heartbeat while idle",
        "< 50 ms",
        figure < 50 and found.get("new_messages") == size.sync,
        f"the poll took {found['sync_s']:.1f} s on its worker and touched {found['conversations']:,} conversations",
    )
