"""The X API v2 wire for the X connector: one request, X's two error envelopes, and its rate-limit headers.

X answers errors in two shapes: the v1 style ``{"errors": [{"code": 88, "message": "Rate limit exceeded"}]}`` and
problem+json (``{"title", "detail", "type", "status"}``, sometimes inside ``errors[]``). A 200 can carry ``errors[]``
next to ``data`` (a post in the page could not be hydrated, a looked-up post was deleted): those answers are returned
whole, and the caller reads what it can. Limits come as ``x-rate-limit-limit``, ``-remaining`` and ``-reset`` (epoch
seconds), per endpoint and per user. The token only ever travels in the ``Authorization`` header, and error text
from X is scrubbed of it anyway.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from socialinbox.connectors.base import (
    AuthError,
    ConnectorError,
    RateLimited,
    Rejected,
    TransientError,
    UncertainDelivery,
)
from socialinbox.connectors.html_text import clean_text
from socialinbox.connectors.http import parse_reset, request_json
from socialinbox.domain import RateBudget

NAME = "X"
API_BASE = "https://api.x.com"
DEFAULT_BACKOFF_S = 15 * 60.0  # X's windows are 15 minutes: without a reset header, wait one out
OUT_OF_CREDITS_BACKOFF_S = 60 * 60.0
NOT_FOUND = "https://api.x.com/2/problems/resource-not-found"
_SNOWFLAKE_EPOCH_MS = 1_288_834_974_657  # X's ids carry their creation time in milliseconds since this moment
NOT_SUMMONED = (
    "X lets an app reply to a post only when its author mentioned the shop or quoted one of its posts (a rule since "
    "February 2026), and this customer did not. Answer them in X itself (or X's app)."
)


class TokenRejected(AuthError):
    """HTTP 401: the access token lapsed or was revoked; the session renews it once before giving up."""


class Gone(Rejected):
    """The post, the message or the conversation does not exist (any more)."""


class OutOfCredits(RateLimited):
    """HTTP 402 (pay-per-use): the developer app's credits ran out, or its spending cap was reached."""


@dataclasses.dataclass(frozen=True, slots=True)
class Answer:
    body: Mapping[str, Any]
    response: httpx.Response

    @property
    def remaining(self) -> int | None:
        text = self.response.headers.get("x-rate-limit-remaining", "").strip()
        return int(text) if text.isdigit() else None

    def resets_at(self, now: datetime) -> datetime | None:
        return parse_reset(self.response.headers.get("x-rate-limit-reset"), now)

    def budget(self, now: datetime) -> RateBudget | None:
        limit = self.response.headers.get("x-rate-limit-limit", "").strip()
        budget = RateBudget(self.remaining, int(limit) if limit.isdigit() else None, self.resets_at(now))
        return None if budget == RateBudget(None, None, None) else budget

    def exhausted_until(self, now: datetime) -> datetime | None:
        """When this endpoint may be called again, if the answer says its budget is used up."""
        resets = self.resets_at(now)
        return resets if self.remaining == 0 and resets is not None and resets > now else None


def x_call(
    client: httpx.Client,
    method: str,
    url: str,
    token: str,
    *,
    now: datetime,
    params: Mapping[str, str] | None = None,
    json_body: Mapping[str, Any] | None = None,
    sending: bool = False,
) -> Answer:
    """The decoded answer of one X API request, or a connector error that never names the token or the URL."""
    response, body = request_json(
        client, method, url, place=NAME, token=token, params=params, json_body=json_body, sending=sending
    )
    if response.status_code < 300 and isinstance(body, dict):
        return Answer(body, response)
    raise x_error(response, body, token, now=now, sending=sending)


def x_error(response: httpx.Response, body: Any, token: str, *, now: datetime, sending: bool) -> ConnectorError:
    status = response.status_code
    said = _said(body, token)
    if status < 300:
        return _trouble(f"{NAME} sent an answer that could not be read (HTTP {status})", sending)
    if status == 401:
        return TokenRejected(f"{NAME} no longer accepts this sign-in. Sign in to X again.")
    if status == 429 or _has_code(body, 88):
        seconds = retry_after(response, now)
        return RateLimited(f"{NAME} asked us to slow down; waiting {minutes(timedelta(seconds=seconds))}.", seconds)
    if status in (403, 404) and not problems(body):
        # Not X's own answer (X always says why): a proxy or filter in between refused, so nothing reached X.
        return TransientError(
            f"{NAME} answered HTTP {status} without saying why (a proxy or filter on this network may be in the "
            "way); will retry."
        )
    if status == 402:  # pay-per-use: the developer app's credits ran out (or its cap was reached)
        return OutOfCredits(
            f"{NAME} refused: the developer app has no credits left ({said or 'HTTP 402'}). Top them up in the X "
            "developer console.",
            OUT_OF_CREDITS_BACKOFF_S,
        )
    if status == 403:
        return _forbidden(said, sending)
    if status == 404:
        return Gone(f"{NAME} says it is not there any more ({said or 'HTTP 404'}).")
    if status >= 500 or status in (408, 425):
        return _trouble(f"{NAME} is having trouble (HTTP {status})", sending)
    if sending:
        return Rejected(f"{NAME} refused the reply: {said or f'HTTP {status}'}")
    return TransientError(f"{NAME} answered HTTP {status} ({said or 'no reason given'}); will retry.")


def _forbidden(said: str, sending: bool) -> ConnectorError:
    lowered = said.lower()
    if sending and ("mentioned" in lowered or "engaged" in lowered or "summon" in lowered):
        return Rejected(NOT_SUMMONED)
    if sending:
        return Rejected(f"{NAME} refused the reply: {said or 'HTTP 403'}")
    return AuthError(
        f"{NAME} refused access ({said or 'HTTP 403'}). Sign in to X again and allow everything Social Inbox asks "
        "for, and check that the developer app belongs to a project with credits."
    )


def _trouble(what: str, sending: bool) -> TransientError:
    if sending:
        return UncertainDelivery(f"{what} after the reply went out; it may be posted.")
    return TransientError(f"{what}; will retry.")


def _has_code(body: Any, code: int) -> bool:
    return any(isinstance(e, dict) and e.get("code") == code for e in problems(body))


def problems(body: Any) -> list[Mapping[str, Any]]:
    """The error objects of an answer: ``errors[]`` (v1 style or problems), or the problem+json body itself."""
    if not isinstance(body, dict):
        return []
    listed = body.get("errors")
    if isinstance(listed, list):
        return [item for item in listed if isinstance(item, dict)]
    return [body] if "title" in body or "detail" in body else []


def _said(body: Any, token: str) -> str:
    """What X said, for the owner: a detail, title or message, cleaned, shortened and never holding the token."""
    for item in problems(body):
        for key in ("detail", "message", "title"):
            value = item.get(key)
            if isinstance(value, str) and value.strip():
                return clean_text(value).replace(token, "<token>").strip()[:200]
    return ""


def not_found_ids(body: Any) -> set[str]:
    """Ids X reports as gone inside a 200 (``errors[]`` of type resource-not-found)."""
    gone = set()
    for item in problems(body):
        if item.get("type") == NOT_FOUND or item.get("title") == "Not Found Error":
            value = item.get("resource_id") or item.get("value")
            if isinstance(value, str):
                gone.add(value)
    return gone


def retry_after(response: httpx.Response, now: datetime) -> float:
    """Seconds until ``x-rate-limit-reset`` (epoch seconds), else ``Retry-After``, else one 15-minute window."""
    reset = parse_reset(response.headers.get("x-rate-limit-reset"), now)
    if reset is not None and reset > now:
        return (reset - now).total_seconds()
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value)) if value else DEFAULT_BACKOFF_S
    except ValueError:
        return DEFAULT_BACKOFF_S


def snowflake_time(item_id: str) -> datetime | None:
    """When an X id (post or message event) was made: ids are Snowflakes with milliseconds in their top bits."""
    if not item_id.isdigit() or len(item_id) > 19:
        return None
    millis = (int(item_id) >> 22) + _SNOWFLAKE_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, UTC)


def parse_time(value: Any) -> datetime:
    """X's ``2026-11-23T09:00:00.000Z`` as aware UTC; ValueError for anything else."""
    if not isinstance(value, str):
        raise ValueError("not a time")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("a time without a zone")
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def minutes(delta: timedelta) -> str:
    return f"{max(1, round(delta.total_seconds() / 60))} min"


def postponed(limited: RateLimited, what: str) -> str:
    """The warning for a read (``what``: "direct messages") that ``limited`` puts off; when the credits ran out it
    keeps X's advice to top them up, which a plain rate limit would not give."""
    wait = minutes(timedelta(seconds=limited.retry_after))
    if isinstance(limited, OutOfCredits):
        return f"{limited} {what[:1].upper()}{what[1:]} are read again in {wait}."
    return f"{NAME} limits reading {what}; they are read again in {wait}."
