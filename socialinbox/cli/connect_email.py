"""``socialinbox accounts add email``: an inbox over IMAP and SMTP, signed in with an app password.

The servers come from the provider presets (found from the address, or named with ``--provider``), a guess from
DNS for a domain of the shop's own, or the options; any option overrides the preset. The password is read from
standard input when it is not a terminal (``printf %s "$APP_PASSWORD" | socialinbox accounts add email ...``), else
asked for without echo. It is checked against both servers before anything is stored.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import sys
from typing import Any

from socialinbox.accounts_setup import SetupError, reconnect
from socialinbox.cli.output import fail
from socialinbox.connectors.base import ConnectorError
from socialinbox.connectors.email import POLL_INTERVAL_S
from socialinbox.connectors.email_imap import Security
from socialinbox.connectors.email_providers import PROVIDERS
from socialinbox.email_setup import OAUTH_LATER, EmailServers, connect_email, servers_for
from socialinbox.wiring import Core

_DEFAULT_PORTS = {
    "imap": {Security.TLS: 993, Security.STARTTLS: 143, Security.PLAIN: 143},
    "smtp": {Security.TLS: 465, Security.STARTTLS: 587, Security.PLAIN: 25},
}
_SECURITY = [s.value for s in Security]


def register(platforms: Any) -> None:
    email = platforms.add_parser(
        "email",
        help="an e-mail inbox (IMAP and SMTP with an app password)",
        description=f"Connect an e-mail inbox. The app password is read from standard input. {OAUTH_LATER}",
    )
    email.add_argument("--address", help="the shop's e-mail address (not needed with --reconnect)")
    email.add_argument("--reconnect", type=int, metavar="ACCOUNT_ID", help="give this account its new app password")
    email.add_argument("--name", default="", help="the shop's name as customers see it on replies")
    email.add_argument("--provider", choices=sorted(PROVIDERS), help="use this provider's servers (custom domains)")
    email.add_argument("--username", default="", help="the sign-in name, when it is not the address")
    email.add_argument("--folder", default="INBOX", help="the folder customers' mail arrives in")
    for kind in ("imap", "smtp"):
        email.add_argument(f"--{kind}-host", help=f"the {kind.upper()} server")
        email.add_argument(f"--{kind}-port", type=int, help=f"the {kind.upper()} port (default from the security)")
        email.add_argument(f"--{kind}-security", choices=_SECURITY, help="tls, starttls, or plain (this PC only)")
    email.set_defaults(run=add_email)


def add_email(core: Core, args: argparse.Namespace) -> int:
    if args.reconnect is None and not args.address:
        return fail("Give the shop's address with --address (or --reconnect ACCOUNT_ID).")
    password = _read_password(args.address or f"account {args.reconnect}")
    if not password:
        return fail("No app password given (pipe it to standard input).")
    if args.reconnect is not None:
        return _reconnect(core, args.reconnect, password)
    try:
        servers = _servers(args)
        account = connect_email(core, servers, password)
    except SetupError as error:
        return fail(str(error), 1)
    print(f"Connected {account.label} as account {account.id}.")
    print(f"  IMAP {servers.imap_host}:{servers.imap_port} ({servers.imap_security.value}), ", end="")
    print(f"SMTP {servers.smtp_host}:{servers.smtp_port} ({servers.smtp_security.value}).")
    print(f"  New mail is checked every {POLL_INTERVAL_S} seconds. {OAUTH_LATER}")
    if core.secrets_warning:
        print(f"note: {core.secrets_warning}", file=sys.stderr)
    return 0


def _reconnect(core: Core, account_id: int, password: str) -> int:
    """Same account, same settings and history; only the password changes (and polling resumes)."""
    try:
        account = reconnect(core, account_id, password)
    except (SetupError, ConnectorError) as error:
        return fail(str(error), 1)
    print(f"Reconnected {account.label} (account {account.id}).")
    return 0


def _read_password(address: str) -> str:
    if sys.stdin is None:
        return ""
    if sys.stdin.isatty():
        return getpass.getpass(f"App password for {address}: ").strip()
    return sys.stdin.readline().strip()


def _servers(args: argparse.Namespace) -> EmailServers:
    """Preset or guess, then every option the owner gave; both hosts given means no lookup at all."""
    address = args.address.strip().lower()
    if args.imap_host and args.smtp_host and not args.provider:
        servers = EmailServers(address=address, imap_host=args.imap_host, smtp_host=args.smtp_host)
    else:
        servers = servers_for(address, provider=args.provider)
    changes: dict[str, Any] = {"display_name": args.name, "username": args.username, "folder": args.folder}
    for kind in ("imap", "smtp"):
        security = Security(getattr(args, f"{kind}_security") or getattr(servers, f"{kind}_security"))
        host = getattr(args, f"{kind}_host") or getattr(servers, f"{kind}_host")
        port = getattr(args, f"{kind}_port")
        if port is None:
            given = getattr(args, f"{kind}_security") is not None
            port = _DEFAULT_PORTS[kind][security] if given else getattr(servers, f"{kind}_port")
        changes |= {f"{kind}_host": host, f"{kind}_port": port, f"{kind}_security": security}
    return dataclasses.replace(servers, **changes)
