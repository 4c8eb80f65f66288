"""The one place that builds httpx clients and reads what platforms say about rate limits."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from socialinbox import __version__
from socialinbox.connectors.base import AuthError, RateLimited, TransientError

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
