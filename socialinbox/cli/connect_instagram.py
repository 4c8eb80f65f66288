"""``socialinbox accounts add instagram [--page NAME]``: the linked Page's access token, read from standard input."""

from __future__ import annotations

import argparse
from typing import Any

from socialinbox.cli.connect_facebook import add_with_page_token, register_page_command
from socialinbox.instagram_setup import INSTAGRAM_TOKEN_HELP, connect_instagram, reconnect_instagram
from socialinbox.wiring import Core


def register(platforms: Any) -> None:
    register_page_command(
        platforms,
        "instagram",
        "an Instagram professional account linked to a Facebook Page (comments and direct messages)",
        "Connect the Instagram professional account linked to a Facebook Page.",
        INSTAGRAM_TOKEN_HELP,
        add_instagram,
    )


def add_instagram(core: Core, args: argparse.Namespace) -> int:
    return add_with_page_token(core, args, INSTAGRAM_TOKEN_HELP, connect_instagram, reconnect_instagram)
