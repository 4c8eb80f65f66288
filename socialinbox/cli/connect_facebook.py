"""``socialinbox accounts add facebook [--page NAME]``: an access token from Meta, read from standard input."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from typing import Any

from socialinbox.accounts_setup import SetupError
from socialinbox.cli.output import fail
from socialinbox.cli.secret_input import read_secret
from socialinbox.connectors.base import ConnectorError
from socialinbox.domain import Account
from socialinbox.facebook_setup import PAGE_TOKEN_HELP, ChoosePage, connect_facebook, reconnect_facebook
from socialinbox.wiring import Core

Connect = Callable[..., Account]  # (core, token, *, page, api_base) -> the new account
Reconnect = Callable[[Core, int, str], Account]


def register(platforms: Any) -> None:
    register_page_command(
        platforms,
        "facebook",
        "a Facebook Page (comments on its posts, and its Messenger inbox)",
        "Connect a Facebook Page.",
        PAGE_TOKEN_HELP,
        add_facebook,
    )


def register_page_command(
    platforms: Any, name: str, summary: str, intro: str, help_text: str, run: Callable[[Core, argparse.Namespace], int]
) -> argparse.ArgumentParser:
    """``accounts add <name>`` for a channel signed in with a Facebook Page's token (Facebook, Instagram); the
    command, for a channel's own options. ``help_text``'s paragraphs are separated by blank lines."""
    paragraphs = "\n\n".join(textwrap.fill(paragraph, 100) for paragraph in help_text.split("\n\n"))
    command: argparse.ArgumentParser = platforms.add_parser(
        name,
        help=summary,
        description=f"{intro} The access token is read from standard input.\n\n{paragraphs}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("--page", help="which Page, by name or id, when the token manages several")
    command.add_argument("--api-base", help="another Graph API address (a pinned version, or a test server)")
    command.add_argument("--reconnect", type=int, metavar="ACCOUNT_ID", help="give this account its new token")
    command.set_defaults(run=run)
    return command


def add_facebook(core: Core, args: argparse.Namespace) -> int:
    return add_with_page_token(core, args, PAGE_TOKEN_HELP, connect_facebook, reconnect_facebook)


def add_with_page_token(
    core: Core, args: argparse.Namespace, help_text: str, connect: Connect, reconnect: Reconnect
) -> int:
    token = read_secret("access token")
    if not token:
        return fail(f"no access token given.\n{help_text}")
    try:
        if args.reconnect is not None:
            account = reconnect(core, args.reconnect, token)
        else:
            account = connect(core, token, page=args.page, api_base=args.api_base)
    except ChoosePage as error:
        return fail(f"{error} Run the command again with --page NAME.", code=1)
    except (SetupError, ConnectorError) as error:
        return fail(str(error), code=1)
    print(f"Connected {account.label} as account {account.id}.")
    return 0
