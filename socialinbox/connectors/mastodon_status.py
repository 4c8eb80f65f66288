"""Mastodon's JSON entities as domain values: statuses become plain-text messages; replies name their customer.

Pure functions, no I/O, so the connector (``mastodon.py``) is left with requests and paging.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from socialinbox.connectors.html_text import clean_text, html_to_text, safe_link
from socialinbox.domain import Direction, OutgoingReply, RemoteAuthor, RemoteMessage, Visibility

# Followers-only posts count as private: replying to them in public would show the customer's words to everyone.
_PRIVATE_VISIBILITIES = frozenset({"direct", "private"})


def status_message(status: Mapping[str, Any], host: str, shop_account_id: str | None) -> RemoteMessage:
    """One status as a message; the shop's own statuses are outbound. Raises KeyError/TypeError/ValueError if odd."""
    account = status["account"]
    rendered = html_to_text(text_field(status, "content"))
    text = "\n\n".join(part for part in (_spoiler(status), rendered.text, _attachments(status)) if part)
    author = RemoteAuthor(
        remote_id=text_field(account, "id"),
        handle=full_handle(text_field(account, "acct"), host),
        display_name=clean_text(account.get("display_name") or ""),
        followers=count(account.get("followers_count")),
    )
    private = text_field(status, "visibility") in _PRIVATE_VISIBILITIES
    reply_to = status.get("in_reply_to_id")
    return RemoteMessage(
        remote_id=text_field(status, "id"),
        author=author,
        text=text,
        sent_at=parse_time(status["created_at"]),
        visibility=Visibility.PRIVATE if private else Visibility.PUBLIC,
        direction=Direction.OUTBOUND if author.remote_id == shop_account_id else Direction.INBOUND,
        in_reply_to=reply_to if isinstance(reply_to, str) else None,
        url=safe_link(status.get("url") or status.get("uri") or ""),
        links=rendered.links,
    )


def full_handle(acct: str, host: str) -> str:
    """Local accounts come as ``user``: the full ``user@host`` names them everywhere else too."""
    acct = clean_text(acct).strip().lstrip("@")
    return acct if "@" in acct else f"{acct}@{host}"


def reply_text(reply: OutgoingReply, instance_host: str) -> str:
    """The text as it will be posted: it must name the customer, or a direct reply reaches nobody.

    Public replies get the mention too, as every Mastodon app prefills it: without it the customer is not notified.
    """
    recipient = reply.recipient
    if recipient is None:
        if reply.visibility is Visibility.PRIVATE:
            raise ValueError("a direct reply needs its recipient: without a mention nobody can read it")
        return reply.text
    handle = recipient.handle.strip().lstrip("@")
    if _mentions(reply.text, handle, instance_host):
        return reply.text
    return f"@{handle} {reply.text}"


def _mentions(text: str, handle: str, instance_host: str) -> bool:
    user, _, domain = handle.partition("@")
    forms = [handle] + ([user] if domain.lower() in ("", instance_host.lower()) else [])
    return any(
        re.search(rf"(?<![\w@]){re.escape('@' + form)}(?![\w@-]|\.\w)", text, flags=re.IGNORECASE) for form in forms
    )


# --- the cursor -------------------------------------------------------------------------------------


def split_cursor(cursor: str | None) -> tuple[str | None, str | None]:
    """``"<notification id>|<own status id>"`` -> both parts; a bare id (older versions) is the notification part."""
    if not cursor:
        return None, None
    mentions, _, own = cursor.partition("|")
    return mentions or None, own or None


def join_cursor(mentions: str | None, own: str | None) -> str | None:
    if own is None:
        return mentions
    return f"{mentions or ''}|{own}"


def id_order(value: str) -> tuple[int, int, str]:
    """Mastodon ids are numeric strings past 2**53: compare them as numbers; other servers' by length, then text."""
    if value.isascii() and value.isdigit():
        return (0, int(value), "")
    return (1, len(value), value)


def newest(current: str | None, candidate: str) -> str:
    return candidate if current is None or id_order(candidate) > id_order(current) else current


# --- small readers ----------------------------------------------------------------------------------


def text_field(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise TypeError(f"{key} is not text")
    return value


def parse_time(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def count(value: Any) -> int | None:
    """A non-negative count from JSON or a header, else None."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def error_detail(data: Any) -> str:
    message = data.get("error") if isinstance(data, dict) else None
    return clean_text(message).strip()[:200] if isinstance(message, str) else ""


def _spoiler(status: Mapping[str, Any]) -> str:
    warning = clean_text(status.get("spoiler_text") or "").strip()
    return f"CW: {warning}" if warning else ""


def _attachments(status: Mapping[str, Any]) -> str:
    """Name what was attached (never fetched), so a photo of a broken product is not silently missing."""
    lines = []
    for media in status.get("media_attachments") or []:
        kind = clean_text(str(media.get("type") or "file"))
        description = clean_text(str(media.get("description") or "")).strip()
        lines.append(f"[{kind} attached: {description}]" if description else f"[{kind} attached]")
    return "\n".join(lines)
