"""``socialinbox accounts add facebook [--page NAME]``: an access token from Meta, read from standard input."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from socialinbox.accounts_setup import SetupError
from socialinbox.cli.output import fail
from socialinbox.cli.secret_input import read_secret
from socialinbox.connectors.base import ConnectorError
from socialinbox.facebook_setup import PAGE_TOKEN_HELP, ChoosePage, connect_facebook, reconnect_facebook
from socialinbox.wiring import Core


def register(platforms: Any) -> None:
    facebook = platforms.add_parser(
        "facebook",
        help="a Facebook Page (comments on its posts, and its Messenger inbox)",
        description="Connect a Facebook Page. The access token is read from standard input.\n\n"
        f"{textwrap.fill(PAGE_TOKEN_HELP, 100)}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    facebook.add_argument("--page", help="which Page, by name or id, when the token manages several")
    facebook.add_argument("--api-base", help="another Graph API address (a pinned version, or a test server)")
    facebook.add_argument("--reconnect", type=int, metavar="ACCOUNT_ID", help="give this account its new token")
    facebook.set_defaults(run=add_facebook)


def add_facebook(core: Core, args: argparse.Namespace) -> int:
    token = read_secret("access token")
    if not token:
        return fail(f"no access token given.\n{PAGE_TOKEN_HELP}")
    try:
        if args.reconnect is not None:
            account = reconnect_facebook(core, args.reconnect, token)
        else:
            account = connect_facebook(core, token, page=args.page, api_base=args.api_base)
    except ChoosePage as error:
        return fail(f"{error} Run the command again with --page NAME.", code=1)
    except (SetupError, ConnectorError) as error:
        return fail(str(error), code=1)
    print(f"Connected {account.label} as account {account.id}.")
    return 0
