"""Instagram professional accounts without a Facebook Page: the "Instagram API with Instagram Login" way, reached at
``graph.instagram.com`` with the account's own Instagram User access token.

Reading and sending are the Facebook-Login way's (``instagram.InstagramConnector``, which this class builds on): the
same media, comments, replies, cursor and thread keys, the same error envelope (``facebook_graph``), only addressed
to ``me`` instead of the account and its Page:

- ``GET /me?fields=user_id,username``: who the token belongs to. ``user_id`` is the professional account's id (the
  one its comments, conversations and webhooks name); ``id`` is an app-scoped one, not used here.
- ``GET /me/media``, ``GET /{media}/comments``, ``GET /{comment}``, ``GET|POST /{comment}/replies``: as through a Page.
- ``GET /me/conversations?platform=instagram`` and ``POST /me/messages`` (a direct message, or the private reply
  to a comment: ``recipient.comment_id``).

The owner pastes a long-lived token made in Meta's App Dashboard (it lasts 60 days). Turning a short-lived token
into a long-lived one, or running Instagram's sign-in flow, needs the app secret, which a desktop app cannot keep;
renewing a long-lived token does not: ``GET /refresh_access_token?grant_type=ig_refresh_token&access_token=...``
(the token must be at least 24 hours old and unexpired; the answer is ``{access_token, token_type, expires_in}``).
That endpoint takes the token in the query string, the one call here that does so; every other call carries it only
in the ``Authorization`` header, and no error text names it.

The stored secret is a small JSON blob (``InstagramToken.to_token``): the token, when Social Inbox got it, and when
it lapses once known (a pasted token's end is not, until its first renewal a day later). It is renewed within
``RENEW_BEFORE`` of its end, through a ``session_cache.SessionCache`` like X's sign-in, and ``rotated_token`` hands
the renewed blob to the sync layer, which stores it in the keyring (``RotatesCredentials``). A renewal Instagram
refuses for good (the token expired or was revoked) asks the owner for a new token; one that fails for a passing
reason leaves the current token in use and is tried again an hour later.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from socialinbox.connectors.base import AuthError, ConnectorError, TransientError
from socialinbox.connectors.facebook_graph import Voice, graph_error
from socialinbox.connectors.html_text import clean_text
from socialinbox.connectors.http import request_json
from socialinbox.connectors.instagram import VOICE, InstagramConnector, known_account
from socialinbox.connectors.instagram_mapping import IG_ID, NAME
from socialinbox.connectors.session_cache import SessionCache
from socialinbox.connectors.watermark import parse_time
from socialinbox.domain import Clock, SystemClock

log = logging.getLogger(__name__)

API_BASE = "https://graph.instagram.com/v25.0"
ME = "me"
LIFETIME = timedelta(days=60)  # a long-lived Instagram User token, from the App Dashboard or a renewal
RENEW_BEFORE = timedelta(days=30)  # renew once the token is this close to its end
MIN_AGE = timedelta(hours=24)  # Instagram renews only a token at least this old
RETRY_RENEWAL = timedelta(hours=1)  # after a renewal that failed for a passing reason
NEW_TOKEN_STEPS = (
    "In Meta's App Dashboard (developers.facebook.com/apps), open your app, then Instagram > API setup with "
    "Instagram business login, click Generate token next to the account, and reconnect the Instagram account in "
    "Social Inbox with the new token."
)
ENDED = f"{NAME} no longer accepts the account's access token (it expired, or was revoked). {NEW_TOKEN_STEPS}"
UNREADABLE = f"The stored {NAME} access token cannot be read. {NEW_TOKEN_STEPS}"
LOGIN_VOICE = Voice(
    name=NAME,
    reconnect=ENDED,
    outside_window=VOICE.outside_window,
    read_permissions=(
        "instagram_business_basic, instagram_business_manage_comments and instagram_business_manage_messages"
    ),
    send_permissions=(
        "instagram_business_manage_comments (comments) and instagram_business_manage_messages (direct messages)"
    ),
    account="the Instagram account with a new token",
    inbox=VOICE.inbox,
    signed_in="the Instagram account",
)
_VERSION = re.compile(r"/v\d+(\.\d+)?$")


@dataclasses.dataclass(frozen=True, slots=True)
class InstagramToken:
    """The account's long-lived access token, when Social Inbox got it and when it lapses (None: not known yet).
    ``retry_at``: not renewed again before then (a renewal just failed); kept in memory only."""

    access_token: str = dataclasses.field(repr=False)
    obtained_at: datetime
    expires_at: datetime | None = None
    retry_at: datetime | None = dataclasses.field(default=None, compare=False)

    @property
    def refresh_token(self) -> str:
        """What renews it: the token itself (``session_cache`` keys a sign-in by this)."""
        return self.access_token

    @classmethod
    def pasted(cls, token: str, now: datetime) -> InstagramToken:
        """A token the owner just pasted: at least as old as now, its end unknown until it is renewed."""
        return cls(token.strip(), now)

    def to_token(self) -> str:
        """The secret to keep in the keyring."""
        blob = {"access_token": self.access_token, "obtained_at": _iso(self.obtained_at)}
        return json.dumps(blob | ({"expires_at": _iso(self.expires_at)} if self.expires_at else {}), sort_keys=True)

    @classmethod
    def from_token(cls, token: str) -> InstagramToken:
        try:
            blob = json.loads(token)
            access = blob["access_token"]
            if not isinstance(access, str) or not access:
                raise TypeError("no token")
            expires = blob.get("expires_at")
            return cls(access, parse_time(blob["obtained_at"]), parse_time(expires) if expires is not None else None)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            raise AuthError(UNREADABLE) from None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def renewal_due(self, now: datetime) -> bool:
        if now - self.obtained_at < MIN_AGE or (self.retry_at is not None and now < self.retry_at):
            return False
        return self.expires_at is None or self.expires_at - now <= RENEW_BEFORE


def renew(client: httpx.Client, api_base: str, current: InstagramToken, now: datetime) -> InstagramToken:
    """The renewed token; AuthError when Instagram refuses it for good, another ``ConnectorError`` when it could
    not renew it just now (the current token then stays in use until the next try, ``RETRY_RENEWAL`` later)."""
    url = f"{_VERSION.sub('', api_base.rstrip('/'))}/refresh_access_token"
    params = {"grant_type": "ig_refresh_token", "access_token": current.access_token}
    try:  # the one call whose token goes in the query string (Instagram documents no other way for it)
        response, data = request_json(client, "GET", url, place=NAME, params=params)
        if response.status_code >= 400 or not isinstance(data, dict) or "error" in data:
            raise graph_error(response, data, current.access_token, now=now, sending=False, voice=LOGIN_VOICE)
    except AuthError:
        raise
    except ConnectorError as error:  # graph_error's and request_json's texts never name the token or the URL
        log.warning("could not renew an Instagram access token (%s); trying again later", error)
        return dataclasses.replace(current, retry_at=now + RETRY_RENEWAL)
    access, lifetime = data.get("access_token"), data.get("expires_in")
    if not isinstance(access, str) or not access.strip():
        log.warning("Instagram answered a token renewal without a token; trying again later")
        return dataclasses.replace(current, retry_at=now + RETRY_RENEWAL)
    if type(lifetime) is int and lifetime > 0:
        return InstagramToken(access.strip(), now, now + timedelta(seconds=lifetime))
    return InstagramToken(access.strip(), now, now + LIFETIME)


def _new_cache() -> SessionCache[InstagramToken]:
    return SessionCache(InstagramToken.from_token)


@dataclasses.dataclass(frozen=True, slots=True)
class InstagramLoginConnector(InstagramConnector):
    """An Instagram professional account reached with its own token (``graph.instagram.com``), no Page involved."""

    api_base: str = API_BASE
    sessions: SessionCache[InstagramToken] = dataclasses.field(default_factory=_new_cache, repr=False, compare=False)

    def identity(self, client: httpx.Client, token: str) -> tuple[str, str]:
        """(Instagram account id, username) of the account the token belongs to."""
        data, _ = self._wire().get(client, self._signed_in(client, token), ME, {"fields": "user_id,username"})
        listed = data.get("data")  # Meta's guide shows the answer wrapped in a one-item list; the API answers flat
        me = listed[0] if isinstance(listed, list) and listed and isinstance(listed[0], dict) else data
        user_id, username = me.get("user_id"), me.get("username")
        user_id = str(user_id) if type(user_id) is int else user_id
        if not isinstance(user_id, str) or not IG_ID.match(user_id) or not isinstance(username, str) or not username:
            raise TransientError(f"{NAME} described the account in an unexpected shape; will retry.")
        return user_id, clean_text(username)

    def verify(self, client: httpx.Client, token: str) -> str:
        """The account's username, once the token is this account's (not another one's the owner also manages)."""
        user_id, username = self.identity(client, token)
        if user_id == (self.ig_user_id or user_id):
            return username
        connected = self.username or self.ig_user_id
        raise AuthError(
            f"That token belongs to the {NAME} account {username}, not {connected}. In Meta's App Dashboard, click "
            "Generate token next to the account this one was connected to."
        )

    def rotated_token(self, token: str) -> str | None:
        """The blob to store instead of ``token`` after this run renewed the access token."""
        return self.sessions.rotated_token(token)

    # --- the hooks of InstagramConnector ------------------------------------------------------------------------

    def _account(self) -> str:
        return known_account(self.ig_user_id)

    def _media_owner(self) -> str:
        self._account()
        return ME

    def _inbox_owner(self) -> str:
        self._account()
        return ME

    def _signed_in(self, client: httpx.Client, token: str) -> str:
        """The access token to send: the newest this run holds, renewed first when it is due."""
        stored = InstagramToken.from_token(token)
        current = self.sessions.current(stored)
        now = self.clock.now()
        if current.expired(now):
            when = current.expires_at.astimezone(UTC).strftime("%Y-%m-%d") if current.expires_at else "?"
            raise AuthError(f"The {NAME} access token expired on {when}. {NEW_TOKEN_STEPS}")
        if current.renewal_due(now):
            current = self.sessions.refresh(stored, current, lambda seen: renew(client, self.api_base, seen, now))
        return current.access_token

    def _voice(self) -> Voice:
        return LOGIN_VOICE

    def _unreachable(self) -> str:
        return (
            f"{NAME} no longer lets the token reach the account {self.username or self.ig_user_id} (it was switched "
            f"to a personal account or deleted). {NEW_TOKEN_STEPS}"
        )


def build_instagram_login(settings: Mapping[str, Any], clock: Clock | None = None) -> InstagramLoginConnector:
    """The connector of an account with ``"login": "instagram"``: settings ``ig_user_id``, ``username`` and, for
    tests, ``api_base``."""
    ig_user_id = str(settings.get("ig_user_id") or "").strip()
    return InstagramLoginConnector(
        ig_user_id=ig_user_id or None,
        username=str(settings.get("username") or "").strip(),
        api_base=str(settings.get("api_base") or API_BASE).rstrip("/"),
        clock=clock or SystemClock(),
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
