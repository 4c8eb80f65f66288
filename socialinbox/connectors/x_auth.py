"""Signing in to X: OAuth 2.0 Authorization Code with PKCE (S256) for a public "Native App" client.

The whole flow, as the "Add account" dialog or ``socialinbox accounts add x`` runs it (``x_setup.XSignIn``)::

    state = new_state()
    with LoopbackRedirectListener(state, port=REDIRECT_PORT) as listener:        # http://127.0.0.1:53682/callback
        request = authorization_request(client_id, state=state)
        ...open the system browser on request.url...
        code = listener.wait()
    session = exchange_code(client, client_id, code, request)                     # at once: the code lasts 30 s

Each shop brings its own developer app (X charges the app's owner per read and per post, and reads of the owner's own
mentions cost less), so the client id is the owner's and there is no client secret: a desktop app cannot keep one.
X matches the redirect address exactly, port included, so the port is fixed and the owner registers
``REDIRECT_URI`` as the app's callback. Then ``GET /2/users/me`` (``XConnector.identity``) says who signed in.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from socialinbox.connectors.oauth_loopback import (
    CALLBACK_PATH,
    LOOPBACK_HOST,
    AuthorizationRequest,
    new_state,
    pkce_request,
)
from socialinbox.connectors.x_api import API_BASE, NAME
from socialinbox.connectors.x_session import XSession, token_request

SCOPES = "tweet.read users.read tweet.write dm.read dm.write offline.access"
REDIRECT_PORT = 53682
REDIRECT_URI = f"http://{LOOPBACK_HOST}:{REDIRECT_PORT}{CALLBACK_PATH}"
AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
_CODE_REFUSED = (
    f"{NAME} did not accept the sign-in (the code is good for 30 seconds, and the callback address registered for "
    f"the developer app must be exactly {REDIRECT_URI}). Please sign in again."
)


def authorize_url(api_base: str = API_BASE) -> str:
    """X's consent page; a server standing in for X (a test, a proxy) serves it under its own address."""
    base = api_base.rstrip("/")
    return AUTHORIZE_URL if base == API_BASE else f"{base}/i/oauth2/authorize"


def redirect_uri(port: int = REDIRECT_PORT) -> str:
    return f"http://{LOOPBACK_HOST}:{port}{CALLBACK_PATH}"


def authorization_request(
    client_id: str, *, state: str | None = None, api_base: str = API_BASE, port: int = REDIRECT_PORT
) -> AuthorizationRequest:
    """The consent page with a fresh PKCE verifier (S256) and ``state``, sending the browser back to ``port``."""
    return pkce_request(authorize_url(api_base), client_id, redirect_uri(port), SCOPES, state or new_state())


def exchange_code(
    client: httpx.Client,
    client_id: str,
    code: str,
    request: AuthorizationRequest,
    *,
    api_base: str = API_BASE,
    now: datetime | None = None,
) -> XSession:
    """``POST /2/oauth2/token``: the first session for an authorization code; AuthError when X refuses it."""
    form = {
        "grant_type": "authorization_code",
        "code": code.strip(),
        "client_id": client_id,
        "redirect_uri": request.redirect_uri,
        "code_verifier": request.code_verifier,
    }
    return token_request(client, api_base, form, now=now or datetime.now(UTC), what=_CODE_REFUSED)
