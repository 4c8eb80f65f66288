"""What the reminder tick costs at size: the CPU it takes twice a minute, with the window closed (B8's share).

    python -m bench.clock_tick [--messages N] [--repeats 7]

``sync.reminders.ClockTick`` reads every conversation waiting for a reply, snoozed or owed a follow-up
(``Repository.clock_rows``) and works out which reminders fire, every ``CLOCK_TICK_S``. On a copy of the generated
inbox (``bench/generate.py``; 1M messages by default, 4,241 of its conversations waiting) this prints the median
wall and CPU time of ``clock_rows`` and of the whole tick, against the same rows read by hand in ``sqlite3`` (the
baseline), and what the tick's CPU comes to as a share of one core. Not one of issue 9's targets, so not in
``python -m bench``; it prints its figures and exits 0.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.generate import cached_database
from bench.gui_benchmarks import data_folder
from bench.measure import wall_and_cpu
from socialinbox.paths import paths_in
from socialinbox.responsetime import ResponsePolicy
from socialinbox.secrets import MemorySecretStore
from socialinbox.storage.history import CONVERSATION, clock_select
from socialinbox.sync.reminders import CLOCK_TICK_S, ClockTick
from socialinbox.wiring import build_core


def wall_and_cpu_ms(work: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median milliseconds of ``work``, elapsed and CPU (``measure.wall_and_cpu``), after one run not counted."""
    work()
    walls, cpus = zip(*(wall_and_cpu(work) for _ in range(repeats)), strict=True)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.clock_tick")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    database = cached_database(args.messages, Path(tempfile.gettempdir()) / "socialinbox-bench", log=False)
    work = Path(tempfile.mkdtemp(prefix="socialinbox-tick-"))
    try:
        folder = data_folder(database, work / "data")  # a copy: the tick wakes snoozes, which writes
        core = build_core(paths_in(folder), secrets=MemorySecretStore())
        tick = ClockTick(core.repository, core.clock, ResponsePolicy)
        waiting = [CONVERSATION.c.status.in_(["needs-reply", "snoozed"]), CONVERSATION.c.follow_up_at.is_not(None)]
        by_hand = [str(clock_select().where(w).compile(compile_kwargs={"literal_binds": True})) for w in waiting]
        with sqlite3.connect(folder / "inbox.sqlite3") as connection:
            baseline = wall_and_cpu_ms(lambda: [connection.execute(sql).fetchall() for sql in by_hand], args.repeats)
        rows = wall_and_cpu_ms(core.repository.clock_rows, args.repeats)
        whole = wall_and_cpu_ms(tick, args.repeats)
        count = len(core.repository.clock_rows())
        core.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.messages:,} messages, {count:,} conversations the tick reads; median of {args.repeats}")
    print(f"  the rows by hand in sqlite3 (baseline): {baseline[0]:7.1f} ms, {baseline[1]:7.1f} ms CPU")
    ratio = rows[1] / baseline[1]
    print(f"  Repository.clock_rows:                 {rows[0]:7.1f} ms, {rows[1]:7.1f} ms CPU ({ratio:.1f}x)")
    print(f"  the whole tick:                        {whole[0]:7.1f} ms, {whole[1]:7.1f} ms CPU")
    print(f"  every {CLOCK_TICK_S} s: {whole[1] / 10 / CLOCK_TICK_S:.2f}% of one core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
