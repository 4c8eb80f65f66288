"""Connecting a Bluesky account with a handle and an app password: the flow the command line and the GUI share.

``connect_bluesky(core, "shop.bsky.social", app_password)`` signs in once (``createSession``, at ``bsky.social`` or
the server given), finds the account's own PDS in its DID document, checks the session, and keeps it: the session
(access and refresh tokens, DID, PDS) in the keyring under the account's key, the handle, DID, PDS and directory
URLs in the account's settings. The app password itself is never stored. ``reconnect_bluesky`` signs an existing
account in again (same DID only) and keeps its history. Qt-free; every function may block on the network.
"""

from __future__ import annotations

from typing import Any

from socialinbox.accounts_setup import AlreadyConnected, SetupError, reconnect, setup_step, store_new_account
from socialinbox.connectors.base import AuthError
from socialinbox.connectors.bluesky import build_bluesky
from socialinbox.connectors.bluesky_session import (
    DEFAULT_PLC,
    DEFAULT_SERVICE,
    BlueskySession,
    create_session,
    normalize_handle,
    normalize_service_url,
)
from socialinbox.domain import Account, Platform
from socialinbox.secrets import account_key
from socialinbox.wiring import Core

BLUESKY_POLL_INTERVAL_S = 60
APP_PASSWORD_HELP = (
    "Social Inbox signs in with an app password, never your main password. In Bluesky, open Settings > Privacy and "
    "security > App passwords, choose 'Add App Password', name it 'Social Inbox' and tick 'Allow access to your "
    "direct messages' so customers' DMs come in too (without it, only mentions, replies and quotes do). Copy the "
    "password (like abcd-efgh-ijkl-mnop) here. You can revoke it there at any time."
)


@setup_step
def connect_bluesky(
    core: Core,
    handle: str,
    app_password: str,
    *,
    service_url: str = DEFAULT_SERVICE,
    plc_url: str = DEFAULT_PLC,
    direct_messages: bool = True,
) -> Account:
    """Add the Bluesky account ``handle``; the sign-in goes to the keyring, never the app password.

    ``direct_messages=False``: the owner does not want DMs in the inbox (mentions, replies and quotes only).
    """
    service, plc = _url(service_url), _url(plc_url)
    session = _sign_in(core, service, normalize_handle(handle, service), app_password, plc)
    for account in core.repository.accounts():
        if account.platform is Platform.BLUESKY and account.settings.get("did") == session.did:
            raise AlreadyConnected(account)
    settings = {**_settings(session, service, plc), "direct_messages": direct_messages}
    return store_new_account(
        core, Platform.BLUESKY, session.handle, "", settings, BLUESKY_POLL_INTERVAL_S, session.to_token()
    )


@setup_step
def reconnect_bluesky(core: Core, account_id: int, app_password: str) -> Account:
    """Sign ``account_id`` in again with a (new) app password: same account, all history kept, polling resumes."""
    account = core.repository.account(account_id)
    service = _url(str(account.settings.get("service_url") or DEFAULT_SERVICE))
    plc = _url(str(account.settings.get("plc_url") or DEFAULT_PLC))
    session = _sign_in(core, service, account.handle, app_password, plc)
    known = account.settings.get("did")
    if known and known != session.did:
        raise SetupError(f"That app password belongs to {session.handle}, not {account.handle}.")
    core.repository.update_account_settings(account_id, _settings(session, service, plc))
    return reconnect(core, account_id, session.to_token())


def has_dm_access(core: Core, account: Account) -> bool | None:
    """Whether the stored sign-in may read direct messages (None: unknown, e.g. nothing stored)."""
    token = core.secrets.get(account_key(account.id))
    try:
        return BlueskySession.from_token(token).dm_access if token else None
    except AuthError:
        return None


def _sign_in(core: Core, service: str, handle: str, app_password: str, plc: str) -> BlueskySession:
    password = app_password.strip()
    if not password:
        raise SetupError("No app password given. " + APP_PASSWORD_HELP)
    try:
        session = create_session(core.client, service, handle, password, plc_url=plc, now=core.clock.now())
        build_bluesky({"handle": session.handle, "plc_url": plc}, core.clock).verify(core.client, session.to_token())
    except AuthError as error:
        raise SetupError(f"{error} {APP_PASSWORD_HELP}") from None
    return session


def _settings(session: BlueskySession, service: str, plc: str) -> dict[str, Any]:
    return {
        "handle": session.handle,
        "did": session.did,
        "pds_url": session.pds_url,
        "service_url": service,
        "plc_url": plc,
    }


def _url(value: str) -> str:
    try:
        return normalize_service_url(value)
    except ValueError as error:
        raise SetupError(str(error)) from None
