"""The Graph API wire for the Facebook connector and the Instagram ones (through the Page on ``graph.facebook.com``,
or with an Instagram token on ``graph.instagram.com``): one request, its error envelope and usage headers (their
cursor is ``watermark``'s).

Graph answers errors as ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``, and throttling
usually comes as HTTP 400/403 with a throttling code rather than 429, so the status alone says little: the code
decides. The token travels only in the ``Authorization`` header; error text from Facebook is scrubbed of it anyway.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

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
from socialinbox.connectors.http import loads_json, request_json, retry_after_seconds
from socialinbox.domain import Clock, RateBudget

NAME = "Facebook"
DEFAULT_BACKOFF_S = 300.0  # Graph rarely says how long; its usage windows are an hour, five minutes is a fair guess
THROTTLE_CODES = frozenset({4, 17, 32, 613, 80001, 80002, 80006})  # 80002: Instagram's BUC limit
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


@dataclasses.dataclass(frozen=True, slots=True)
class Voice:
    """How Graph's errors are told to the owner: a Facebook Page and an Instagram account (reached through the Page or
    with a token of its own) share the wire and the error codes, but not the name, the permissions to grant, whose
    sign-in it is or the inbox the 24-hour rule is about."""

    name: str
    reconnect: str
    outside_window: str
    read_permissions: str
    send_permissions: str
    account: str = "the Page"  # what the owner reconnects in Social Inbox to grant a missing permission
    inbox: str = "Messenger messages from the Page"  # what a person may be unable to receive (code 551)
    signed_in: str = "the Page"  # whose sign-in the token is, and who may no longer see an object


FACEBOOK = Voice(NAME, _RECONNECT, _OUTSIDE_WINDOW, _READ_PERMISSIONS, _SEND_PERMISSIONS)


class Gone(Rejected):
    """The object is deleted or out of the Page's reach (code 100, subcode 33)."""


# --- the wire one connector speaks ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class GraphWire:
    """Graph requests to one configured address, told in one voice: what the Facebook and Instagram connectors share.
    ``getter`` hands the GET out as a plain function, for helpers that read on a connector's behalf."""

    api_base: str
    clock: Clock
    voice: Voice = FACEBOOK

    def url(self, path: str) -> str:
        return f"{self.api_base.rstrip('/')}/{quote(path, safe='/_')}"

    def get(self, client: httpx.Client, token: str, path: str, params: Mapping[str, str]) -> tuple[Any, httpx.Response]:
        now = self.clock.now()
        return graph_call(client, "GET", self.url(path), token, now=now, params=params, voice=self.voice)

    def post(self, client: httpx.Client, token: str, path: str, **body: Any) -> tuple[Any, httpx.Response]:
        now = self.clock.now()
        return graph_call(client, "POST", self.url(path), token, now=now, sending=True, voice=self.voice, **body)

    def getter(self, client: httpx.Client, token: str) -> Get:
        return lambda path, params: self.get(client, token, path, params)

    def exists(self, client: httpx.Client, token: str, object_id: str) -> bool:
        """Whether Graph still has ``object_id`` (a comment the pre-send check looks for)."""
        try:
            self.get(client, token, object_id, {"fields": "id"})
        except Gone:
            return False
        return True


Get = Callable[[str, Mapping[str, str]], tuple[Any, httpx.Response]]
"""One Graph GET (path, params) -> (decoded answer, response), with the connector's token and address."""


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
    voice: Voice = FACEBOOK,
) -> tuple[Any, httpx.Response]:
    """The decoded answer of one Graph request, or a connector error that never names the token or the URL."""
    response, body = request_json(
        client, method, url, place=voice.name, token=token, params=params, json_body=json_body, form=form,
        sending=sending,
    )  # fmt: skip
    if response.status_code < 400 and isinstance(body, dict) and "error" not in body:
        return body, response
    raise graph_error(response, body, token, now=now, sending=sending, voice=voice)


def graph_error(
    response: httpx.Response, body: Any, token: str, *, now: datetime, sending: bool, voice: Voice = FACEBOOK
) -> ConnectorError:
    status = response.status_code
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if not isinstance(error, dict) or type(code) is not int:
        if status == 429:
            return RateLimited(f"{voice.name} asked us to slow down (HTTP 429).", _retry_after(response, now))
        if status < 400:
            return _trouble(f"{voice.name} sent an answer that could not be read (HTTP {status})", sending)
        # A 4xx without Graph's envelope came from something in between: the reply never reached Facebook.
        return _trouble(f"{voice.name} answered HTTP {status} without saying why", sending and status >= 500)
    subcode = error.get("error_subcode")
    message = error.get("message")  # text only: anything else would be shown to the owner as a raw dump
    said = clean_text(message if isinstance(message, str) else "").replace(token, "<token>")[:200] or f"code {code}"
    if code in AUTH_CODES:
        return AuthError(voice.reconnect)
    if code in THROTTLE_CODES or status == 429:
        seconds = _retry_after(response, now)
        waiting = max(1, round(seconds / 60))
        return RateLimited(f"{voice.name} asked us to slow down ({said}); waiting {waiting} min.", seconds)
    if code == 100 and subcode == 33:
        return Gone(f"The {voice.name} comment or post was deleted, or {voice.signed_in} can no longer see it.")
    if code == 10 and (subcode in OUTSIDE_WINDOW_SUBCODES or "allowed window" in said.lower()):
        return Rejected(voice.outside_window)
    if code == 551:
        return Rejected(f"This person can't get {voice.inbox} right now ({said}).")
    if code == 10 or 200 <= code <= 299:
        lacking = f"{voice.name} refused: {voice.signed_in}'s sign-in lacks a permission ({said})."
        if sending:
            return Rejected(f"{lacking} Reconnect {voice.account} and grant {voice.send_permissions}.")
        return AuthError(f"{lacking} Reconnect {voice.account} and grant {voice.read_permissions}.")
    if code in (1, 2) or status >= 500 or error.get("is_transient") is True:
        return _trouble(f"{voice.name} is having trouble ({said})", sending)
    if sending:
        return Rejected(f"{voice.name} refused the reply: {said}")
    return TransientError(f"{voice.name} answered an error ({said}); will retry.")


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
