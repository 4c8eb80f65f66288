"""Every benchmark of issue 9, one command: ``python -m bench [--size small|full] [--only B2,B3] [--json FILE]``.

Prints, for each benchmark, the figure, the baseline measured in the same run, their ratio, the target and whether it
was met. The generated databases are cached (``--cache-dir``, by default under the system's temporary folder) and
reused while the migrations are unchanged; everything else is written to a fresh working folder and removed.
``--size small`` runs everything in well under a minute, for CI; it checks that the benchmarks still work, not the
targets (those are set for the full size).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import gui_benchmarks, live_benchmarks, storage_benchmarks
from bench.generate import cached_database, iter_counts
from bench.measure import SIZES, Outcome, Size

ALL = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8")


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")), "?"
    )
    memory = next((line.split()[1] for line in _lines("/proc/meminfo") if line.startswith("MemTotal")), "0")
    load = " ".join(_lines("/proc/loadavg")[0].split()[:3]) if _lines("/proc/loadavg") else "?"
    return (
        f"{platform.system()} {platform.release()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}), "
        f"{int(memory) / 1024 / 1024:.0f} GiB RAM, load average {load}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return []


def run(size: Size, only: tuple[str, ...], cache_dir: Path, work: Path) -> list[Outcome]:
    print(f"Social Inbox benchmarks, size {size.name}: {machine()}", flush=True)
    needs_database = any(key in only for key in ("B2", "B3", "B4", "B5", "B6", "B8"))
    database = cached_database(size.messages, cache_dir) if needs_database else None
    if database is not None:
        counts = ", ".join(f"{count:,} {table}s" for table, count in iter_counts(database))
        print(f"  database: {counts} ({database.stat().st_size / 1e6:.0f} MB)", flush=True)
    steps: dict[str, Callable[[], list[Outcome]]] = {
        "B1": lambda: [storage_benchmarks.b1_ingest(size, work)],
        "B2": lambda: [storage_benchmarks.b2_first_page(size, _need(database))],
        "B3": lambda: [storage_benchmarks.b3_search(size, _need(database))],
        "B4": lambda: [gui_benchmarks.b4_cold_start(size, _app_folder(database, work))],
        "B5": lambda: [gui_benchmarks.b5_memory(size, _app_folder(database, work))],
        "B6": lambda: [gui_benchmarks.b6_sync_freeze(size, gui_benchmarks.data_folder(_need(database), work / "b6"))],
        "B7": lambda: live_benchmarks.b7_notification_latency(size, work / "b7"),
        "B8": lambda: [live_benchmarks.b8_idle_cpu(size, work / "b8", _need(database))],
    }
    outcomes: list[Outcome] = []
    for key in only:
        started = time.perf_counter()
        try:
            found = steps[key]()
        except Exception as error:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            print(f"{key}  FAILED to run: {type(error).__name__}: {error}", flush=True)
            raise SystemExit(2) from error
        for outcome in found:
            print(outcome.line(), flush=True)
        print(f"      ({time.perf_counter() - started:.0f} s)", flush=True)
        outcomes += found
    return outcomes


def _need(database: Path | None) -> Path:
    assert database is not None
    return database


def _app_folder(database: Path | None, work: Path) -> Path:
    folder = work / "app"
    if not (folder / "inbox.sqlite3").exists():
        gui_benchmarks.data_folder(_need(database), folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--only", default=",".join(ALL), help="comma-separated, e.g. B2,B3")
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "socialinbox-bench")
    parser.add_argument("--json", type=Path, help="also write the outcomes here")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (it is printed)")
    args = parser.parse_args(argv)
    only = tuple(key.strip().upper() for key in args.only.split(",") if key.strip())
    unknown = [key for key in only if key not in ALL]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    work = Path(tempfile.mkdtemp(prefix="si-bench-"))  # short: unix socket paths live under it
    try:
        outcomes = run(SIZES[args.size], only, args.cache_dir, work)
    finally:
        if args.keep:
            print(f"working folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        payload = {"size": args.size, "machine": machine(), "outcomes": [o.as_json() for o in outcomes]}
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    missed = [o.key for o in outcomes if not o.met]
    print(
        f"{len(outcomes) - len(missed)} of {len(outcomes)} targets met"
        + (f"; missed: {', '.join(missed)}" if missed else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
