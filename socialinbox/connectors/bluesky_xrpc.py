"""XRPC over HTTP for the Bluesky connector: one request, its JSON answer, and the errors it maps to.

Queries are ``GET /xrpc/<nsid>?params``, procedures ``POST /xrpc/<nsid>`` with a JSON body. Errors come back as
``{"error": "<Name>", "message": "..."}`` with 400 (most), 401 (no or bad credentials), 429 (rate limit) or 5xx.
Rate limits travel in ``RateLimit-Limit/Remaining/Reset`` (the reset in epoch seconds) and ``RateLimit-Policy``.
Tokens go only into the ``Authorization`` header of each request; no message built here ever contains one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from socialinbox.connectors.base import AuthError, RateLimited, Rejected, TransientError, UncertainDelivery
from socialinbox.connectors.html_text import clean_text
from socialinbox.connectors.http import loads_json, retry_after_seconds, send_capped

NAME = "Bluesky"
CHAT_PROXY = "did:web:api.bsky.chat#bsky_chat"
_AUTH_ERRORS = frozenset(
    {
        "AuthenticationRequired",
        "AuthMissing",
        "InvalidToken",
        "AccountTakedown",
        "AccountDeactivated",
        "AccountNotFound",
    }
)


@dataclasses.dataclass(frozen=True, slots=True)
class Answer:
    """A decoded XRPC answer; ``data`` is the JSON body (``None`` when there was none or it was not JSON)."""

    nsid: str
    status: int
    data: Any
    response: httpx.Response
    sending: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error(self) -> str:
        name = self.data.get("error") if isinstance(self.data, dict) else None
        return clean_text(name)[:80] if isinstance(name, str) else ""

    @property
    def message(self) -> str:
        text = self.data.get("message") if isinstance(self.data, dict) else None
        return " ".join(clean_text(text).split())[:200] if isinstance(text, str) else ""

    @property
    def expired_token(self) -> bool:
        return self.status in (400, 401) and self.error == "ExpiredToken"

    def retry_after(self, now: datetime) -> float:
        return retry_after_seconds(self.response, now)


def xrpc(
    client: httpx.Client,
    method: str,
    base_url: str,
    nsid: str,
    *,
    token: str | None = None,
    params: httpx.QueryParams | Mapping[str, Any] | None = None,
    body: Mapping[str, Any] | None = None,
    proxy: str | None = None,
    sending: bool = False,
) -> Answer:
    """Send one XRPC request; only transport failures raise (``TransientError``, or ``UncertainDelivery`` after a
    write may have arrived). The caller reads error answers itself: refresh logic needs their names."""
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"  # per request, never on the shared client
    if proxy is not None:
        headers["atproto-proxy"] = proxy
    url = f"{base_url.rstrip('/')}/xrpc/{nsid}"
    request = client.build_request(method, url, params=params, json=body, headers=headers)
    response, raw = send_capped(client, request, place=request.url.host, sending=sending)
    return Answer(nsid, response.status_code, _json_or_none(raw, response), response, sending)


def raise_for_answer(answer: Answer, now: datetime) -> None:
    """Map an error answer to the connector errors; return quietly on success with a JSON object."""
    status, detail = answer.status, _detail(answer)
    if answer.ok:
        if not isinstance(answer.data, dict):
            kind = UncertainDelivery if answer.sending else TransientError
            raise kind(f"{NAME} sent an unreadable answer to {answer.nsid} (HTTP {status}); will retry.")
        return
    if status == 429:
        raise RateLimited(f"{NAME} asked us to slow down (HTTP 429{detail}).", answer.retry_after(now))
    if status == 401 or answer.error in _AUTH_ERRORS or answer.expired_token:
        raise AuthError(f"{NAME} rejected the sign-in{detail}. Reconnect the account.")
    if status >= 500 or status in (408, 425) or answer.data is None:
        # After a write, only "unavailable" proves nothing was done; anything else may have been posted.
        if answer.sending and status not in (503, 408, 425):
            raise UncertainDelivery(f"{NAME} did not confirm the reply (HTTP {status}{detail}).")
        raise TransientError(f"{NAME} is having trouble (HTTP {status}{detail}); will retry.")
    if answer.sending:
        raise Rejected(f"{NAME} refused the reply{detail}.")
    raise TransientError(f"{NAME} refused {answer.nsid} (HTTP {status}{detail}); will retry.")


def _detail(answer: Answer) -> str:
    parts = [part for part in (answer.error, answer.message) if part]
    return f": {' - '.join(parts)}" if parts else ""


def _json_or_none(raw: bytes, response: httpx.Response) -> Any:
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        return None  # a proxy's error page is not an answer
    return loads_json(raw)
