"""``socialinbox sync --once``: poll every account, send what is queued, say what happened."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from socialinbox.wiring import Core


def register(commands: Any) -> None:
    sync = commands.add_parser("sync", help="poll accounts and send queued replies")
    sync.add_argument("--once", action="store_true", required=True, help="poll every account once, then exit")
    sync.set_defaults(run=sync_once)


def sync_once(core: Core, args: argparse.Namespace) -> int:
    accounts = core.repository.accounts()
    if not accounts:
        print("No accounts connected. Add the demo shop with: socialinbox accounts add demo")
        return 0
    failed = 0
    for account in accounts:
        report = core.service.poll_account(account.id)
        if report.ok:
            print(f"{account.label}: {len(report.new_messages)} new")
            for warning in report.warnings:
                print(f"  note: {warning}")
        else:
            failed += 1
            print(f"{account.label}: FAILED - {report.error}", file=sys.stderr)
    for delivery in core.sender.send_due():
        print(f"reply {delivery.item.id}: {delivery.item.state.value} {delivery.item.last_error}".rstrip())
    return 1 if failed else 0
