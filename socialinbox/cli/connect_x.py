"""``socialinbox accounts add x --client-id ID``: sign in to X in the browser with the owner's own developer app."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from socialinbox.accounts_setup import SetupError
from socialinbox.cli.browser import add_browser_options, token_through_browser
from socialinbox.cli.output import fail
from socialinbox.connectors.base import ConnectorError
from socialinbox.domain import Account
from socialinbox.wiring import Core
from socialinbox.x_setup import CLIENT_ID_HELP, COST_NOTE, begin_x_sign_in, connect_x, reconnect_x


def register(platforms: Any) -> None:
    x = platforms.add_parser(
        "x",
        help="an X (Twitter) account: mentions and direct messages",
        description="Connect an X account by signing in in the browser.\n\n"
        f"{textwrap.fill(CLIENT_ID_HELP, 100)}\n\n{textwrap.fill(COST_NOTE, 100)}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    x.add_argument("--client-id", help="the OAuth 2.0 client id of your X developer app (not needed with --reconnect)")
    x.add_argument("--api-base", help="another X API address (a test server)")
    x.add_argument("--reconnect", type=int, metavar="ACCOUNT_ID", help="sign in again for this account")
    add_browser_options(x)
    x.add_argument("--port", type=int, default=None, help=argparse.SUPPRESS)  # tests only: X itself needs 53682
    x.set_defaults(run=add_x)


def add_x(core: Core, args: argparse.Namespace) -> int:
    try:
        account = _sign_in_and_connect(core, args)
    except (SetupError, ConnectorError) as error:
        return fail(str(error), code=1)
    print(f"Connected {account.label} as account {account.id}.")
    return 0


def _sign_in_and_connect(core: Core, args: argparse.Namespace) -> Account:
    settings = core.repository.account(args.reconnect).settings if args.reconnect is not None else {}
    client_id = args.client_id or str(settings.get("client_id") or "")
    if not client_id:
        raise SetupError(f"say which developer app with --client-id ID.\n{CLIENT_ID_HELP}")
    api_base = args.api_base or settings.get("api_base")
    token = token_through_browser("X", begin_x_sign_in(core, client_id, api_base=api_base, port=args.port), args)
    if args.reconnect is not None:
        return reconnect_x(core, args.reconnect, token, client_id=client_id)
    return connect_x(core, client_id, token, api_base=api_base)
