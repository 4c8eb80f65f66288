"""Connecting an X account by signing in in the browser: the flow the command line and the GUI share.

::

    with begin_x_sign_in(core, client_id) as sign_in:       # listens on http://127.0.0.1:53682/callback
        open the browser on sign_in.browser_url
        token = sign_in.token_from_browser()                # the code is exchanged the moment it arrives
    account = connect_x(core, client_id, token)              # or reconnect_x(core, account_id, client_id, token)

The owner makes a developer app of their own on X (a "Native App", OAuth 2.0 on, the callback ``REDIRECT_URI``) and
gives its client id: X bills that app's owner for what Social Inbox reads and posts. The sign-in (access and refresh
tokens, as one JSON blob) goes to the keyring only; the account's id, username and the client id (needed to renew
the sign-in) go to its settings. Qt-free; every function may block on the network or on the browser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from socialinbox.accounts_setup import AlreadyConnected, SetupError, reconnect, setup_step, store_new_account
from socialinbox.browser_sign_in import BrowserSignIn
from socialinbox.connectors.base import AuthError
from socialinbox.domain import Account, Platform
from socialinbox.wiring import Core

if TYPE_CHECKING:  # the connector is imported by the functions that use it: the GUI loads this module at start
    from socialinbox.connectors.oauth_loopback import AuthorizationRequest
    from socialinbox.connectors.x import XConnector

X_POLL_INTERVAL_S = 120  # every read costs the owner money; two minutes still leaves most of the hour to answer
CLIENT_ID_HELP = (
    "Social Inbox signs in to X through a developer app of your own, so X bills you directly and your own mentions "
    "cost the lower 'owned reads' price. At developer.x.com, open your project's app (or make one), and under "
    "'User authentication settings' choose OAuth 2.0, app type 'Native App', and add the callback address "
    "http://127.0.0.1:53682/callback exactly as written. Then copy the 'OAuth 2.0 Client ID' from 'Keys and tokens'."
)
COST_NOTE = (
    "X charges the developer app per use (2026 prices): about $0.005 per post read ($0.001 for mentions of your own "
    "account), $0.010 per direct message read, and $0.010-0.015 per reply or message sent. Social Inbox checks "
    "mentions every two minutes (an empty check costs nothing) and direct messages every few minutes (each check "
    "reads the newest 10 again, which X bills once a day: about $0.10 a day)."
)


class XSignIn(BrowserSignIn):
    """One sign-in in the browser, waiting on the fixed loopback address X sends the browser back to."""

    def __init__(self, core: Core, client_id: str, api_base: str, port: int) -> None:
        from socialinbox.connectors.oauth_loopback import LoopbackRedirectListener, new_state
        from socialinbox.connectors.x_auth import authorization_request

        self.client_id = client_id
        self.api_base = api_base
        self._core = core
        state = new_state()
        listener = LoopbackRedirectListener(state, port=port)
        super().__init__(listener, authorization_request(client_id, state=state, api_base=api_base, port=listener.port))

    @setup_step
    def _exchange(self, code: str, request: AuthorizationRequest) -> str:
        from socialinbox.connectors.x_auth import exchange_code

        core = self._core
        session = exchange_code(
            core.client, self.client_id, code, request, api_base=self.api_base, now=core.clock.now()
        )
        return session.to_token()


def begin_x_sign_in(core: Core, client_id: str, *, api_base: str | None = None, port: int | None = None) -> XSignIn:
    """Start signing in with the owner's developer app ``client_id``; ``port`` is for tests only (X needs 53682)."""
    from socialinbox.connectors.x_api import API_BASE
    from socialinbox.connectors.x_auth import REDIRECT_PORT

    return XSignIn(
        core, _client_id(client_id), (api_base or API_BASE).rstrip("/"), REDIRECT_PORT if port is None else port
    )


@setup_step
def connect_x(core: Core, client_id: str, token: str, *, api_base: str | None = None) -> Account:
    """Add the X account ``token`` (a sign-in from ``XSignIn``) belongs to."""
    from socialinbox.connectors.x import build_x

    settings: dict[str, Any] = {"client_id": _client_id(client_id)} | ({"api_base": api_base} if api_base else {})
    connector = build_x(settings, core.clock)
    user_id, username, name = _who(core, connector, token)
    for account in core.repository.accounts():
        if account.platform is Platform.X and str(account.settings.get("user_id")) == user_id:
            raise AlreadyConnected(account)
    token = connector.rotated_token(token) or token  # asking who it is may have renewed the sign-in
    settings |= {"user_id": user_id, "username": username}
    return store_new_account(core, Platform.X, f"@{username}", name, settings, X_POLL_INTERVAL_S, token)


@setup_step
def reconnect_x(core: Core, account_id: int, token: str, *, client_id: str | None = None) -> Account:
    """Sign ``account_id`` in again (history kept, polling resumes); refuses a sign-in as another X account."""
    from socialinbox.connectors.x import build_x

    account = core.repository.account(account_id)
    if account.platform is not Platform.X:
        raise SetupError(f"{account.label} is not an X account.")
    chosen = _client_id(client_id or str(account.settings.get("client_id") or ""))
    connector = build_x({**account.settings, "client_id": chosen}, core.clock)
    user_id, username, _ = _who(core, connector, token)
    if str(account.settings.get("user_id") or user_id) != user_id:
        raise SetupError(
            f"You signed in to X as @{username}, but this account is {account.handle}. Sign in as {account.handle}, "
            f"or add @{username} as a new account."
        )
    # The refresh token belongs to the app that issued it: the settings must name that app before anything renews.
    core.repository.update_account_settings(account_id, {"client_id": chosen, "user_id": user_id, "username": username})
    core.connectors.forget(account_id)
    return reconnect(core, account_id, connector.rotated_token(token) or token)


def _who(core: Core, connector: XConnector, token: str) -> tuple[str, str, str]:
    try:
        return connector.identity(core.client, token)
    except AuthError as error:
        raise SetupError(f"{error} If this keeps happening, check the client id and the app's settings.") from None


def _client_id(value: str) -> str:
    client_id = value.strip()
    if not client_id or any(c.isspace() for c in client_id) or len(client_id) > 200:
        raise SetupError(f"Give the client id of your X developer app. {CLIENT_ID_HELP}")
    return client_id
