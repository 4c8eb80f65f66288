"""``socialinbox accounts add instagram [--page NAME | --without-page]``: an access token, read from standard input:
the linked Facebook Page's, or (``--without-page``) the Instagram account's own, made in Meta's App Dashboard."""

from __future__ import annotations

import argparse
from typing import Any

from socialinbox.cli.connect_facebook import add_with_page_token, register_page_command
from socialinbox.cli.output import fail
from socialinbox.domain import Account
from socialinbox.instagram_setup import (
    INSTAGRAM_TOKEN_HELP,
    LOGIN_TOKEN_HELP,
    connect_instagram,
    connect_instagram_login,
    reconnect_instagram,
)
from socialinbox.wiring import Core


def register(platforms: Any) -> None:
    command = register_page_command(
        platforms,
        "instagram",
        "an Instagram professional account, through its Facebook Page or without one (comments and direct messages)",
        "Connect an Instagram professional account: through the Facebook Page it is linked to, or with "
        "--without-page, an account without a Facebook Page.",
        f"{INSTAGRAM_TOKEN_HELP}\n\nWith --without-page: {LOGIN_TOKEN_HELP}",
        add_instagram,
    )
    command.add_argument(
        "--without-page",
        action="store_true",
        help="an Instagram account without a Facebook Page: the token is one from Meta's App Dashboard "
        "(Instagram > API setup with Instagram business login > Generate token)",
    )


def add_instagram(core: Core, args: argparse.Namespace) -> int:
    if not args.without_page:
        return add_with_page_token(core, args, INSTAGRAM_TOKEN_HELP, connect_instagram, reconnect_instagram)
    if args.page is not None:
        return fail("--page names a Facebook Page; an account connected --without-page has none.")

    def connect(core: Core, token: str, *, page: str | None, api_base: str | None) -> Account:
        return connect_instagram_login(core, token, api_base=api_base)

    return add_with_page_token(core, args, LOGIN_TOKEN_HELP, connect, reconnect_instagram)
