"""Connecting an e-mail account: the flow ``socialinbox accounts add email`` and the GUI's dialog share. Qt-free;
it blocks on the network (DNS, IMAP and SMTP sign-in), so the GUI runs it off its thread::

    servers = servers_for("orders@cornerbakery.example", provider=None)     # presets, else a guess from DNS
    servers = dataclasses.replace(servers, imap_host="mail.example.net")   # whatever the owner changed
    account = connect_email(core, servers, app_password)

The password is checked against both servers before anything is stored, then kept in the secret store only;
the account's settings hold the servers, the address and the Sent folder found on the server.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Callable
from typing import Any

from socialinbox.accounts_setup import AlreadyConnected, SetupError, store_new_account, try_again
from socialinbox.connectors.base import AuthError, ConnectorError
from socialinbox.connectors.email import POLL_INTERVAL_S, build_email
from socialinbox.connectors.email_imap import Security
from socialinbox.connectors.email_providers import PROVIDERS, Provider, guess_provider, provider_for
from socialinbox.domain import Account, Platform
from socialinbox.wiring import Core

OAUTH_LATER = "Signing in with Google or Microsoft accounts (OAuth) is planned; for now use an app password."


@dataclasses.dataclass(frozen=True, slots=True)
class EmailServers:
    """Everything needed to reach one mailbox, except the password."""

    address: str
    imap_host: str
    smtp_host: str
    imap_port: int = 993
    imap_security: Security = Security.TLS
    smtp_port: int = 465
    smtp_security: Security = Security.TLS
    username: str = ""  # empty: the address
    display_name: str = ""  # the shop's name on its replies
    folder: str = "INBOX"
    provider: str = ""  # a PROVIDERS key, for sign-in advice
    save_sent_copy: bool = True

    def settings(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        values["imap_security"] = self.imap_security.value
        values["smtp_security"] = self.smtp_security.value
        values["username"] = self.username or self.address
        return values


def resolves(host: str) -> bool:
    try:
        socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return True


def servers_for(address: str, *, provider: str | None = None, lookup: Callable[[str], bool] = resolves) -> EmailServers:
    """The servers for ``address``: the named provider's, the provider of its domain, or a guess from DNS."""
    address = address.strip().lower()
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise SetupError(f"{address!r} is not an e-mail address.")
    if provider is not None and provider not in PROVIDERS:
        raise SetupError(f"Unknown provider {provider!r}; known: {', '.join(PROVIDERS)}.")
    found = PROVIDERS[provider] if provider else provider_for(address) or guess_provider(address, lookup)
    if found is None:
        raise SetupError(
            f"Social Inbox could not find the mail servers for {address}. Enter the IMAP and SMTP server names "
            "your provider gives for mail programs."
        )
    return from_provider(address, found)


def from_provider(address: str, provider: Provider) -> EmailServers:
    return EmailServers(
        address=address,
        imap_host=provider.imap_host,
        smtp_host=provider.smtp_host,
        imap_port=provider.imap_port,
        imap_security=provider.imap_security,
        smtp_port=provider.smtp_port,
        smtp_security=provider.smtp_security,
        provider=provider.key if provider.key in PROVIDERS else "",
        save_sent_copy=not provider.saves_sent_mail,
    )


def connect_email(core: Core, servers: EmailServers, password: str) -> Account:
    """Check the sign-in on both servers, find the Sent folder, then store the account and its password."""
    for account in core.repository.accounts():
        if account.platform is Platform.EMAIL and account.handle == servers.address:
            raise AlreadyConnected(account)
    try:
        settings = servers.settings()
        connector = build_email(settings, core.clock)
    except (ValueError, KeyError) as error:
        raise SetupError(str(error)) from None
    try:
        connector.verify(core.client, password)
        sent_folder = connector.find_sent_folder(password)
    except AuthError as error:
        raise SetupError(str(error)) from None
    except ConnectorError as error:
        raise SetupError(f"{try_again(str(error))} Check the server names, ports and security.") from None
    if sent_folder:
        settings["sent_folder"] = sent_folder
    return store_new_account(
        core,
        Platform.EMAIL,
        servers.address,
        servers.display_name,
        settings,
        POLL_INTERVAL_S,
        password,
        what="password",
    )
