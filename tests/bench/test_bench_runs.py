"""The benchmark command still runs end to end (small size), so it cannot rot. Its times are not judged here."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_every_benchmark_runs_at_the_small_size_and_reports_figure_baseline_and_ratio(tmp_path: Path) -> None:
    if shutil.which("dbus-daemon") is None:
        pytest.skip("dbus-daemon is not installed (Debian package dbus-daemon); B7 needs a private bus")
    report = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--size", "small", "--json", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    outcomes = json.loads(report.read_text(encoding="utf-8"))["outcomes"]
    assert [o["key"] for o in outcomes] == ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B7t", "B8"]
    for outcome in outcomes:
        assert outcome["figure"] >= 0 and outcome["baseline"] >= 0, outcome  # idle CPU may round to 0 in 3 s
        if outcome["baseline"]:
            assert outcome["ratio"] == pytest.approx(outcome["figure"] / outcome["baseline"])
        assert f"{outcome['key']}  " in done.stdout or f"{outcome['key']} " in done.stdout
    assert "targets met" in done.stdout


def test_an_unknown_benchmark_is_refused_before_anything_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "B9"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "unknown benchmark(s): B9" in done.stderr


def _probe(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A probe of ``bench/`` run as its docstring says, which must end well."""
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done


def test_the_gui_thread_reads_probe_runs_and_finds_none_when_conversations_open_or_the_list_scrolls() -> None:
    """``bench/gui_thread_reads.py`` backs a figure in docs/performance.md: it still runs, and opening conversations,
    scrolling the list and choosing lists still read nothing on the GUI thread."""
    done = _probe("bench.gui_thread_reads", "--open", "3", "--scroll", "300", "--choose", "1")
    assert "opened 3 conversations: 0 statements and 0 pool checkouts on the GUI thread" in done.stdout
    assert "(2 pages after the first): 0 statements and 0 pool checkouts on the GUI thread" in done.stdout
    assert "chose 5 lists: 0 statements and 0 pool checkouts on the GUI thread" in done.stdout


def test_the_long_thread_probe_runs_and_prints_each_size() -> None:
    """``bench/long_thread.py`` backs a figure in docs/performance.md: it still runs and prints a line per size."""
    done = _probe("bench.long_thread", "--sizes", "60,240", "--repeats", "1")
    assert "    60 messages: newest part" in done.stdout
    assert "   240 messages: newest part" in done.stdout


def test_the_clock_tick_probe_runs_and_prints_its_share_of_a_core() -> None:
    """``bench/clock_tick.py`` backs a figure in docs/performance.md: it still runs on a generated inbox."""
    done = _probe("bench.clock_tick", "--messages", "20000", "--repeats", "1")
    assert "20,000 messages," in done.stdout
    assert "Repository.clock_rows:" in done.stdout
    assert "% of one core" in done.stdout


def test_the_reports_probe_runs_and_prints_each_range() -> None:
    """``bench/reports.py`` backs a figure in docs/performance.md: it still builds a report on a generated inbox."""
    done = _probe("bench.reports", "--messages", "20000", "--days", "7,30")
    assert "    7 days:" in done.stdout and "   30 days:" in done.stdout


def test_the_instruction_count_is_read_from_callgrind_s_summary_line() -> None:
    from bench.instructions import instructions_in

    output = "version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nsummary: 1340809454\ntotals: 1340809454\n"
    assert instructions_in(output) == 1_340_809_454
    with pytest.raises(ValueError, match="did not finish"):
        instructions_in("version: 1\nevents: Ir\n")
