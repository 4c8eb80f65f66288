"""The log file: made (owner-only) when logging is set up, rotated by the standard library's handler, which is made at
the first record (each test runs in a process of its own: logging and ``sys.modules`` are process-wide)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, folder: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), str(folder / "logs" / "socialinbox.log")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_file_is_made_at_once_and_the_rotating_handler_at_the_first_record(tmp_path: Path) -> None:
    printed = run(
        """
        import logging, sys
        from pathlib import Path
        from socialinbox.logging_setup import configure_logging
        log_file = Path(sys.argv[1])
        configure_logging(log_file)
        print(log_file.exists(), "logging.handlers" in sys.modules)
        logging.getLogger("socialinbox.test").warning("the first record")
        print("logging.handlers" in sys.modules)
        """,
        tmp_path,
    )
    assert printed.split() == ["True", "False", "True"]
    assert "WARNING socialinbox.test: the first record" in (tmp_path / "logs" / "socialinbox.log").read_text()


@pytest.mark.skipif(os.name != "posix", reason="0600 is POSIX")
def test_a_full_file_rolls_over_keeping_three_older_ones_all_owner_only(tmp_path: Path) -> None:
    run(
        """
        import logging, sys
        from pathlib import Path
        import socialinbox.logging_setup as logging_setup
        logging_setup.MAX_BYTES = 400  # read when the rotating handler is made, at the first record
        logging_setup.configure_logging(Path(sys.argv[1]))
        for number in range(60):
            logging.getLogger("socialinbox.test").warning("record %03d of a busy day", number)
        """,
        tmp_path,
    )
    files = sorted(path.name for path in (tmp_path / "logs").iterdir() if path.is_file())
    assert files == ["socialinbox.log", "socialinbox.log.1", "socialinbox.log.2", "socialinbox.log.3"]
    assert all(stat.S_IMODE((tmp_path / "logs" / name).stat().st_mode) == 0o600 for name in files)
    assert "record 059" in (tmp_path / "logs" / "socialinbox.log").read_text()
    assert all((tmp_path / "logs" / name).stat().st_size <= 400 for name in files)
