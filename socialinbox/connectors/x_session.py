"""The X sign-in as the connector uses it: an access token for two hours and a single-use refresh token.

X's OAuth 2.0 access tokens last two hours; with the ``offline.access`` scope the sign-in also holds a refresh token,
and ``POST /2/oauth2/token`` (form ``grant_type=refresh_token``, ``refresh_token``, ``client_id``: a public "Native
App" client has no secret) answers a new access token **and a new refresh token**: the old one is used up.

The stored secret is one JSON blob with both tokens and when the access token lapses (``XSession.to_token``); it lives
in the keyring only. The connector never touches storage, so it renews the way Bluesky's does (``bluesky_session``):
a ``session_cache.SessionCache`` keeps the newest session per stored blob in memory, every call of this run (a poll
and a send on two threads) goes through it, one refresh at a time, so the used-up refresh token is never sent twice;
``rotated_token`` hands the new blob to the sync layer, which stores it as soon as the poll or send ends
(``Credentials.keep_rotated``, in a ``finally``: also after a failure).

What remains: a crash (or a kill, or a lost answer from the token endpoint) after X issued the new pair and before it
was stored leaves the keyring with a used-up refresh token. The access token stored with it keeps working until it
lapses (a refresh happens only when it is about to lapse or was refused, so that is minutes at most), then the next
refresh is refused and the account asks to be signed in again: no message is lost, the owner signs in once more.
Two copies of the app on one keyring (the window and ``socialinbox sync --once``) can race the same way; the loser's
account says "sign in again", and its Reconnect button (``retry_stored_sign_in``) picks up the winner's stored pair.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from socialinbox.connectors.base import AuthError, RateLimited, TransientError
from socialinbox.connectors.http import request_json
from socialinbox.connectors.session_cache import SessionCache
from socialinbox.connectors.x_api import NAME, Answer, TokenRejected, retry_after, x_call

REFRESH_MARGIN = timedelta(minutes=2)  # renew a little early: a request must not start with a token about to lapse
DEFAULT_LIFETIME = timedelta(hours=2)
_SIGN_IN_AGAIN = f"{NAME} ended this sign-in (it was revoked, or renewed elsewhere). Sign in to X again."
_REFUSED_GRANT = frozenset({"invalid_grant", "invalid_request"})
_REFUSED_CLIENT = frozenset({"invalid_client", "unauthorized_client"})  # X says "Missing valid authorization header"
_NOT_A_NATIVE_APP = (
    f"{NAME} did not accept the developer app's client id for this sign-in. At developer.x.com, open the app's "
    "'User authentication settings': the type of app must be 'Native App', and the client id the one under 'OAuth 2.0 "
    "Client ID' in 'Keys and tokens'. Then sign in to X again."
)


@dataclasses.dataclass(frozen=True, slots=True)
class XSession:
    access_token: str = dataclasses.field(repr=False)
    refresh_token: str = dataclasses.field(repr=False)
    expires_at: datetime

    def to_token(self) -> str:
        """The secret to keep in the keyring."""
        blob = {"access_token": self.access_token, "refresh_token": self.refresh_token, "expires_at": _iso(self)}
        return json.dumps(blob, sort_keys=True)

    @classmethod
    def from_token(cls, token: str) -> XSession:
        try:
            blob = json.loads(token)
            expires = datetime.fromisoformat(str(blob["expires_at"]))
            if expires.tzinfo is None:
                raise ValueError("a time without a zone")
            return cls(_text(blob["access_token"]), _text(blob["refresh_token"]), expires.astimezone(UTC))
        except (ValueError, TypeError, KeyError, RecursionError):
            raise AuthError(f"The stored {NAME} sign-in cannot be read. Sign in to X again.") from None

    def needs_refresh(self, now: datetime) -> bool:
        return self.expires_at - REFRESH_MARGIN <= now


def session_from(data: Any, now: datetime) -> XSession:
    """The session in a token endpoint's answer (``access_token``, ``refresh_token``, ``expires_in`` seconds)."""
    if not isinstance(data, dict):
        raise TransientError(f"{NAME} answered the sign-in in an unexpected shape; try again.")
    access, refresh, lifetime = data.get("access_token"), data.get("refresh_token"), data.get("expires_in")
    if not isinstance(access, str) or not access:
        raise TransientError(f"{NAME} answered the sign-in in an unexpected shape; try again.")
    if not isinstance(refresh, str) or not refresh:
        raise AuthError(
            f"{NAME} gave no lasting sign-in (no refresh token): allow offline access when X asks, and check that "
            "the developer app is a 'Native App' with OAuth 2.0 turned on."
        )
    if isinstance(lifetime, int | float) and not isinstance(lifetime, bool) and lifetime > 0:
        return XSession(access, refresh, now + timedelta(seconds=lifetime))
    return XSession(access, refresh, now + DEFAULT_LIFETIME)


def token_request(
    client: httpx.Client, api_base: str, form: Mapping[str, str], *, now: datetime, what: str
) -> XSession:
    """``POST /2/oauth2/token`` with ``form``; AuthError when X refuses the grant (used up, revoked, expired)."""
    url = f"{api_base.rstrip('/')}/2/oauth2/token"
    response, data = request_json(client, "POST", url, place=NAME, form=form)
    status = response.status_code
    error = data.get("error") if isinstance(data, dict) else None
    if status == 429:
        raise RateLimited(f"{NAME} asked us to slow down while signing in.", retry_after(response, now))
    if status in (400, 401) and error in _REFUSED_CLIENT:
        raise AuthError(_NOT_A_NATIVE_APP)  # a web app's client (which needs a secret), or a wrong id
    if status in (400, 401, 403) and data is not None and (error in _REFUSED_GRANT or status != 400):
        raise AuthError(what)  # not for a proxy's page (no JSON): the sign-in may be fine, so try again later
    if status >= 300:
        doing = "renew" if form.get("grant_type") == "refresh_token" else "complete"  # else a first sign-in's code
        raise TransientError(f"{NAME} could not {doing} the sign-in (HTTP {status}); will retry.")
    return session_from(data, now)


def refresh_session(
    client: httpx.Client, api_base: str, client_id: str, session: XSession, *, now: datetime
) -> XSession:
    """A new access token and a new (rotated) refresh token; AuthError when the sign-in has ended for good."""
    form = {"grant_type": "refresh_token", "refresh_token": session.refresh_token, "client_id": client_id}
    return token_request(client, api_base, form, now=now, what=_SIGN_IN_AGAIN)


class XApi:
    """The calls of one poll or one send as the signed-in account, renewing the access token when it lapses."""

    def __init__(
        self,
        client: httpx.Client,
        token: str,
        cache: SessionCache[XSession],
        *,
        api_base: str,
        client_id: str,
        now: Callable[[], datetime],
    ) -> None:
        self._client = client
        self._cache = cache
        self._api_base = api_base.rstrip("/")
        self._client_id = client_id
        self._now = now
        self._stored = XSession.from_token(token)
        self.session = cache.current(self._stored)

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Answer:
        return self._call("GET", path, params=params)

    def post(self, path: str, body: Mapping[str, Any]) -> Answer:
        return self._call("POST", path, json_body=body, sending=True)

    def _call(self, method: str, path: str, **options: Any) -> Answer:
        if self.session.needs_refresh(self._now()):
            self._refresh()
        try:
            return self._send(method, path, **options)
        except TokenRejected:  # lapsed early, revoked, or this computer's clock is off: renew once and try again
            self._refresh()
            return self._send(method, path, **options)  # a 401 means nothing was posted, so a send may repeat

    def _send(self, method: str, path: str, **options: Any) -> Answer:
        url = f"{self._api_base}/{path}"
        return x_call(self._client, method, url, self.session.access_token, now=self._now(), **options)

    def _refresh(self) -> None:
        if not self._client_id:
            raise AuthError(f"The {NAME} account does not know its developer app's client id. Sign in to X again.")

        def renew(current: XSession) -> XSession:
            return refresh_session(self._client, self._api_base, self._client_id, current, now=self._now())

        self.session = self._cache.refresh(self._stored, self.session, renew)


def _iso(session: XSession) -> str:
    return session.expires_at.astimezone(UTC).isoformat()


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError("not text")
    return value
