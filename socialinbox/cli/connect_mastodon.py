"""``socialinbox accounts add mastodon --instance URL``: with a token from standard input, or ``--oauth`` to sign in
in the browser (``--paste`` where no browser on this computer can reach the app: the server shows a code to type)."""

from __future__ import annotations

import argparse
from typing import Any

from socialinbox.accounts_setup import (
    SetupError,
    begin_mastodon_sign_in,
    connect_mastodon,
    mastodon_instance,
    reconnect,
)
from socialinbox.cli.browser import add_browser_options, token_through_browser
from socialinbox.cli.output import fail
from socialinbox.cli.secret_input import read_secret
from socialinbox.connectors.base import ConnectorError
from socialinbox.domain import Account
from socialinbox.wiring import Core


def register(platforms: Any) -> None:
    mastodon = platforms.add_parser(
        "mastodon",
        help="a Mastodon (or compatible) account",
        description="Connect a Mastodon account. Without --oauth, an access token is read from standard input.",
    )
    mastodon.add_argument("--instance", help="the server, e.g. mastodon.social (not needed with --reconnect)")
    mastodon.add_argument("--oauth", action="store_true", help="sign in in the browser instead of pasting a token")
    mastodon.add_argument("--paste", action="store_true", help="with --oauth: type the code the server shows")
    add_browser_options(mastodon, what="with --oauth: ")
    mastodon.add_argument("--reconnect", type=int, metavar="ACCOUNT_ID", help="sign in again for this account")
    mastodon.set_defaults(run=add_mastodon)


def add_mastodon(core: Core, args: argparse.Namespace) -> int:
    try:
        instance = _instance(core, args)
        token = _sign_in(core, args, instance) if args.oauth else read_secret("Mastodon access token")
        if not token:
            return fail("no token given: pipe an access token in, or use --oauth to sign in in the browser")
        account = _connect(core, args, instance, token)
    except (SetupError, ConnectorError) as error:
        return fail(str(error), code=1)
    print(f"Connected {account.label} as account {account.id}.")
    limit = account.settings.get("max_characters")
    if limit:
        print(f"Replies may be up to {limit} characters on {mastodon_instance(instance)}.")
    return 0


def _instance(core: Core, args: argparse.Namespace) -> str:
    if args.reconnect is not None:
        return str(core.repository.account(args.reconnect).settings.get("instance_url") or args.instance or "")
    if not args.instance:
        raise SetupError("say which server with --instance, e.g. --instance mastodon.social")
    return str(args.instance)


def _connect(core: Core, args: argparse.Namespace, instance: str, token: str) -> Account:
    if args.reconnect is None:
        return connect_mastodon(core, instance, token)
    return reconnect(core, args.reconnect, token)


def _sign_in(core: Core, args: argparse.Namespace, instance: str) -> str:
    reconnecting = args.reconnect is not None
    sign_in = begin_mastodon_sign_in(core, instance, force_login=True if reconnecting else None)
    if not args.paste:
        return token_through_browser("Mastodon", sign_in, args)
    with sign_in:
        print(f"Open this address, sign in and approve Social Inbox:\n{sign_in.paste_url}", flush=True)
        return sign_in.token_from_code(read_secret("code the server shows"))
