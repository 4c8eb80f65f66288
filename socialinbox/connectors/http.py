"""The one place that builds httpx clients, sends requests safely and reads what platforms say about rate limits."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from socialinbox import __version__
from socialinbox.connectors.base import AuthError, RateLimited, TransientError, UncertainDelivery
from socialinbox.domain import RateBudget

USER_AGENT = f"SocialInbox/{__version__} (+desktop; small-shop customer inbox)"
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
MAX_BODY_BYTES = 8 * 1024 * 1024


def make_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """One client for the whole app: pooled connections, one User-Agent, one timeout policy.

    Auth is always sent per request, never stored on the client, because accounts share it.
    """
    return httpx.Client(
        timeout=DEFAULT_TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        transport=transport,
    )


def retry_after_seconds(response: httpx.Response, now: datetime, default: float = 60.0) -> float:
    """Seconds to wait, from ``Retry-After`` (delta or HTTP date) or a reset header, else ``default``."""
    value = response.headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                return max(0.0, (when.astimezone(UTC) - now).total_seconds())
    reset = parse_reset(response.headers.get("X-RateLimit-Reset") or response.headers.get("RateLimit-Reset"), now)
    if reset is not None:
        return max(0.0, (reset - now).total_seconds())
    return default


def parse_reset(value: str | None, now: datetime) -> datetime | None:
    """Platforms disagree: Mastodon sends an ISO time, Bluesky and X epoch seconds, some a delta."""
    if not value:
        return None
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if number > 1_000_000_000:  # an epoch timestamp, not a delta
        return datetime.fromtimestamp(number, UTC)
    return datetime.fromtimestamp(now.timestamp() + number, UTC)


def raise_for_status(response: httpx.Response, now: datetime, platform_name: str) -> None:
    """Map an HTTP status to the connector errors; return quietly on success."""
    status = response.status_code
    if status < 400:
        return
    if status in (401, 403):
        raise AuthError(f"{platform_name} rejected the sign-in (HTTP {status}). Reconnect the account.")
    if status == 429:
        raise RateLimited(f"{platform_name} asked us to slow down (HTTP 429).", retry_after_seconds(response, now))
    if status >= 500 or status in (408, 425):
        raise TransientError(f"{platform_name} is having trouble (HTTP {status}); will retry.")
    raise TransientError(f"{platform_name} answered HTTP {status} unexpectedly; will retry.")


# --- one request, read safely (shared by every connector) ---------------------------------------


def send_capped(
    client: httpx.Client, request: httpx.Request, *, place: str, sending: bool = False
) -> tuple[httpx.Response, bytes]:
    """Send ``request`` and read at most ``MAX_BODY_BYTES`` of its answer.

    Network failures become connector errors that name only ``place`` (a host or a platform), never the URL:
    httpx's own errors carry the request, and some platforms (Telegram) put the token in the path.
    ``sending``: the request posts something, so trouble after it left means it may exist (``UncertainDelivery``).
    """
    after_send = UncertainDelivery if sending else TransientError
    try:
        response = client.send(request, stream=True)
        try:
            body = _read_capped(response, place)
        finally:
            response.close()
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol):
        raise TransientError(f"Could not reach {place}; will retry.") from None  # nothing left this computer
    except httpx.TimeoutException:
        raise after_send(f"{place} did not answer in time; will retry.") from None
    except httpx.HTTPError as exc:
        raise after_send(f"The connection to {place} broke ({type(exc).__name__}); will retry.") from None
    return response, body


def request_json(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    place: str,
    token: str | None = None,
    params: Mapping[str, str] | None = None,
    json_body: Mapping[str, Any] | None = None,
    form: Mapping[str, str] | None = None,
    sending: bool = False,
) -> tuple[httpx.Response, Any]:
    """Send one request (a bearer token only ever in its header) and decode the answer: the response and its JSON,
    or None where it is not JSON. For APIs whose error envelopes the caller reads itself, whatever the status."""
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    try:
        request = client.build_request(method, url, params=params, json=json_body, data=form, headers=headers)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        raise TransientError(f"The {place} server address in the settings is not usable.") from None
    response, raw = send_capped(client, request, place=place, sending=sending)
    return response, loads_json(raw)


def call_json(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    now: datetime,
    platform_name: str,
    token: str | None = None,
    params: httpx.QueryParams | None = None,
    json_body: Mapping[str, Any] | None = None,
    form: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    sending: bool = False,
    accept: Collection[int] = (),
) -> tuple[Any, httpx.Response]:
    """One request to a JSON API with a bearer token: its decoded answer and the response.

    Every failure becomes a connector error without the token. ``accept``: error statuses the caller reads itself
    (their JSON body, or ``None``) instead of raising.
    """
    all_headers = {"Accept": "application/json", **(headers or {})}
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"  # per request, never on the shared client
    request = client.build_request(method, url, params=params, json=json_body, data=form, headers=all_headers)
    host = request.url.host
    after_send = UncertainDelivery if sending else TransientError
    response, body = send_capped(client, request, place=host, sending=sending)
    if response.status_code in accept:
        return loads_json(body), response
    if sending and response.status_code in (502, 504):  # a gateway gave up: the server may still have posted
        raise UncertainDelivery(f"{platform_name} did not confirm the reply (HTTP {response.status_code}).")
    raise_for_status(response, now, platform_name)
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        shown = "a web page" if content_type == "text/html" else f"{content_type or 'untyped'} content"
        raise after_send(f"{host} answered with {shown} instead of data (HTTP {response.status_code}); will retry.")
    data = loads_json(body)
    if data is None:
        raise after_send(f"{host} sent malformed data (HTTP {response.status_code}); will retry.")
    return data, response


def rate_budget(response: httpx.Response, now: datetime) -> RateBudget | None:
    """``X-RateLimit-*`` (Mastodon: ISO reset) or ``RateLimit-*`` (Bluesky: epoch reset) headers, else None."""
    headers = response.headers

    def header(name: str) -> str | None:
        value: str | None = headers.get(f"X-RateLimit-{name}") or headers.get(f"RateLimit-{name}")
        return value

    budget = RateBudget(
        remaining=_count(header("Remaining")),
        limit=_count(header("Limit")),
        resets_at=parse_reset(header("Reset"), now),
    )
    return None if budget == RateBudget(None, None, None) else budget


def loads_json(body: bytes) -> Any:
    """Decoded JSON, or None for anything that is not (cut off, garbage, nested deep enough to exhaust the stack)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _read_capped(response: httpx.Response, place: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise TransientError(f"{place} sent an answer too large to read; will retry.")
        chunks.append(chunk)
    return b"".join(chunks)


def _count(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdigit() else None
