"""Bluesky sign-in: sessions from an app password, refreshed in memory, and the PDS found from the DID document.

``com.atproto.server.createSession`` (handle + app password) gives an access JWT (about 2 hours) and a refresh JWT
(about 90 days). Sessions are rate limited (30 per 5 minutes, 300 a day), so one is created only when the owner
signs in; afterwards ``com.atproto.server.refreshSession`` renews the access token. Every refresh **rotates** the
refresh token: the old one stays valid for a two-hour grace period only (reference PDS ``rotateRefreshToken``).

The stored secret is a JSON blob (``accessJwt``, ``refreshJwt``, ``did``, ``pdsUrl``, ``handle``); the connector
gets it as ``token`` and never touches storage. A ``session_cache.SessionCache`` keeps the newest session per stored
blob in memory, and ``rotated_token`` hands the refreshed blob back so the sync layer can store it (otherwise the app
would need the app password again after a restart more than two hours after a refresh).
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from socialinbox.connectors.base import AuthError, RateLimited, TransientError
from socialinbox.connectors.bluesky_xrpc import NAME, Answer, raise_for_answer, xrpc
from socialinbox.connectors.http import rate_budget
from socialinbox.connectors.session_cache import SessionCache
from socialinbox.domain import RateBudget

DEFAULT_SERVICE = "https://bsky.social"  # the entryway: it signs in every bsky.social account, wherever its PDS is
DEFAULT_PLC = "https://plc.directory"
REFRESH_MARGIN = timedelta(minutes=2)  # renew a little early: a request must not start with a token about to lapse
SCOPE_APP_PASSWORD = "com.atproto.appPass"
SCOPES_WITH_DMS = frozenset({"com.atproto.access", "com.atproto.appPassPrivileged"})
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
_SIGN_IN_ERRORS = {
    "AuthFactorTokenRequired": (
        "This account asks for an e-mail sign-in code. Use an app password instead of the main password "
        "(Settings > Privacy and security > App passwords)."
    ),
    "AccountTakedown": "Bluesky has suspended this account, so it cannot be connected.",
}


@dataclasses.dataclass(frozen=True, slots=True)
class BlueskySession:
    access_jwt: str = dataclasses.field(repr=False)
    refresh_jwt: str = dataclasses.field(repr=False)
    did: str
    handle: str
    pds_url: str

    @property
    def refresh_token(self) -> str:
        return self.refresh_jwt

    def to_token(self) -> str:
        """The secret to keep in the keyring."""
        blob = {
            "accessJwt": self.access_jwt,
            "refreshJwt": self.refresh_jwt,
            "did": self.did,
            "handle": self.handle,
            "pdsUrl": self.pds_url,
        }
        return json.dumps(blob, sort_keys=True)

    @classmethod
    def from_token(cls, token: str) -> BlueskySession:
        try:
            blob = json.loads(token)
            session = cls(
                access_jwt=_str(blob["accessJwt"]),
                refresh_jwt=_str(blob["refreshJwt"]),
                did=_str(blob["did"]),
                handle=str(blob.get("handle") or ""),
                pds_url=normalize_service_url(_str(blob["pdsUrl"])),
            )
        except (ValueError, TypeError, KeyError, RecursionError):
            raise AuthError(f"The stored {NAME} sign-in cannot be read. Reconnect the account.") from None
        return session

    def access_expires_at(self) -> datetime | None:
        exp = jwt_claims(self.access_jwt).get("exp")
        return datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None

    def needs_refresh(self, now: datetime) -> bool:
        expires = self.access_expires_at()
        return expires is not None and expires - REFRESH_MARGIN <= now

    @property
    def dm_access(self) -> bool | None:
        """Whether the session may read direct messages: True, False, or None when the token does not say."""
        scope = jwt_claims(self.access_jwt).get("scope")
        if scope in SCOPES_WITH_DMS:
            return True
        return False if scope == SCOPE_APP_PASSWORD else None


def jwt_claims(jwt: str) -> Mapping[str, Any]:
    """The JWT's payload, unverified: only to read its expiry and scope (the server checks the signature)."""
    try:
        payload = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, RecursionError):
        return {}
    return claims if isinstance(claims, dict) else {}


class SignedIn:
    """The calls of one poll or one send as the signed-in account, renewing the access token when it lapses.

    ``accept``: error names or HTTP statuses the caller reads itself instead of raising.
    """

    def __init__(
        self,
        client: httpx.Client,
        token: str,
        cache: SessionCache[BlueskySession],
        *,
        plc_url: str,
        now: Callable[[], datetime],
    ) -> None:
        self._client = client
        self._cache = cache
        self._plc_url = plc_url
        self._now = now
        self._stored = BlueskySession.from_token(token)
        self.session = cache.current(self._stored)
        self.budget: RateBudget | None = None

    @property
    def did(self) -> str:
        return self.session.did

    def query(self, nsid: str, params: Mapping[str, Any] | httpx.QueryParams | None = None, **options: Any) -> Answer:
        return self._call("GET", nsid, params=params, **options)

    def procedure(self, nsid: str, body: Mapping[str, Any], **options: Any) -> Answer:
        return self._call("POST", nsid, body=body, **options)

    def _call(self, method: str, nsid: str, *, accept: Collection[str | int] = (), **options: Any) -> Answer:
        if self.session.needs_refresh(self._now()):
            self._refresh()
        answer = self._send(method, nsid, **options)
        if answer.expired_token:  # expired early, or the clock here is off: renew once and try again
            self._refresh()
            answer = self._send(method, nsid, **options)
        if not answer.ok and (answer.status in accept or answer.error in accept):
            return answer
        raise_for_answer(answer, self._now())
        return answer

    def fail(self, answer: Answer) -> None:
        """Raise the connector error for an answer the caller accepted but cannot use."""
        raise_for_answer(answer, self._now())

    def _send(self, method: str, nsid: str, **options: Any) -> Answer:
        session = self.session
        answer = xrpc(self._client, method, session.pds_url, nsid, token=session.access_jwt, **options)
        self.budget = rate_budget(answer.response, self._now()) or self.budget
        return answer

    def _refresh(self) -> None:
        def renew(current: BlueskySession) -> BlueskySession:
            return refresh_session(self._client, current, plc_url=self._plc_url, now=self._now())

        self.session = self._cache.refresh(self._stored, self.session, renew)


# --- the calls -----------------------------------------------------------------------------------


def create_session(
    client: httpx.Client, service_url: str, identifier: str, password: str, *, plc_url: str, now: datetime
) -> BlueskySession:
    """Sign in once with a handle and an app password; the session names the account's own PDS."""
    body = {"identifier": identifier, "password": password}
    answer = xrpc(client, "POST", service_url, "com.atproto.server.createSession", body=body)
    if answer.status == 429:
        raise RateLimited(
            f"{NAME} allows only a few sign-ins per few minutes; wait a moment and try again.",
            answer.retry_after(now),
        )
    if answer.error in _SIGN_IN_ERRORS:
        raise AuthError(_SIGN_IN_ERRORS[answer.error])
    if answer.status in (400, 401):
        raise AuthError(f"{NAME} did not accept that handle and app password. Check both and try again.")
    raise_for_answer(answer, now)
    return _session_from(answer, service_url, client, plc_url, now)


def refresh_session(client: httpx.Client, session: BlueskySession, *, plc_url: str, now: datetime) -> BlueskySession:
    """A new access token (and a rotated refresh token); AuthError when the sign-in has ended for good."""
    answer = xrpc(client, "POST", session.pds_url, "com.atproto.server.refreshSession", token=session.refresh_jwt)
    if answer.status in (400, 401, 403):
        raise AuthError(
            f"{NAME} ended this sign-in ({answer.error or answer.status}). Reconnect the account with an app password."
        )
    raise_for_answer(answer, now)
    fresh = _session_from(answer, session.pds_url, client, plc_url, now, resolve=False)
    if fresh.did != session.did:
        raise AuthError(f"{NAME} refreshed the sign-in for another account. Reconnect the account.")
    return fresh


def _session_from(
    answer: Answer, fallback_pds: str, client: httpx.Client, plc_url: str, now: datetime, resolve: bool = True
) -> BlueskySession:
    data = answer.data
    try:
        did, access, refresh = _str(data["did"]), _str(data["accessJwt"]), _str(data["refreshJwt"])
        handle = str(data.get("handle") or "")
    except (KeyError, TypeError):
        raise TransientError(f"{NAME} answered the sign-in in an unexpected shape; try again.") from None
    pds = pds_from_did_doc(data.get("didDoc"), did)
    if pds is None and resolve:
        pds = resolve_pds(client, did, plc_url, now)
    return BlueskySession(access, refresh, did, handle, pds or fallback_pds)


def resolve_pds(client: httpx.Client, did: str, plc_url: str, now: datetime) -> str | None:
    """The PDS named in the DID document (PLC directory for did:plc, the host's well-known file for did:web)."""
    if did.startswith("did:plc:"):
        url = f"{plc_url.rstrip('/')}/{quote(did, safe=':')}"
    elif did.startswith("did:web:"):
        host = did.removeprefix("did:web:").replace("%3A", ":")
        scheme = "http" if host.split(":")[0] in _LOOPBACK else "https"
        url = f"{scheme}://{host}/.well-known/did.json"
    else:
        return None
    try:
        response = client.get(url, headers={"Accept": "application/did+ld+json, application/json"})
        document = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError, RecursionError):
        return None  # the entryway that signed us in still answers; resolution is retried at the next sign-in
    return pds_from_did_doc(document, did)


def pds_from_did_doc(document: Any, did: str) -> str | None:
    """The ``#atproto_pds`` service endpoint of ``did``'s document, if it is a usable https (or loopback) URL."""
    if not isinstance(document, dict) or document.get("id") != did or not isinstance(document.get("service"), list):
        return None
    for service in document["service"]:
        if not isinstance(service, dict):
            continue
        named = str(service.get("id", "")).endswith("#atproto_pds")
        if named and service.get("type") == "AtprotoPersonalDataServer":
            try:
                return normalize_service_url(str(service.get("serviceEndpoint", "")))
            except ValueError:
                return None
    return None


def normalize_service_url(value: str) -> str:
    """``https://host[:port]`` from what was typed (``bsky.social``, a URL); plain http only on this computer."""
    text = value.strip().rstrip("/")
    parts = urlsplit(text if "://" in text else f"https://{text}")
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or parts.path.strip("/") or parts.query or parts.fragment:
        raise ValueError(f"{value!r} is not a server address like bsky.social")
    if parts.scheme == "http" and host not in _LOOPBACK:
        raise ValueError("Bluesky servers must be reached over https; plain http is only for this computer")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def normalize_handle(value: str, service_url: str = DEFAULT_SERVICE) -> str:
    """``name.bsky.social`` from ``@name`` or ``name`` (the Bluesky apps' own shortcut on bsky.social)."""
    handle = value.strip().lstrip("@").lower()
    if not handle or any(c.isspace() for c in handle):
        raise ValueError("Type the account's handle, for example shopname.bsky.social")
    if "." not in handle and "@" not in handle and urlsplit(service_url).hostname == "bsky.social":
        handle += ".bsky.social"
    return handle


def _str(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError("not text")
    return value


def new_session_cache() -> SessionCache[BlueskySession]:
    return SessionCache(BlueskySession.from_token)
