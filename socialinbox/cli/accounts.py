"""``socialinbox accounts``: list, add (one module per platform registers its ``add`` subcommand), remove."""

from __future__ import annotations

import argparse
from typing import Any

from socialinbox.cli import connect_demo
from socialinbox.cli.output import account_json, iso, print_json
from socialinbox.secrets import account_key
from socialinbox.wiring import Core

ADDERS = (connect_demo.register,)
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
        print(f"{account.id:>4}  {account.label:<40} {account.health.value:<16} last poll {last}{detail}")
    return 0


def accounts_remove(core: Core, args: argparse.Namespace) -> int:
    account = core.repository.account(args.account_id)
    core.repository.remove_account(account.id)
    core.secrets.delete(account_key(account.id))
    print(f"Removed {account.label} and its conversations.")
    return 0
