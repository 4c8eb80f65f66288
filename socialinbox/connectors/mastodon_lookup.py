"""Mastodon: is a reply already posted, and is a customer's status still there? (exactly-once delivery)

- ``GET /api/v1/statuses/:id/context``: the answers under the customer's status (``descendants``); the shop's reply
  to it with the same text is the one an uncertain attempt posted.
- ``GET /api/v1/accounts/:id/statuses``: the shop's latest statuses, for a direct message that answers nothing.
- ``GET /api/v1/statuses/:id``: 404 or 410 once the customer deleted it.

Texts are compared without mentions and with whitespace squashed: the server renders ``@anna@other.social`` as
``@anna`` and wraps the text in paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from socialinbox.connectors.base import TransientError
from socialinbox.connectors.html_text import html_to_text, safe_link
from socialinbox.connectors.mastodon_status import full_handle, parse_time, reply_text
from socialinbox.domain import OutgoingReply, SentReply

Call = Callable[..., tuple[Any, httpx.Response]]  # the connector's ``_call``: (client, method, path, **options)
RECENT_STATUSES = 40
_MENTION = re.compile(r"(?<![\w@])@[\w.-]+(?:@[\w.-]+\w)?")
_GONE = (404, 410)


def find_sent(
    call: Call,
    host: str,
    shop_id: str | None,
    shop_handle: str | None,
    client: httpx.Client,
    token: str,
    reply: OutgoingReply,
) -> SentReply | None:
    """The shop's status that is this reply (same parent, same text), or ``None`` when the platform has none."""
    expected = comparable(reply_text(reply, host))
    if reply.in_reply_to:
        path = f"/api/v1/statuses/{quote(reply.in_reply_to, safe='')}/context"
        data, response = call(client, "GET", path, token=token, accept=_GONE)
        if response.status_code in _GONE or not isinstance(data, dict):
            return None
        candidates = [s for s in _dicts(data.get("descendants")) if s.get("in_reply_to_id") == reply.in_reply_to]
    else:
        shop_id = shop_id or _own_id(call, client, token)
        params = httpx.QueryParams({"limit": str(RECENT_STATUSES)})
        data, _ = call(
            client, "GET", f"/api/v1/accounts/{quote(shop_id, safe='')}/statuses", token=token, params=params
        )
        candidates = list(_dicts(data))
    for status in candidates:
        if _by_shop(status, host, shop_id, shop_handle) and comparable(_text(status)) == expected:
            return _sent(status)
    return None


def original_exists(call: Call, client: httpx.Client, token: str, remote_id: str) -> bool:
    _, response = call(client, "GET", f"/api/v1/statuses/{quote(remote_id, safe='')}", token=token, accept=_GONE)
    return response.status_code not in _GONE


def comparable(text: str) -> str:
    return " ".join(_MENTION.sub(" ", text).split()).casefold()


def _own_id(call: Call, client: httpx.Client, token: str) -> str:
    data, _ = call(client, "GET", "/api/v1/accounts/verify_credentials", token=token)
    own = data.get("id") if isinstance(data, dict) else None
    if not isinstance(own, str):
        raise TransientError("Mastodon did not say which account this is; will retry.")
    return own


def _dicts(value: object) -> Iterable[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _by_shop(status: Mapping[str, Any], host: str, shop_id: str | None, shop_handle: str | None) -> bool:
    account = status.get("account")
    if not isinstance(account, dict):
        return False
    if shop_id is not None:
        return account.get("id") == shop_id
    acct = account.get("acct")
    wanted = full_handle(shop_handle or "", host).casefold()
    return isinstance(acct, str) and bool(shop_handle) and full_handle(acct, host).casefold() == wanted


def _text(status: Mapping[str, Any]) -> str:
    content = status.get("content")
    return html_to_text(content).text if isinstance(content, str) else ""


def _sent(status: Mapping[str, Any]) -> SentReply | None:
    status_id, created = status.get("id"), status.get("created_at")
    if not isinstance(status_id, str):
        return None
    try:
        sent_at = parse_time(created)
    except (TypeError, ValueError):
        return None
    url = status.get("url")
    return SentReply(status_id, sent_at, safe_link(url) if isinstance(url, str) else None)
