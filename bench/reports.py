"""How long the Reports window waits for its figures at size (the report is built on the task runner).

    python -m bench.reports [--messages N] [--days 7,30,90]

On a copy of the generated inbox (``bench/generate.py``; 1M messages by default) this builds the response-time report
for the last N local days of its messages, as the Reports window does (``ui/clock_setup``: the histories, scored with
VADER where a customer's message has no sentiment stored yet, then ``reports.build_report``): first on the fresh
copy, which scores and stores, then again. It prints both times per range; ranges run in the order given, so a
range's first report scores only what the ranges before it did not. Not one of issue 9's targets, so not in
``python -m bench``; it prints its figures and exits 0.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.generate import cached_database
from bench.gui_benchmarks import data_folder
from socialinbox.paths import paths_in
from socialinbox.reports import build_report
from socialinbox.responsetime import ResponsePolicy
from socialinbox.secrets import MemorySecretStore
from socialinbox.storage.history import Scorer
from socialinbox.storage.repository import Repository
from socialinbox.triage import Triage
from socialinbox.ui.dialogs.reports_dialog import local_range
from socialinbox.wiring import build_core

ZONE = ZoneInfo("Europe/Berlin")


def report_seconds(repository: Repository, last: datetime, days: int, scorer: Scorer) -> tuple[float, int]:
    """Seconds to build the report of the ``days`` local days up to ``last``, and how many conversations it read."""
    end = last.astimezone(ZONE).date()
    since, until = local_range(end - timedelta(days=days - 1), end, ZONE)
    started = time.perf_counter()
    histories = repository.conversation_histories(since, until, scorer)
    build_report(histories, since, until, last, ResponsePolicy(), ZONE)
    return time.perf_counter() - started, len(histories)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reports")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--days", default="7,30,90", help="report ranges in days, comma-separated")
    args = parser.parse_args(argv)
    database = cached_database(args.messages, Path(tempfile.gettempdir()) / "socialinbox-bench", log=False)
    work = Path(tempfile.mkdtemp(prefix="socialinbox-reports-"))
    try:
        folder = data_folder(database, work / "data")  # a copy: the first report stores the scores it makes
        with sqlite3.connect(folder / "inbox.sqlite3") as connection:
            newest = connection.execute("SELECT max(sent_at) FROM message").fetchone()[0]
        last = datetime.fromisoformat(newest).replace(tzinfo=UTC)
        core = build_core(paths_in(folder), secrets=MemorySecretStore())
        scorer = Triage().sentiment
        print(f"{args.messages:,} messages; the report of the last N days up to the newest message")
        for days in (int(part) for part in args.days.split(",")):
            first, conversations = report_seconds(core.repository, last, days, scorer)
            again, _ = report_seconds(core.repository, last, days, scorer)
            print(f"  {days:>3} days: {conversations:>6,} conversations; first {first:5.2f} s, again {again:5.2f} s")
        core.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
