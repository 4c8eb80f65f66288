"""``socialinbox accounts``: list, add (one module per platform registers its ``add`` subcommand), remove."""

from __future__ import annotations

import argparse
from typing import Any

from socialinbox.cli import (
    connect_bluesky,
    connect_demo,
    connect_email,
    connect_facebook,
    connect_google_reviews,
    connect_instagram,
    connect_mastodon,
    connect_telegram,
    connect_x,
)
from socialinbox.cli.output import account_json, iso, print_json
from socialinbox.domain import Account
from socialinbox.secrets import account_key
from socialinbox.wiring import Core

ADDERS = (
    connect_demo.register,
    connect_email.register,
    connect_mastodon.register,
    connect_telegram.register,
    connect_bluesky.register,
    connect_facebook.register,
    connect_google_reviews.register,
    connect_x.register,
    connect_instagram.register,
)
"""Each registers ``accounts add <platform>``; a new connector adds its module here."""


def register(commands: Any) -> None:
    accounts = commands.add_parser("accounts", help="list, add or remove connected accounts")
    actions = accounts.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="connected accounts and their health")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=accounts_list)
    add = actions.add_parser("add", help="connect an account")
    platforms = add.add_subparsers(dest="platform", metavar="PLATFORM", required=True)
    for adder in ADDERS:
        adder(platforms)
    remove = actions.add_parser("remove", help="disconnect an account and delete what it brought in")
    remove.add_argument("account_id", type=int)
    remove.set_defaults(run=accounts_remove)


def accounts_list(core: Core, args: argparse.Namespace) -> int:
    accounts = core.repository.accounts()
    if args.json:
        print_json([account_json(account) for account in accounts])
        return 0
    if not accounts:
        print("No accounts connected. Add the demo shop with: socialinbox accounts add demo")
    for account in accounts:
        last = iso(account.last_success_at) or "never"
        detail = f" - {account.health_detail}" if account.health_detail else ""
        extra = _schedule_and_budget(account)
        print(f"{account.id:>4}  {account.label:<40} {account.health.value:<16} last poll {last}{extra}{detail}")
    return 0


def _schedule_and_budget(account: Account) -> str:
    """When the next poll comes (or how to resume) and the rate-limit budget left, for the text listing."""
    if account.polling_stopped:
        return f", stopped: reconnect with 'socialinbox accounts add {account.platform.value} --reconnect {account.id}'"
    when = iso(account.next_poll_at) or "soon"
    parts = ["listening continuously" if account.poll_interval_s == 0 else f"next {when}"]
    budget = account.rate_budget
    if budget is not None and budget.remaining is not None:
        parts.append(f"{budget.remaining}/{budget.limit or '?'} requests left")
    return ", " + ", ".join(parts)


def accounts_remove(core: Core, args: argparse.Namespace) -> int:
    account = core.repository.account(args.account_id)
    core.repository.remove_account(account.id)
    core.secrets.delete(account_key(account.id))
    print(f"Removed {account.label} and its conversations.")
    return 0
