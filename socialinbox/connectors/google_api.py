"""The Google APIs wire for the Google reviews connector and its set-up: one request, and Google's error envelope.

Every Google API answers errors as ``{"error": {"code", "message", "status", "details"}}`` (``status`` is the
``google.rpc.Code`` name: ``UNAUTHENTICATED``, ``PERMISSION_DENIED``, ``RESOURCE_EXHAUSTED`` ...; ``details`` may hold
an ``ErrorInfo`` with a ``reason`` and ``metadata``). What each means for the owner:

- 401 ``UNAUTHENTICATED``: the access token lapsed or was revoked (``TokenRejected``: renew it once, then ask to sign
  in again);
- 403 ``PERMISSION_DENIED``: the API is not enabled or not approved for the owner's Google Cloud project, the sign-in
  lacks the scope, or the signed-in person does not manage the location;
- 429 ``RESOURCE_EXHAUSTED``: slow down (no reset header: back off). A project whose Business Profile API access was
  never approved has a quota of 0, so every call is refused this way; that limit (``quota_limit_value`` "0") is said
  as what it is, not waited out;
- 404 ``NOT_FOUND``: the review or the location is gone (``Gone``);
- 400 and the rest: refused for good when sending, worth a retry when reading; 5xx and the network: transient.

The token travels only in the ``Authorization`` header; Google's text is scrubbed of it anyway before it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
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
from socialinbox.connectors.http import request_json, retry_after_seconds

NAME = "Google"
DEFAULT_BACKOFF_S = 120.0  # Google's quotas are per minute and it never says when they reset
NOT_APPROVED = (
    "Google has not approved the Business Profile API for your Google Cloud project yet (until it does, the quota is "
    '0 and every request is refused). Request access at developers.google.com/my-business ("Prerequisites"), '
    "enable the My Business APIs in the Google Cloud console once approved, then sign in again."
)
_NOT_APPROVED_REASONS = frozenset({"SERVICE_DISABLED", "API_DISABLED", "CONSUMER_INVALID"})
_SCOPE_REASONS = frozenset({"ACCESS_TOKEN_SCOPE_INSUFFICIENT", "INSUFFICIENT_SCOPES"})


class TokenRejected(AuthError):
    """Google refused the access token (HTTP 401): it lapsed early or was revoked; renew it once and try again."""


class Gone(Rejected):
    """The review or location no longer exists, or the signed-in person can no longer see it (404)."""


def google_call(
    client: httpx.Client,
    method: str,
    url: str,
    token: str,
    *,
    now: datetime,
    params: Mapping[str, str] | None = None,
    json_body: Mapping[str, Any] | None = None,
    sending: bool = False,
) -> Any:
    """The decoded answer of one Google API request, or a connector error that never names the token or the URL."""
    response, body = request_json(
        client, method, url, place=NAME, token=token, params=params, json_body=json_body, sending=sending
    )
    if response.status_code < 400 and isinstance(body, dict) and "error" not in body:
        return body
    raise google_error(response, body, token, now=now, sending=sending)


def google_error(response: httpx.Response, body: Any, token: str, *, now: datetime, sending: bool) -> ConnectorError:
    status = response.status_code
    error = body.get("error") if isinstance(body, dict) else None
    if status < 400:
        return _trouble(f"{NAME} sent an answer that could not be read (HTTP {status})", sending)
    if not isinstance(error, dict):
        return _without_envelope(response, now, sending)
    code = str(error.get("status") or "")
    said = _said(error, token) or code or f"HTTP {status}"
    refused = Rejected if sending else AuthError  # polling stops until the owner acts; a send fails for good
    if status == 401 or code == "UNAUTHENTICATED":
        return TokenRejected(f"{NAME} no longer accepts the sign-in ({said}). Sign in to Google again.")
    if status == 429 or code == "RESOURCE_EXHAUSTED":
        if _quota_is_zero(error):
            return refused(NOT_APPROVED)
        seconds = retry_after_seconds(response, now, DEFAULT_BACKOFF_S)
        waiting = max(1, round(seconds / 60))
        return RateLimited(f"{NAME} asked us to slow down ({said}); waiting {waiting} min.", seconds)
    if status == 403 or code == "PERMISSION_DENIED":
        return refused(_permission_text(error, said))
    if status == 404 or code == "NOT_FOUND":
        return Gone(f"{NAME} no longer has this review or location ({said}).")
    if status >= 500:
        return _trouble(f"{NAME} is having trouble ({said})", sending)
    if sending:
        return Rejected(f"{NAME} refused the reply: {said}")
    return TransientError(f"{NAME} answered an error ({said}); will retry.")


def _without_envelope(response: httpx.Response, now: datetime, sending: bool) -> ConnectorError:
    """An error without Google's envelope came from something in between (a proxy, a captive portal)."""
    status = response.status_code
    if status == 401:
        return TokenRejected(f"{NAME} no longer accepts the sign-in (HTTP 401). Sign in to Google again.")
    if status == 429:
        seconds = retry_after_seconds(response, now, DEFAULT_BACKOFF_S)
        return RateLimited(f"{NAME} asked us to slow down (HTTP 429).", seconds)
    # Below 500 the request was refused before it reached Google, so nothing was posted.
    return _trouble(f"{NAME} answered HTTP {status} without saying why", sending and status >= 500)


def _permission_text(error: Mapping[str, Any], said: str) -> str:
    reasons = {info.get("reason") for info in _error_infos(error)}
    if reasons & _NOT_APPROVED_REASONS or "has not been used in project" in said or "is disabled" in said:
        return f"{NOT_APPROVED} ({said})"
    if reasons & _SCOPE_REASONS:
        return f"{NAME} refused: the sign-in may not manage your Business Profile ({said}). Sign in again and allow it."
    return (
        f"{NAME} refused ({said}). The Google account you signed in with must own or manage this Business Profile, "
        f"and the Business Profile API must be approved for your Google Cloud project."
    )


def _quota_is_zero(error: Mapping[str, Any]) -> bool:
    for info in _error_infos(error):
        metadata = info.get("metadata")
        if isinstance(metadata, dict) and str(metadata.get("quota_limit_value", "")) == "0":
            return True
    return False


def _error_infos(error: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    details = error.get("details")
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []


def _said(error: Mapping[str, Any], token: str) -> str:
    message = error.get("message")
    text = clean_text(message) if isinstance(message, str) else ""
    return (text.replace(token, "<token>") if token else text)[:300]


def _trouble(what: str, sending: bool) -> TransientError:
    if sending:
        return UncertainDelivery(f"{what} after the reply went out; it may be posted.")
    return TransientError(f"{what}; will retry.")
