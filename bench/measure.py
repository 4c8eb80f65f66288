"""What a benchmark reports, the two sizes it runs at, and small timing helpers.

Every figure is measured next to its baseline in the same run (interleaved where both are repeated), because this
kind of machine is shared: a ratio taken under the same load means more than a figure taken under another.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from typing import Any


@dataclasses.dataclass(frozen=True)
class Size:
    name: str
    messages: int  # the database the read benchmarks open (B2-B6), and B8 with its accounts added
    ingest: int  # messages B1 ingests
    poll_batch: int  # messages per save_poll in B1 (a back-fill page set)
    sync: int  # messages in the one sync B6 lands
    scroll: int  # rows B5 scrolls through
    query_repeats: int  # B2, B3
    starts: int  # app and bare-window starts, each, for B4
    idle_s: float  # B8's averaging window
    poll_interval_s: int  # B7's interval-polled account
    mentions: int  # B7 samples per platform
    rounds: int  # B1 repeats both ways, alternately


FULL = Size("full", 1_000_000, 100_000, 1_000, 10_000, 10_000, 200, 5, 300.0, 10, 4, 2)
SMALL = Size("small", 20_000, 4_000, 500, 1_000, 1_000, 20, 1, 3.0, 1, 1, 1)
SIZES = {size.name: size for size in (FULL, SMALL)}


@dataclasses.dataclass(frozen=True)
class Outcome:
    key: str
    what: str
    figure: float
    baseline: float
    unit: str
    baseline_is: str  # what the baseline measured
    target: str
    met: bool
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.figure / self.baseline if self.baseline else float("inf")

    def line(self) -> str:
        verdict = "met" if self.met else "MISSED"
        return (
            f"{self.key:<4}{self.what}\n"
            f"      figure {_fmt(self.figure, self.unit):>11}   baseline {_fmt(self.baseline, self.unit):>11}"
            f" ({self.baseline_is})   ratio {self.ratio:5.2f}x   target: {self.target}   [{verdict}]"
            + (f"\n      {self.note}" if self.note else "")
        )

    def as_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "ratio": self.ratio}


def _fmt(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:.2f} ms" if value < 100 else f"{value:.0f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "%":
        return f"{value:.3f} %"
    return f"{value:g} {unit}"


def seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def wall_and_cpu(work: Callable[[], object]) -> tuple[float, float]:
    """Elapsed and this process's CPU seconds (user + system). On a busy shared machine a process waits its turn for
    a core: the CPU time of in-process work moves far less with the load than the elapsed time does."""
    started, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - started, time.process_time() - cpu


def interleaved_medians(
    figure: Callable[[], object], baseline: Callable[[], object], repeats: int, warmup: int = 3
) -> tuple[float, float]:
    """Median seconds of each, alternating runs so both see the same load."""
    for _ in range(warmup):
        figure()
        baseline()
    figures, baselines = [], []
    for _ in range(max(1, repeats)):
        figures.append(seconds(figure))
        baselines.append(seconds(baseline))
    return statistics.median(figures), statistics.median(baselines)
