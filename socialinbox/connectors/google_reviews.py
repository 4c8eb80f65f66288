"""Google reviews (Google Business Profile API v4): the reviews of one location, and the shop's reply to each.

Endpoints (``mybusiness.googleapis.com``), all as the signed-in owner (``google_session``):

- ``GET /v4/accounts/{a}/locations/{l}/reviews?pageSize=50&orderBy=updateTime desc``: newest first, paged with
  ``pageToken``; each poll reads down to its watermark. Only verified locations have reviews to read.
- ``GET /v4/accounts/{a}/locations/{l}/reviews/{reviewId}``: one review (does it still exist, what is its reply now).
- ``PUT /v4/accounts/{a}/locations/{l}/reviews/{reviewId}/reply`` ``{"comment"}``: the shop's reply. Google keeps
  one reply per review, so a second reply replaces the first (the owner is told so where they connect).

The cursor is the compact JSON of ``watermark.format_cursor``, its comment slot holding the reviews' watermark:
the newest ``updateTime`` read and the review ids read at that instant, and when the poll ran. Like Graph, Google's
lists may show a change a little late, so each poll reads ``OVERLAP`` behind the watermark until one has run that long
after it; the repository stores each message id once, so what is read twice is not doubled. A review edited by the
customer moves to the top of the list (its ``updateTime`` changes) and comes back as a new message
(``google_reviews_mapping``). The first poll reads the newest page only.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from socialinbox.connectors.base import AuthError, Rejected
from socialinbox.connectors.google_api import NAME, Gone
from socialinbox.connectors.google_reviews_mapping import (
    REVIEW_ID,
    found_reply,
    reply_review_id,
    review_id_of,
    review_messages,
    sent_reply,
)
from socialinbox.connectors.google_session import TOKEN_URL, GoogleApi, GoogleSession, new_session_cache
from socialinbox.connectors.session_cache import SessionCache
from socialinbox.connectors.watermark import Watermark, advance, format_cursor, parse_cursor, parse_time, reading_from
from socialinbox.domain import Clock, OutgoingReply, Platform, PollResult, RemoteMessage, SentReply, SystemClock
from socialinbox.limits import measure

API_BASE = "https://mybusiness.googleapis.com"
PAGE_SIZE = 50
MAX_PAGES = 10  # bounds one poll at 500 changed reviews; more than that gets a warning
ACCOUNT = re.compile(r"^accounts/[A-Za-z0-9_-]{1,100}$")
LOCATION = re.compile(r"^(accounts/[A-Za-z0-9_-]{1,100}/)?locations/[A-Za-z0-9_-]{1,100}$")


@dataclasses.dataclass
class _Reading:
    """What one poll has read so far."""

    found: list[RemoteMessage] = dataclasses.field(default_factory=list)
    seen: list[tuple[datetime, str]] = dataclasses.field(default_factory=list)
    unreadable: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class GoogleReviewsConnector:
    account: str | None = None  # "accounts/123", as the Account Management API names it
    location: str | None = None  # "locations/456" (Business Information API), or "accounts/123/locations/456"
    location_title: str = ""
    client_id: str = ""
    api_base: str = API_BASE
    token_url: str = TOKEN_URL
    clock: Clock = dataclasses.field(default_factory=SystemClock, compare=False, repr=False)
    sessions: SessionCache[GoogleSession] = dataclasses.field(
        default_factory=new_session_cache, compare=False, repr=False
    )
    platform: Platform = dataclasses.field(default=Platform.GOOGLE_REVIEWS, init=False)

    def rotated_token(self, token: str) -> str | None:
        """The sign-in to store instead of ``token`` once this run renewed its access token."""
        return self.sessions.rotated_token(token)

    def verify(self, client: httpx.Client, token: str) -> str:
        """Reads one review: the sign-in works, the API is approved, and the signed-in person manages the location."""
        try:
            self.api(client, token).get(self._url("reviews"), {"pageSize": "1"})
        except Gone:
            raise AuthError(
                f"This Google sign-in cannot see {self._shown()}. Sign in with a Google account that manages it."
            ) from None
        return self._shown()

    def poll(self, client: httpx.Client, token: str, cursor: str | None) -> PollResult:
        mark, _, polled_at = parse_cursor(cursor)
        reading = reading_from(mark, polled_at)
        api = self.api(client, token)
        read, warnings = _Reading(), []
        params = {"pageSize": str(PAGE_SIZE), "orderBy": "updateTime desc"}
        for _ in range(1 if mark is None else MAX_PAGES):  # a first poll back-fills only the newest page
            data = self._reviews_page(api, params)
            reached = self._read_page(data, reading, read)
            next_page = data.get("nextPageToken")
            if reached or not isinstance(next_page, str) or not next_page:
                break
            params["pageToken"] = next_page
        else:
            more = "had more changed reviews than one check reads; older ones may be missing"
            first = f"Imported the newest {NAME} reviews; older ones stay on {NAME}."
            warnings.append(first if mark is None else f"The {NAME} location {more}.")
        if read.unreadable:
            warnings.append(f"Skipped {read.unreadable} {NAME} review(s) Social Inbox could not read.")
        return PollResult(
            messages=tuple(sorted(read.found, key=lambda message: message.sent_at)),
            cursor=format_cursor(advance(mark, read.seen), None, self.clock.now()),
            warnings=tuple(warnings),
        )

    def send(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply:
        review_id = reply_review_id(reply)
        if not reply.text.strip():
            raise Rejected("The reply is empty.")
        length = measure(reply.text, Platform.GOOGLE_REVIEWS)
        if length.over:
            raise Rejected(f"The reply has {length.used} {length.unit}; {NAME} allows {length.limit}. Shorten it.")
        answer = self.api(client, token).put(self._url(f"reviews/{review_id}/reply"), {"comment": reply.text})
        return sent_reply(answer, review_id, reply.text, self.clock.now())

    def find_sent(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply | None:
        """Google keeps one reply per review: the review's current reply is ours when it says exactly our text."""
        review = self._review(self.api(client, token), reply_review_id(reply))
        return found_reply(review, reply.text, self.clock.now()) if review is not None else None

    def original_exists(self, client: httpx.Client, token: str, remote_id: str) -> bool:
        review_id = review_id_of(remote_id)
        if not REVIEW_ID.match(review_id):
            return True  # not a review's id: nothing to look up, and nothing says it is gone
        return self._review(self.api(client, token), review_id) is not None

    def api(self, client: httpx.Client, token: str) -> GoogleApi:
        now = self.clock.now
        return GoogleApi(client, token, self.sessions, client_id=self.client_id, token_url=self.token_url, now=now)

    # --- reading ------------------------------------------------------------------------------------------------

    def _reviews_page(self, api: GoogleApi, params: Mapping[str, str]) -> Mapping[str, Any]:
        try:
            return dict(api.get(self._url("reviews"), params))
        except Gone:
            raise AuthError(
                f"{NAME} no longer finds {self._shown()}, or the signed-in account no longer manages it. "
                "Sign in again with an account that manages it, or remove this account."
            ) from None

    def _read_page(self, data: Mapping[str, Any], reading: Watermark | None, read: _Reading) -> bool:
        """Adds the page's new reviews to ``read``; True once it reached what an earlier poll read."""
        reviews = data.get("reviews", [])  # Google leaves the list out when there are no reviews
        for review in reviews if isinstance(reviews, list) else []:
            try:
                when, review_id = parse_time(review.get("updateTime")), str(review["reviewId"])
                if reading is not None and when < reading.time:
                    return True
                if reading is None or reading.is_new(when, review_id):
                    read.found.extend(review_messages(review, self._parent(), self._shown()))
                    read.seen.append((when, review_id))
            except (KeyError, ValueError, TypeError, AttributeError):
                read.unreadable += 1
        return False

    def _review(self, api: GoogleApi, review_id: str) -> Mapping[str, Any] | None:
        try:
            return dict(api.get(self._url(f"reviews/{review_id}")))
        except Gone:
            return None

    # --- plumbing -----------------------------------------------------------------------------------------------

    def _parent(self) -> str:
        """``accounts/{a}/locations/{l}``: the v4 name of the location, from the two resource names kept."""
        location = self.location or ""
        if not LOCATION.match(location):
            raise AuthError(f"The {NAME} reviews account does not know its location; connect it again.")
        if location.startswith("accounts/"):
            return location
        if not self.account or not ACCOUNT.match(self.account):
            raise AuthError(f"The {NAME} reviews account does not know its Business Profile account; connect it again.")
        return f"{self.account}/{location}"

    def _url(self, below: str) -> str:
        return f"{self.api_base.rstrip('/')}/v4/{quote(f'{self._parent()}/{below}', safe='/._~-')}"

    def _shown(self) -> str:
        return self.location_title or self.location or "the location"


def build_google_reviews(settings: Mapping[str, Any], clock: Clock) -> GoogleReviewsConnector:
    """The ConnectorFactory for Google reviews: settings ``account``, ``location`` (resource names),
    ``location_title``, ``client_id`` and, for tests, ``api_base`` and ``token_url``."""
    return GoogleReviewsConnector(
        account=_text(settings.get("account")) or None,
        location=_text(settings.get("location")) or None,
        location_title=_text(settings.get("location_title")),
        client_id=_text(settings.get("client_id")),
        api_base=_text(settings.get("api_base")) or API_BASE,
        token_url=_text(settings.get("token_url")) or TOKEN_URL,
        clock=clock,
    )


def _text(value: Any) -> str:
    return str(value).strip() if value else ""
