"""``socialinbox accounts add bluesky --handle H``: sign in with an app password read from standard input."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from socialinbox.accounts_setup import SetupError
from socialinbox.bluesky_setup import APP_PASSWORD_HELP, connect_bluesky, has_dm_access, reconnect_bluesky
from socialinbox.cli.output import fail
from socialinbox.cli.secret_input import read_secret
from socialinbox.connectors.base import ConnectorError
from socialinbox.connectors.bluesky_chat import NO_DM_ACCESS
from socialinbox.connectors.bluesky_session import DEFAULT_PLC, DEFAULT_SERVICE
from socialinbox.wiring import Core

EXAMPLE = "echo abcd-efgh-ijkl-mnop | socialinbox accounts add bluesky --handle shopname.bsky.social"


def register(platforms: Any) -> None:
    bluesky = platforms.add_parser(
        "bluesky",
        help="a Bluesky account (with an app password)",
        description=f"Connect a Bluesky account. The app password is read from standard input.\n\n"
        f"{textwrap.fill(APP_PASSWORD_HELP, 100)}\n\nExample:\n  {EXAMPLE}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bluesky.add_argument("--handle", help="the account's handle, e.g. shopname.bsky.social")
    bluesky.add_argument(
        "--pds",
        default=DEFAULT_SERVICE,
        help=f"the server to sign in at (default {DEFAULT_SERVICE}; a self-hosted PDS)",
    )
    bluesky.add_argument("--plc", default=DEFAULT_PLC, help=f"the DID directory (default {DEFAULT_PLC})")
    bluesky.add_argument("--no-dms", action="store_true", help="leave direct messages out of the inbox")
    bluesky.add_argument("--reconnect", type=int, metavar="ACCOUNT_ID", help="sign this account in again")
    bluesky.set_defaults(run=add_bluesky)


def add_bluesky(core: Core, args: argparse.Namespace) -> int:
    if args.reconnect is None and not args.handle:
        return fail(f"say which account with --handle, e.g.\n  {EXAMPLE}")
    password = read_secret("Bluesky app password")
    if not password:
        return fail(f"no app password given: pipe one in, e.g.\n  {EXAMPLE}\n\n{APP_PASSWORD_HELP}")
    try:
        if args.reconnect is not None:
            account = reconnect_bluesky(core, args.reconnect, password)
        else:
            account = connect_bluesky(
                core, args.handle, password, service_url=args.pds, plc_url=args.plc, direct_messages=not args.no_dms
            )
    except (SetupError, ConnectorError) as error:
        return fail(str(error), code=1)
    print(f"Connected {account.label} as account {account.id}.")
    if not args.no_dms and has_dm_access(core, account) is False:
        print(f"note: {NO_DM_ACCESS}")
    return 0
