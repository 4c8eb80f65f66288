"""``socialinbox report`` in a subprocess, as a script would run it: figures, JSON, and a private CSV export."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from socialinbox.cli import main
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.storage.paging import InboxView
from socialinbox.wiring import build_core, ensure_demo_account
from tests.cli.runner import cli


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo shop after one poll, with one conversation answered (set up in-process: it is not under test)."""
    folder = tmp_path_factory.mktemp("report")
    core = build_core(paths_in(folder), secrets=MemorySecretStore())
    try:
        account = ensure_demo_account(core)
        core.service.poll_account(account.id)
        waiting = core.repository.conversations(InboxView.NEEDS_REPLY)
        core.repository.queue_reply(waiting[0].id, "Sorry about that, sorting it now.", core.clock.now())
        core.sender.send_due()
    finally:
        core.close()
    return folder


def test_report_prints_the_figures_of_the_last_week(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(shop), "report"]) == 0
    out = capsys.readouterr().out
    for line in ("first response, median", "answered within target", "overdue now", "Messages by channel", "Demo shop"):
        assert line in out


def test_report_json_agrees_with_the_inbox(shop: Path) -> None:
    data = json.loads(cli(shop, "report", "--json").stdout)
    assert data["answered"] == 1 and data["median_first_response_minutes"] is not None
    assert data["waiting_periods"] >= data["overdue_now"] + 1
    assert sum(data["volume_by_hour"]) == sum(data["volume_by_day"].values()) == data["volume_by_channel"]["demo"]
    assert len(data["volume_by_day"]) == 7


def test_csv_export_warns_and_is_private(shop: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    result = cli(shop, "report", "--csv", "--output", str(target))
    assert "customer data" in result.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert rows and rows[0]["platform"] == "demo" and sum(int(r["answered"]) for r in rows) == 1
    if os.name == "posix":
        assert target.stat().st_mode & 0o777 == 0o600


def test_bad_dates_are_usage_errors(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(shop), "report", "--since", "2026-11-30", "--until", "2026-11-01"]) == 2
    with pytest.raises(SystemExit) as stopped:
        main(["--data-dir", str(shop), "report", "--since", "yesterday"])
    assert stopped.value.code == 2
