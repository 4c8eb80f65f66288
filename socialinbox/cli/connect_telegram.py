"""``socialinbox accounts add telegram``: a bot token from BotFather, read from standard input."""

from __future__ import annotations

import argparse
from typing import Any

from socialinbox.accounts_setup import SetupError, WebhookInUse, connect_telegram, reconnect
from socialinbox.cli.output import fail
from socialinbox.cli.secret_input import read_secret
from socialinbox.connectors.base import ConnectorError
from socialinbox.wiring import Core

STEPS = (
    "1. In Telegram, open a chat with @BotFather and send /newbot (or /mybots for an existing bot).\n"
    "2. Choose a name and a username ending in 'bot'.\n"
    "3. BotFather answers with a token like 123456789:AA...; pipe it into this command."
)


def register(platforms: Any) -> None:
    telegram = platforms.add_parser(
        "telegram",
        help="a Telegram bot (and Telegram Business chats)",
        description=f"Connect a Telegram bot. The bot token is read from standard input.\n{STEPS}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    telegram.add_argument("--remove-webhook", action="store_true", help="remove a webhook that blocks polling")
    telegram.add_argument("--api-base", help="another Bot API server (self-hosted, or a test server)")
    telegram.add_argument("--reconnect", type=int, metavar="ACCOUNT_ID", help="give this account its new token")
    telegram.set_defaults(run=add_telegram)


def add_telegram(core: Core, args: argparse.Namespace) -> int:
    token = read_secret("bot token from BotFather")
    if not token:
        return fail(f"no bot token given.\n{STEPS}")
    try:
        if args.reconnect is not None:
            account = reconnect(core, args.reconnect, token, remove_webhook=args.remove_webhook)
        else:
            account = connect_telegram(core, token, api_base=args.api_base, remove_webhook=args.remove_webhook)
    except WebhookInUse as error:
        return fail(f"{error}\nRun the command again with --remove-webhook to remove it.", code=1)
    except (SetupError, ConnectorError) as error:
        return fail(str(error), code=1)
    print(f"Connected {account.label} as account {account.id}. New messages arrive within seconds while the app runs.")
    return 0
