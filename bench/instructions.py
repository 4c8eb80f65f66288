"""B4 counted in instructions: the bare window, the bare window with the app's Qt classes, and the app, to the paint.

    python -m bench.instructions [--size small|full] [--cache-dir DIR]

Each start runs once under valgrind's callgrind (about 20-40 s each; valgrind must be installed) after one start
without it that writes the bytecode, and the total instructions to the first paint are printed with their ratios.
Unlike B4's seconds, which move with the machine's load from run to run, the instructions of one start are the same
to within a fraction of a percent: this is the figure to compare two versions of the start-up by
(docs/performance.md). Not one of issue 9's targets, so not in ``python -m bench``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.generate import cached_database
from bench.gui_benchmarks import PROBE_TIMEOUT_S, ROOT, data_folder, probe_environment, run_probe
from bench.measure import SIZES

_SUMMARY = re.compile(r"^summary:\s+(\d+)\s*$", re.MULTILINE)


def instructions_in(callgrind_output: str) -> int:
    """The total instructions of a callgrind output file's ``summary:`` line."""
    found = _SUMMARY.search(callgrind_output)
    if found is None:
        raise ValueError("no summary line: callgrind did not finish")
    return int(found.group(1))


def count(probe_args: list[str], work: Path) -> int:
    """Instructions of one probe start to its first paint (the probe ends there)."""
    run_probe(*probe_args)  # not counted: writes the bytecode, as an installed app has it
    output = work / f"callgrind.{probe_args[0]}.{len(list(work.iterdir()))}"
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={output}",
        sys.executable,
        "-m",
        "bench.app_probe",
        *probe_args,
        "--t0",
        "0",
    ]
    done = subprocess.run(
        command, cwd=ROOT, env=probe_environment(), capture_output=True, text=True, timeout=PROBE_TIMEOUT_S
    )
    if not output.exists():
        raise RuntimeError(f"callgrind wrote nothing (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return instructions_in(output.read_text(encoding="utf-8", errors="replace"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "socialinbox-bench")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind); nothing counted", file=sys.stderr)
        return 2
    size = SIZES[args.size]
    with tempfile.TemporaryDirectory(prefix="si-count-") as folder:
        work = Path(folder)
        app_folder = data_folder(cached_database(size.messages, args.cache_dir), work / "app")
        run_probe("app", "--data-dir", str(app_folder), "--quit")  # quits as the owner does (B4's starts find that)
        qt_classes = ",".join(run_probe("app", "--data-dir", str(app_folder))["qt_classes"])
        counts = work / "counts"
        counts.mkdir()
        bare = count(["bare"], counts)
        alike = count(["bare", "--qt-classes", qt_classes], counts)
        app = count(["app", "--data-dir", str(app_folder)], counts)
    rows = (
        ("bare window", bare, ""),
        (f"bare window, the app's {qt_classes.count(',') + 1} Qt classes", alike, f"{alike / bare:.3f}x"),
        ("the app", app, f"{app / bare:.3f}x  ({app / alike:.3f}x the line above)"),
        ("1.5x the bare window allows", 1.5 * bare, ""),
    )
    print(f"B4 in instructions, to the first paint ({size.messages:,} messages):")
    for label, instructions, ratio in rows:
        print(f"  {label:<42} {instructions / 1e9:6.3f} G  {ratio}".rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
