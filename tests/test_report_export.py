"""Reports leaving the app: JSON and CSV shapes, and files only the owner can read."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from socialinbox.domain import Direction, Platform, Visibility
from socialinbox.report_export import CUSTOMER_DATA_WARNING, report_csv, report_json, write_private
from socialinbox.reports import CSV_FIELDS, ConversationHistory, HistoryEvent, build_report
from socialinbox.responsetime import ResponsePolicy

T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)


def _report():  # type: ignore[no-untyped-def]
    events = (
        HistoryEvent(Direction.INBOUND, T0, sentiment=-0.4),
        HistoryEvent(Direction.OUTBOUND, T0 + timedelta(minutes=12)),
    )
    history = ConversationHistory(7, Platform.TELEGRAM, Visibility.PRIVATE, events)
    return build_report(
        [history],
        T0 - timedelta(days=1),
        T0 + timedelta(days=1),
        T0 + timedelta(hours=2),
        ResponsePolicy(),
        ZoneInfo("UTC"),
    )


def test_json_has_figures_in_minutes_and_days_as_dates() -> None:
    data = report_json(_report())
    assert data["median_first_response_minutes"] == 12.0 and data["within_target_share"] == 1.0
    assert data["volume_by_channel"] == {"telegram": 1}
    assert list(data["volume_by_day"]) == ["2026-11-22", "2026-11-23", "2026-11-24"]
    assert data["since"].endswith("Z") and len(data["volume_by_hour"]) == 24
    json.dumps(data)  # plain JSON values only


def test_csv_has_a_header_and_one_row_per_conversation() -> None:
    rows = list(csv.DictReader(io.StringIO(report_csv(_report()))))
    assert tuple(rows[0]) == CSV_FIELDS
    assert rows[0]["conversation_id"] == "7" and rows[0]["median_first_response_minutes"] == "12.0"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_exports_are_written_owner_only_even_over_a_readable_file(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_text("old")
    target.chmod(0o644)
    write_private(target, "a,b\n")
    assert target.read_text() == "a,b\n"
    assert target.stat().st_mode & 0o777 == 0o600
    assert "customer data" in CUSTOMER_DATA_WARNING
