"""Running ``socialinbox`` in a subprocess, as a script or a headless box runs it: the one runner of every test that
starts the installed command. Sign-ins are kept in a file-backed test keyring, and days are counted in UTC."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def cli_env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring",
        "SOCIALINBOX_TEST_KEYRING": str(data_dir / "test-keyring.json"),
        "BROWSER": "true",  # webbrowser.open "succeeds" without opening anything
        "TZ": "UTC",  # reports count days in the local zone: the figures tests expect must not move with the machine's
    }


def cli(data_dir: Path, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "socialinbox", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env=cli_env(data_dir),
        cwd=ROOT,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        timeout=60,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def cli_json(data_dir: Path, *args: str) -> Any:
    return json.loads(cli(data_dir, *args, "--json").stdout)


def start_cli(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    """A command that keeps running (a sign-in waiting for the browser); the caller reads its output."""
    return subprocess.Popen(
        [sys.executable, "-m", "socialinbox", "--data-dir", str(data_dir), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(data_dir),
        cwd=ROOT,
    )
