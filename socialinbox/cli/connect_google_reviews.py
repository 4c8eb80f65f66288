"""``socialinbox accounts add google_reviews --client-id ID [--location NAME]``: sign in in the browser with the
owner's own "Desktop app" OAuth client, whose secret is read from standard input."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from socialinbox.accounts_setup import SetupError
from socialinbox.cli.browser import add_browser_options, token_through_browser
from socialinbox.cli.output import fail
from socialinbox.cli.secret_input import read_secret
from socialinbox.connectors.base import ConnectorError
from socialinbox.domain import Account
from socialinbox.google_reviews_setup import (
    APPROVAL_NOTE,
    CLIENT_HELP,
    ONE_REPLY_NOTE,
    ChooseLocation,
    Endpoints,
    begin_google_sign_in,
    connect_google_reviews,
    reconnect_google_reviews,
)
from socialinbox.wiring import Core


def register(platforms: Any) -> None:
    google = platforms.add_parser(
        "google_reviews",
        help="the reviews of a Google Business Profile location, and your replies to them",
        description="Connect a Google Business Profile location. The OAuth client secret is read from standard "
        "input, then you sign in in the browser.\n\n"
        + "\n\n".join(textwrap.fill(text, 100) for text in (CLIENT_HELP, APPROVAL_NOTE, ONE_REPLY_NOTE)),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    google.add_argument("--client-id", help="the client id of your 'Desktop app' OAuth client")
    google.add_argument("--location", help="which location, by title or name, when the account manages several")
    google.add_argument("--reconnect", type=int, metavar="ACCOUNT_ID", help="sign in again for this account")
    add_browser_options(google)
    for option in ("auth-url", "token-url", "api-base", "accounts-base", "locations-base"):  # test servers only
        google.add_argument(f"--{option}", help=argparse.SUPPRESS)
    google.set_defaults(run=add_google_reviews)


def add_google_reviews(core: Core, args: argparse.Namespace) -> int:
    try:
        client_id = _client_id(core, args)
        secret = read_secret("OAuth client secret")
        if not client_id or not secret:
            return fail(f"give --client-id and pipe the client secret in.\n{CLIENT_HELP}")
        account = _connect(core, args, client_id, _sign_in(core, args, client_id, secret))
    except ChooseLocation as error:
        return fail(f"{error} Run the command again with --location NAME.", code=1)
    except (SetupError, ConnectorError) as error:
        return fail(str(error), code=1)
    print(f"Connected {account.label} as account {account.id}.")
    print(ONE_REPLY_NOTE)
    return 0


def _client_id(core: Core, args: argparse.Namespace) -> str:
    if args.client_id or args.reconnect is None:
        return str(args.client_id or "").strip()
    return str(core.repository.account(args.reconnect).settings.get("client_id") or "")


def _endpoints(args: argparse.Namespace) -> Endpoints:
    given = {
        "auth_url": args.auth_url,
        "token_url": args.token_url,
        "api_base": args.api_base,
        "accounts_base": args.accounts_base,
        "locations_base": args.locations_base,
    }
    return Endpoints(**{name: value for name, value in given.items() if value})


def _sign_in(core: Core, args: argparse.Namespace, client_id: str, secret: str) -> str:
    return token_through_browser("Google", begin_google_sign_in(core, client_id, secret, _endpoints(args)), args)


def _connect(core: Core, args: argparse.Namespace, client_id: str, token: str) -> Account:
    if args.reconnect is not None:
        return reconnect_google_reviews(core, args.reconnect, token, client_id=client_id)
    return connect_google_reviews(core, client_id, token, location=args.location, endpoints=_endpoints(args))
