"""The throwaway PostgreSQL of the tests: a server whose test run crashed is stopped by the next run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.connectors.mail_servers import process_running
from tests.postgres_server import postgres_unavailable, stop_orphaned_servers

ROOT = Path(__file__).resolve().parents[1]
_CRASHING_RUN = (
    "import os\n"
    "from tests.postgres_server import PostgresServer\n"
    "server = PostgresServer()\n"
    "server.start()\n"
    "print(server.folder, flush=True)\n"
    "os._exit(0)  # as a crash: no finally, no stop\n"
)


def test_a_server_left_by_a_crashed_run_is_stopped_by_the_next_run() -> None:
    if (reason := postgres_unavailable()) is not None:
        pytest.skip(reason)
    crashed = subprocess.run([sys.executable, "-c", _CRASHING_RUN], cwd=ROOT, capture_output=True, text=True)
    folder = Path(crashed.stdout.strip())
    assert folder.is_dir(), crashed.stderr[-2000:]
    postmaster = int((folder / "data" / "postmaster.pid").read_text().split()[0])
    assert process_running(postmaster)  # still running after its run ended

    stop_orphaned_servers()

    assert not folder.exists() and not process_running(postmaster)
