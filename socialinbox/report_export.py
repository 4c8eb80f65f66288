"""Reports leaving the app: JSON for scripts, CSV of the per-conversation figures, and a private file to hold them.

An export holds customer data (who wrote, when, how they felt), so files are created owner-only (0600) before a
byte is written, and every caller shows ``CUSTOMER_DATA_WARNING``.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from socialinbox.reports import CSV_FIELDS, ResponseReport, to_csv_rows

CUSTOMER_DATA_WARNING = (
    "This export contains customer data (conversation ids, channels, response times and sentiment): "
    "keep it private and delete it when you no longer need it."
)


def _minutes(span: timedelta | None) -> float | None:
    return None if span is None else round(span.total_seconds() / 60, 1)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def report_json(report: ResponseReport) -> dict[str, Any]:
    """The report as plain JSON values; times in UTC with a Z, durations in minutes, days as local dates."""
    return {
        "since": _iso(report.since),
        "until": _iso(report.until),
        "generated_at": _iso(report.now),
        "waiting_periods": report.waiting_periods,
        "answered": report.answered,
        "median_first_response_minutes": _minutes(report.median_first_response),
        "p90_first_response_minutes": _minutes(report.p90_first_response),
        "within_target_share": report.within_target_share,
        "overdue_now": report.overdue_now,
        "volume_by_channel": {platform.value: count for platform, count in sorted(report.volume_by_platform.items())},
        "volume_by_day": {day.isoformat(): count for day, count in report.volume_by_day.items()},
        "volume_by_hour": list(report.volume_by_hour),
        "sentiment_by_day": {day.isoformat(): round(value, 3) for day, value in report.sentiment_by_day.items()},
        "conversations": to_csv_rows(report),
    }


def report_csv(report: ResponseReport) -> str:
    """The per-conversation figures, one row each, with a header (``reports.CSV_FIELDS``)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(to_csv_rows(report))
    return buffer.getvalue()


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable by the owner only from the first byte (an existing file is tightened)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags, 0o600)
    try:
        if os.name == "posix":
            os.fchmod(descriptor, 0o600)  # O_CREAT's mode is ignored for a file that already existed
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            descriptor = -1
            handle.write(text)
    finally:
        if descriptor >= 0:
            os.close(descriptor)
