"""``socialinbox report``: how often the shop met its response target, and when customers write.

Dates are local days in the clock's time zone (Preferences, or the machine's); ``--until`` is inclusive. The default
is the last seven days, today included. ``--csv`` prints the per-conversation figures (or writes them, owner-only, to
``--output``); ``--json`` prints everything for scripts. Both carry customer data, and say so on standard error.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from socialinbox.cli.output import fail
from socialinbox.clock_settings import safe_policy, timezone_of
from socialinbox.domain import PLATFORM_LABELS
from socialinbox.report_export import CUSTOMER_DATA_WARNING, report_csv, report_json, write_private
from socialinbox.reports import ResponseReport, build_report
from socialinbox.triage import Triage
from socialinbox.wiring import Core

DEFAULT_DAYS = 7


def register(commands: Any) -> None:
    report = commands.add_parser("report", help="response times and volumes over a period")
    report.add_argument("--since", type=date.fromisoformat, help="first day, YYYY-MM-DD (default: 6 days ago)")
    report.add_argument("--until", type=date.fromisoformat, help="last day, inclusive (default: today)")
    shape = report.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="everything as JSON")
    shape.add_argument("--csv", action="store_true", help="the per-conversation figures as CSV")
    report.add_argument("--output", type=Path, help="write the JSON or CSV to this file (created owner-only)")
    report.set_defaults(run=run_report)


def run_report(core: Core, args: argparse.Namespace) -> int:
    policy, problem = safe_policy(core.settings)
    if problem:
        print(f"warning: {problem}", file=sys.stderr)
    zone = ZoneInfo(timezone_of(core.settings))
    now = core.clock.now()
    today = now.astimezone(zone).date()
    last = args.until or today
    first = args.since or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        return fail("--since must not be after --until")
    since, until = _local_midnight(first, zone), _local_midnight(last + timedelta(days=1), zone)
    histories = core.repository.conversation_histories(since, until, Triage().sentiment)
    report = build_report(histories, since, until, now, policy, zone)
    if args.json or args.csv:
        return _export(report, args)
    if args.output:
        return fail("--output needs --json or --csv")
    _print_summary(report, first, last)
    return 0


def _local_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _export(report: ResponseReport, args: argparse.Namespace) -> int:
    text = report_csv(report) if args.csv else json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n"
    print(f"warning: {CUSTOMER_DATA_WARNING}", file=sys.stderr)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        write_private(args.output, text)
    except OSError as error:
        return fail(f"cannot write {args.output}: {error.strerror or error}", code=1)
    print(f"Wrote {args.output} (readable by you only).", file=sys.stderr)
    return 0


def _minutes(span: timedelta | None) -> str:
    if span is None:
        return "-"
    minutes = span.total_seconds() / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _print_summary(report: ResponseReport, first: date, last: date) -> None:
    share = "-" if report.within_target_share is None else f"{report.within_target_share:.0%}"
    print(f"Response times, {first.isoformat()} to {last.isoformat()}")
    print(f"  customers waiting (periods)  {report.waiting_periods}")
    print(f"  answered                     {report.answered}")
    print(f"  first response, median       {_minutes(report.median_first_response)}")
    print(f"  first response, 90% within   {_minutes(report.p90_first_response)}")
    print(f"  answered within target       {share}")
    print(f"  overdue now                  {report.overdue_now}")
    if report.volume_by_platform:
        print("Messages by channel")
        for platform, count in sorted(report.volume_by_platform.items(), key=lambda item: -item[1]):
            print(f"  {PLATFORM_LABELS[platform]:<28} {count}")
    print("Messages by day")
    for day, count in report.volume_by_day.items():
        mood = report.sentiment_by_day.get(day)
        print(f"  {day.isoformat()}  {count:>5}" + (f"   mood {mood:+.2f}" if mood is not None else ""))
    busiest = max(range(24), key=lambda hour: report.volume_by_hour[hour])
    if report.volume_by_hour[busiest]:
        print(f"Busiest hour: {busiest:02d}:00-{busiest + 1:02d}:00 ({report.volume_by_hour[busiest]} messages)")
