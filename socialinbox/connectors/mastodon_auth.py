"""Signing in to a Mastodon server: app registration, PKCE authorization, code exchange, and the loopback listener.

The whole flow, as the "Add account" dialog or ``socialinbox accounts add mastodon`` runs it::

    app = register_app(client, instance, [LOOPBACK_REDIRECT_URI, OOB_REDIRECT_URI])  # once per server; cache it
    state = new_state()
    with LoopbackRedirectListener(state) as listener:
        request = authorization_url(instance, app.client_id, listener.redirect_uri, state=state)
        ...open the system browser on request.url...
        code = listener.wait(timeout=SIGN_IN_TIMEOUT_S)
    token = exchange_code(client, instance, app, code, listener.redirect_uri, request.code_verifier)

The app is registered with a port-less loopback address: servers must accept any port on a loopback redirect
(RFC 8252 §7.3; Mastodon's Doorkeeper does), so the cached registration serves every later sign-in. Where no browser
can reach the listener, the fallback is ``OOB_REDIRECT_URI``: the server shows the code, the owner pastes it, and the
same ``exchange_code`` finishes. Mastodon tokens do not expire and have no refresh token; a 401 means sign in again.

The listener and the PKCE values are shared with X's sign-in and live in ``oauth_loopback``; they are imported
here under their old names, which the sign-in flows and tests use.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from socialinbox.connectors.base import AuthError, TransientError
from socialinbox.connectors.http import call_json
from socialinbox.connectors.mastodon import NAME, normalize_instance_url
from socialinbox.connectors.oauth_loopback import (
    CALLBACK_PATH,
    LOOPBACK_HOST,
    SIGN_IN_TIMEOUT_S,
    AuthorizationRequest,
    LoopbackRedirectListener,
    code_challenge,
    new_code_verifier,
    new_state,
    pkce_request,
)
from socialinbox.domain import Clock

# Read mentions and who we are; post replies. read:statuses is for re-reading a status (edits, deletions, thread
# context): scopes are fixed when the app is registered, so asking later would mean reconnecting every account.
SCOPES = "read:accounts read:notifications read:statuses write:statuses"
OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob"
LOOPBACK_REDIRECT_URI = f"http://{LOOPBACK_HOST}{CALLBACK_PATH}"
CLIENT_NAME = "Social Inbox"

_ERROR_CODE = re.compile(r"[a-z_]{1,40}")

__all__ = [  # the shared sign-in pieces stay importable from here
    "SIGN_IN_TIMEOUT_S",
    "AuthorizationRequest",
    "LoopbackRedirectListener",
    "code_challenge",
    "new_code_verifier",
    "new_state",
]


@dataclasses.dataclass(frozen=True, slots=True)
class AppCredentials:
    """What the server issued when the app registered; the secret belongs in the keyring, cached per server."""

    client_id: str
    client_secret: str = dataclasses.field(repr=False)


def loopback_redirect_uri(port: int) -> str:
    return f"http://{LOOPBACK_HOST}:{port}{CALLBACK_PATH}"


def register_app(
    client: httpx.Client,
    instance_url: str,
    redirect_uris: Sequence[str],
    scopes: str = SCOPES,
    *,
    website: str | None = None,
    clock: Clock | None = None,
) -> AppCredentials:
    """``POST /api/v1/apps``: this app's client id and secret on one server. Caching them is the caller's job."""
    body: dict[str, Any] = {"client_name": CLIENT_NAME, "redirect_uris": list(redirect_uris), "scopes": scopes}
    if website:
        body["website"] = website
    url = normalize_instance_url(instance_url) + "/api/v1/apps"
    data, response = call_json(client, "POST", url, now=_now(clock), platform_name=NAME, json_body=body, accept=(422,))
    if response.status_code == 422:
        raise AuthError(f"{response.url.host} refused to register Social Inbox ({_error_code(data) or 'HTTP 422'}).")
    client_id = data.get("client_id") if isinstance(data, dict) else None
    client_secret = data.get("client_secret") if isinstance(data, dict) else None
    if not isinstance(client_id, str) or not isinstance(client_secret, str) or not client_id or not client_secret:
        raise TransientError(f"{response.url.host} answered the app registration in an unexpected shape.")
    return AppCredentials(client_id=client_id, client_secret=client_secret)


def authorization_url(
    instance_url: str,
    client_id: str,
    redirect_uri: str,
    scopes: str = SCOPES,
    *,
    state: str | None = None,
    force_login: bool = False,
) -> AuthorizationRequest:
    """The server's authorize page with a fresh PKCE verifier (S256) and ``state``.

    ``force_login`` makes the server ask who is signing in: needed to add a second account on the same server.
    """
    extra = {"force_login": "true"} if force_login else {}
    page = f"{normalize_instance_url(instance_url)}/oauth/authorize"
    return pkce_request(page, client_id, redirect_uri, scopes, state or new_state(), **extra)


def exchange_code(
    client: httpx.Client,
    instance_url: str,
    app: AppCredentials,
    code: str,
    redirect_uri: str,
    code_verifier: str | None,
    *,
    clock: Clock | None = None,
) -> str:
    """``POST /oauth/token``: the access token for an authorization code (pasted, or from the listener)."""
    form = {
        "grant_type": "authorization_code",
        "code": code.strip(),
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": redirect_uri,
    }
    if code_verifier:
        form["code_verifier"] = code_verifier
    url = normalize_instance_url(instance_url) + "/oauth/token"
    data, response = call_json(
        client, "POST", url, now=_now(clock), platform_name=NAME, form=form, accept=(400, 401, 403, 422)
    )
    if response.status_code != 200:
        # Typically invalid_grant: a mistyped, expired or already used code. Only the error's code word is shown.
        reason = _error_code(data) or f"HTTP {response.status_code}"
        raise AuthError(f"{response.url.host} did not accept the sign-in code ({reason}). Please sign in again.")
    token = data.get("access_token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token:
        raise TransientError(f"{response.url.host} answered the sign-in in an unexpected shape.")
    return token


def _now(clock: Clock | None) -> datetime:
    return clock.now() if clock is not None else datetime.now(UTC)


def _error_code(data: Any) -> str:
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, str) and _ERROR_CODE.fullmatch(error) else ""
