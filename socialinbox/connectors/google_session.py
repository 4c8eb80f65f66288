"""Signing in to Google as an installed (desktop) app, and keeping the sign-in fresh while the connector uses it.

The owner makes an OAuth client of type "Desktop app" in their own Google Cloud project (the project Google approves
for the Business Profile API) and gives its client id and secret. Google treats a desktop client's secret as not
confidential, but it is still kept in the keyring only, with the tokens.

- ``authorization_request``: Google's consent page with PKCE (S256), ``state``, the ``business.manage`` scope,
  ``access_type=offline`` and ``prompt=consent`` (so a refresh token comes back, also on a second sign-in), and a
  loopback redirect ``http://127.0.0.1:<port>/callback``: Google accepts any port on a loopback address.
- ``exchange_code``: ``POST https://oauth2.googleapis.com/token`` (``grant_type=authorization_code`` with the PKCE
  verifier) gives an access token (about an hour) and a refresh token.
- ``refresh_session``: the same endpoint with ``grant_type=refresh_token``; Google answers a new access token and
  usually keeps the refresh token. ``invalid_grant`` means the sign-in has ended: revoked, or (while the owner's OAuth
  app is in "Testing") seven days old.

The stored secret is one JSON blob, ``{client_secret, refresh_token, access_token, expires_at}``
(``GoogleSession.to_token``). ``GoogleApi`` renews the access token shortly before it lapses, or once when Google
refuses it, through a :class:`~socialinbox.connectors.session_cache.SessionCache`; the connector's ``rotated_token``
hands the renewed blob to the sync layer to store, so a restart does not have to renew again at once.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from socialinbox.connectors.base import AuthError, RateLimited, TransientError
from socialinbox.connectors.google_api import NAME, TokenRejected, google_call
from socialinbox.connectors.http import loads_json, retry_after_seconds, send_capped
from socialinbox.connectors.oauth_loopback import AuthorizationRequest, pkce_request
from socialinbox.connectors.session_cache import SessionCache

AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
SCOPE = "https://www.googleapis.com/auth/business.manage"
REFRESH_MARGIN = timedelta(minutes=2)  # renew a little early: a request must not start with a token about to lapse
DEFAULT_LIFETIME = timedelta(hours=1)
SIGN_IN_AGAIN = (
    "Google ended this sign-in: it was revoked, or it is seven days old while your OAuth app is in 'Testing'. "
    "Sign in to Google again. To stop the weekly sign-in, publish your OAuth app (Google Cloud console > "
    "Google Auth Platform > Audience > Publish app)."
)
_BAD_CLIENT = (
    "Google did not accept the OAuth client id and secret. Copy both again from your 'Desktop app' OAuth client in "
    "the Google Cloud console (Google Auth Platform > Clients); if the client is no longer listed there, create a "
    "new one. Then sign in to Google again with its id and secret."
)
_CLIENT_ERRORS = frozenset({"invalid_client", "unauthorized_client", "deleted_client"})


@dataclasses.dataclass(frozen=True, slots=True)
class GoogleSession:
    client_secret: str = dataclasses.field(repr=False)
    refresh_token: str = dataclasses.field(repr=False)
    access_token: str = dataclasses.field(repr=False)
    expires_at: datetime

    def to_token(self) -> str:
        """The secret to keep in the keyring."""
        blob = {
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "access_token": self.access_token,
            "expires_at": self.expires_at.astimezone(UTC).isoformat(),
        }
        return json.dumps(blob, sort_keys=True)

    @classmethod
    def from_token(cls, token: str) -> GoogleSession:
        try:
            blob = json.loads(token)
            expires = datetime.fromisoformat(str(blob["expires_at"]))
            if expires.tzinfo is None:
                raise ValueError("a time without a zone")
            texts = (_text(blob["client_secret"]), _text(blob["refresh_token"]), _text(blob["access_token"]))
        except (ValueError, TypeError, KeyError, RecursionError):
            raise AuthError(f"The stored {NAME} sign-in cannot be read. Sign in to Google again.") from None
        return cls(*texts, expires.astimezone(UTC))

    def needs_refresh(self, now: datetime) -> bool:
        return self.expires_at - REFRESH_MARGIN <= now


def new_session_cache() -> SessionCache[GoogleSession]:
    return SessionCache(GoogleSession.from_token)


def authorization_request(
    client_id: str, redirect_uri: str, *, state: str, auth_url: str = AUTH_URL
) -> AuthorizationRequest:
    """Google's consent page with PKCE (S256) and ``state``. ``access_type=offline`` asks for a refresh token, so the
    app keeps working while nobody signs in; Google sends one only with ``prompt=consent`` (a second sign-in would
    otherwise lack it)."""
    return pkce_request(auth_url, client_id, redirect_uri, SCOPE, state, access_type="offline", prompt="consent")


def exchange_code(
    client: httpx.Client,
    client_id: str,
    client_secret: str,
    code: str,
    request: AuthorizationRequest,
    *,
    token_url: str = TOKEN_URL,
    now: datetime,
) -> GoogleSession:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": request.code_verifier,
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": request.redirect_uri,
    }
    refused = f"{NAME} did not accept the sign-in code (it expired or was used already). Please sign in again."
    data = _token_request(client, token_url, form, now=now, refused=refused)
    refresh = data.get("refresh_token")
    if not isinstance(refresh, str) or not refresh:
        raise AuthError(
            f"{NAME} gave no lasting sign-in (no refresh token). Sign in again and allow Social Inbox to manage your "
            "Business Profile."
        )
    return _session(data, client_secret, refresh, now)


def refresh_session(
    client: httpx.Client, client_id: str, session: GoogleSession, *, token_url: str = TOKEN_URL, now: datetime
) -> GoogleSession:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": session.refresh_token,
        "client_id": client_id,
        "client_secret": session.client_secret,
    }
    data = _token_request(client, token_url, form, now=now, refused=SIGN_IN_AGAIN)
    rotated = data.get("refresh_token")  # Google keeps the refresh token, but may hand out a new one
    refresh = rotated if isinstance(rotated, str) and rotated else session.refresh_token
    return _session(data, session.client_secret, refresh, now)


def _token_request(
    client: httpx.Client, token_url: str, form: Mapping[str, str], *, now: datetime, refused: str
) -> Mapping[str, Any]:
    """``POST`` to the token endpoint; AuthError (``refused``) when Google turns the grant down."""
    try:
        request = client.build_request("POST", token_url, data=dict(form), headers={"Accept": "application/json"})
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        raise TransientError(f"The {NAME} sign-in address in the settings is not usable.") from None
    response, raw = send_capped(client, request, place=NAME)
    data = loads_json(raw)
    status = response.status_code
    error = data.get("error") if isinstance(data, dict) else None
    if status == 429:
        raise RateLimited(f"{NAME} asked us to slow down while signing in.", retry_after_seconds(response, now))
    if status in (400, 401) and error in _CLIENT_ERRORS:
        raise AuthError(_BAD_CLIENT)
    if status in (400, 401, 403) and isinstance(error, str):
        raise AuthError(refused)  # invalid_grant: revoked, expired, or a code used twice
    if status >= 300 or not isinstance(data, dict):
        raise TransientError(f"{NAME} could not complete the sign-in (HTTP {status}); will retry.")
    return data


def _session(data: Mapping[str, Any], client_secret: str, refresh: str, now: datetime) -> GoogleSession:
    access, lifetime = data.get("access_token"), data.get("expires_in")
    if not isinstance(access, str) or not access:
        raise TransientError(f"{NAME} answered the sign-in in an unexpected shape; try again.")
    valid = isinstance(lifetime, int | float) and not isinstance(lifetime, bool) and lifetime > 0
    expires = now + (timedelta(seconds=float(lifetime)) if valid else DEFAULT_LIFETIME)  # type: ignore[arg-type]
    return GoogleSession(client_secret, refresh, access, expires)


class GoogleApi:
    """The calls of one poll, send or set-up as the signed-in owner, renewing the access token when it lapses."""

    def __init__(
        self,
        client: httpx.Client,
        token: str,
        cache: SessionCache[GoogleSession],
        *,
        client_id: str,
        token_url: str,
        now: Callable[[], datetime],
    ) -> None:
        self._client = client
        self._cache = cache
        self._client_id = client_id
        self._token_url = token_url
        self._now = now
        self._stored = GoogleSession.from_token(token)
        self.session = cache.current(self._stored)

    def get(self, url: str, params: Mapping[str, str] | None = None) -> Any:
        return self._call("GET", url, params=params)

    def put(self, url: str, body: Mapping[str, Any]) -> Any:
        return self._call("PUT", url, json_body=body, sending=True)

    def _call(self, method: str, url: str, **options: Any) -> Any:
        if self.session.needs_refresh(self._now()):
            self._refresh()
        try:
            return self._send(method, url, **options)
        except TokenRejected:  # lapsed early, revoked, or this computer's clock is off: renew once and try again
            self._refresh()
            return self._send(method, url, **options)  # a 401 means nothing was posted, so a send may repeat

    def _send(self, method: str, url: str, **options: Any) -> Any:
        return google_call(self._client, method, url, self.session.access_token, now=self._now(), **options)

    def _refresh(self) -> None:
        if not self._client_id:
            raise AuthError(f"The {NAME} account does not know its OAuth client id. Sign in to Google again.")

        def renew(current: GoogleSession) -> GoogleSession:
            return refresh_session(self._client, self._client_id, current, token_url=self._token_url, now=self._now())

        self.session = self._cache.refresh(self._stored, self.session, renew)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError("not text")
    return value
