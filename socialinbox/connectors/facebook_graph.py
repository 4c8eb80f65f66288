"""The Graph API wire for the Facebook connector: one request, its error envelope, usage headers, times and cursor.

Graph answers errors as ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``, and throttling
usually comes as HTTP 400/403 with a throttling code rather than 429, so the status alone says little: the code
decides. The token travels only in the ``Authorization`` header; error text from Facebook is scrubbed of it anyway.
"""

from __future__ import annotations

import dataclasses
import json
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
from socialinbox.connectors.http import loads_json, retry_after_seconds, send_capped
from socialinbox.domain import RateBudget

NAME = "Facebook"
DEFAULT_BACKOFF_S = 300.0  # Graph rarely says how long; its usage windows are an hour, five minutes is a fair guess
THROTTLE_CODES = frozenset({4, 17, 32, 613, 80001, 80006})
AUTH_CODES = frozenset({102, 190})
OUTSIDE_WINDOW_SUBCODES = frozenset({2018278, 2018065, 2534022})
_RECONNECT = (
    "Facebook no longer accepts the Page's sign-in (it expired, or was revoked by a password change or a removed "
    "Page role). Reconnect the Page."
)
_OUTSIDE_WINDOW = (
    "Facebook lets a Page answer in Messenger only within 24 hours of the customer's last message, and that time has "
    "passed. Reply once the customer writes again, or answer them another way."
)
_READ_PERMISSIONS = "pages_read_engagement, pages_read_user_content and pages_messaging"
_SEND_PERMISSIONS = "pages_manage_engagement (comments) and pages_messaging (Messenger)"


class Gone(Rejected):
    """The object is deleted or out of the Page's reach (code 100, subcode 33)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Watermark:
    """The newest time seen, and the ids seen at exactly that second, so a same-second arrival is neither lost nor
    returned twice (Graph times have one-second resolution)."""

    time: datetime
    ids: frozenset[str] = frozenset()

    def is_new(self, when: datetime, item_id: str) -> bool:
        return when > self.time or (when == self.time and item_id not in self.ids)


def advance(mark: Watermark | None, seen: list[tuple[datetime, str]]) -> Watermark | None:
    """The watermark after reading ``seen`` (every item read, skipped ones too: those are decided, not unseen)."""
    if not seen:
        return mark
    newest = max(when for when, _ in seen)
    if mark is not None and mark.time > newest:
        return mark
    ids = {item_id for when, item_id in seen if when == newest}
    if mark is not None and mark.time == newest:
        ids |= mark.ids
    return Watermark(newest, frozenset(ids))


def parse_cursor(cursor: str | None) -> tuple[Watermark | None, Watermark | None, datetime | None]:
    """(comments, Messenger) watermarks and when the poll that wrote them ran; anything unreadable counts as a first
    poll rather than a crash."""
    try:
        data = json.loads(cursor) if cursor else None
    except (ValueError, RecursionError):
        return None, None, None
    if not isinstance(data, dict):
        return None, None, None
    polled = _mark(data.get("at"), None)
    marks = _mark(data.get("c"), data.get("ci")), _mark(data.get("m"), data.get("mi"))
    return *marks, polled.time if polled is not None else None


def format_cursor(comments: Watermark | None, messenger: Watermark | None, polled_at: datetime) -> str:
    data: dict[str, Any] = {"v": 1, "at": polled_at.isoformat()}
    for key, mark in (("c", comments), ("m", messenger)):
        if mark is not None:
            data[key] = mark.time.isoformat()
            data[f"{key}i"] = sorted(mark.ids)
    return json.dumps(data, separators=(",", ":"))


def _mark(when: Any, ids: Any) -> Watermark | None:
    if not isinstance(when, str):
        return None
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    known = frozenset(str(i) for i in ids) if isinstance(ids, list) else frozenset()
    return Watermark(moment.astimezone(UTC), known)


def parse_time(value: Any) -> datetime:
    """Graph's ``2026-05-19T10:29:08+0000`` as aware UTC; ValueError for anything else."""
    if not isinstance(value, str):
        raise ValueError("not a time")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a time without a zone")
    return moment.astimezone(UTC)


# --- one request --------------------------------------------------------------------------------------------------


def graph_call(
    client: httpx.Client,
    method: str,
    url: str,
    token: str,
    *,
    now: datetime,
    params: Mapping[str, str] | None = None,
    form: Mapping[str, str] | None = None,
    json_body: Mapping[str, Any] | None = None,
    sending: bool = False,
) -> tuple[Any, httpx.Response]:
    """The decoded answer of one Graph request, or a connector error that never names the token or the URL."""
    headers = {"Accept": "application/json", "Authorization": f"Bearer {token}"}
    try:
        request = client.build_request(method, url, params=params, data=form, json=json_body, headers=headers)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        raise TransientError(f"The {NAME} server address in the settings is not usable.") from None
    response, raw = send_capped(client, request, place=NAME, sending=sending)
    body = loads_json(raw)
    if response.status_code < 400 and isinstance(body, dict) and "error" not in body:
        return body, response
    raise graph_error(response, body, token, now=now, sending=sending)


def graph_error(response: httpx.Response, body: Any, token: str, *, now: datetime, sending: bool) -> ConnectorError:
    status = response.status_code
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if not isinstance(error, dict) or type(code) is not int:
        if status == 429:
            return RateLimited(f"{NAME} asked us to slow down (HTTP 429).", _retry_after(response, now))
        if status < 400:
            return _trouble(f"{NAME} sent an answer that could not be read (HTTP {status})", sending)
        # A 4xx without Graph's envelope came from something in between: the reply never reached Facebook.
        return _trouble(f"{NAME} answered HTTP {status} without saying why", sending and status >= 500)
    subcode = error.get("error_subcode")
    said = clean_text(str(error.get("message") or "")).replace(token, "<token>")[:200] or f"code {code}"
    if code in AUTH_CODES:
        return AuthError(_RECONNECT)
    if code in THROTTLE_CODES or status == 429:
        seconds = _retry_after(response, now)
        return RateLimited(f"{NAME} asked us to slow down ({said}); waiting {seconds / 60:.0f} min.", seconds)
    if code == 100 and subcode == 33:
        return Gone(f"The {NAME} comment or post was deleted, or the Page can no longer see it.")
    if code == 10 and (subcode in OUTSIDE_WINDOW_SUBCODES or "allowed window" in said.lower()):
        return Rejected(_OUTSIDE_WINDOW)
    if code == 551:
        return Rejected(f"This person can't get Messenger messages from the Page right now ({said}).")
    if code == 10 or 200 <= code <= 299:
        if sending:
            return Rejected(
                f"{NAME} refused: the Page's sign-in lacks a permission ({said}). Reconnect the Page and "
                f"grant {_SEND_PERMISSIONS}."
            )
        return AuthError(
            f"{NAME} refused: the Page's sign-in lacks a permission ({said}). Reconnect the Page and "
            f"grant {_READ_PERMISSIONS}."
        )
    if code in (1, 2) or status >= 500 or error.get("is_transient") is True:
        return _trouble(f"{NAME} is having trouble ({said})", sending)
    if sending:
        return Rejected(f"{NAME} refused the reply: {said}")
    return TransientError(f"{NAME} answered an error ({said}); will retry.")


def _trouble(what: str, sending: bool) -> TransientError:
    if sending:
        return UncertainDelivery(f"{what} after the reply went out; it may be posted.")
    return TransientError(f"{what}; will retry.")


# --- usage headers ------------------------------------------------------------------------------------------------


def _usage_entries(response: httpx.Response) -> list[Mapping[str, Any]]:
    """Every usage record the response carries: BUC (keyed by object id, a list each), app and legacy page usage."""
    entries: list[Mapping[str, Any]] = []
    buc = loads_json(response.headers.get("X-Business-Use-Case-Usage", "").encode())
    if isinstance(buc, dict):
        for records in buc.values():
            entries += [record for record in records if isinstance(record, dict)] if isinstance(records, list) else []
    for name in ("X-App-Usage", "X-Page-Usage"):
        record = loads_json(response.headers.get(name, "").encode())
        if isinstance(record, dict):
            entries.append(record)
    return entries


def _number(value: Any) -> float | None:
    return float(value) if type(value) in (int, float) and value >= 0 else None


def _regain_minutes(response: httpx.Response) -> float | None:
    minutes = [m for e in _usage_entries(response) if (m := _number(e.get("estimated_time_to_regain_access")))]
    return max(minutes) if minutes else None


def _retry_after(response: httpx.Response, now: datetime) -> float:
    minutes = _regain_minutes(response)
    if minutes:
        return minutes * 60.0
    return retry_after_seconds(response, now, DEFAULT_BACKOFF_S)


def usage_budget(response: httpx.Response, now: datetime) -> RateBudget | None:
    """Graph reports percentages of a budget used, so the budget is 100 and what is left is 100 minus the worst one."""
    used = [
        n
        for entry in _usage_entries(response)
        for key in ("call_count", "total_cputime", "total_time")
        if (n := _number(entry.get(key))) is not None
    ]
    if not used:
        return None
    minutes = _regain_minutes(response)
    resets = now + timedelta(minutes=minutes) if minutes else None
    return RateBudget(remaining=max(0, 100 - round(max(used))), limit=100, resets_at=resets)
