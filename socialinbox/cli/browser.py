"""Sending the owner to a sign-in page from the command line: the address is printed first (a terminal on another
machine, or a browser that does not open, still gets it), then the system browser is asked to open it."""

from __future__ import annotations

import argparse
import sys
import webbrowser
from typing import Any

from socialinbox.browser_sign_in import BrowserSignIn
from socialinbox.connectors.oauth_loopback import SIGN_IN_TIMEOUT_S


def add_browser_options(parser: Any, *, what: str = "") -> None:
    """``--no-browser`` (only print the address), and the tests' ``--timeout``."""
    parser.add_argument("--no-browser", action="store_true", help=f"{what}only print the address to open")
    parser.add_argument("--timeout", type=float, default=SIGN_IN_TIMEOUT_S, help=argparse.SUPPRESS)


def token_through_browser(platform_name: str, sign_in: BrowserSignIn, args: argparse.Namespace) -> str:
    """Offer ``sign_in``'s page, wait for the browser to come back, and close the listener whatever happens."""
    with sign_in:
        offer_sign_in_page(platform_name, sign_in.browser_url, open_browser=not args.no_browser)
        return sign_in.token_from_browser(timeout=args.timeout)


def offer_sign_in_page(platform_name: str, url: str, *, open_browser: bool = True) -> None:
    print(f"Sign in to {platform_name} in your browser (waiting for it):\n{url}", flush=True)
    if open_browser and not webbrowser.open(url):
        print("Could not open a browser here: open the address above yourself.", file=sys.stderr)
