"""Mastodon (and API-compatible servers): mentions, replies and private mentions in; replies out.

Endpoints (``docs.joinmastodon.org``; contract-tested against the OpenAPI description in ``../shared/specs``):

- ``GET /api/v1/accounts/verify_credentials``: who the token belongs to.
- ``GET /api/v1/notifications?types[]=mention``: one mention notification per public mention, reply to the shop
  and private mention (``visibility: direct``), newest first, paginated by the ``Link`` header.
- ``POST /api/v1/statuses``: a reply, with an ``Idempotency-Key`` so a retried send is posted once.
- ``GET /api/v2/instance``: the server's own character limit.

The cursor is the highest notification id seen. The first poll back-fills the newest pages (``max_id`` paging,
``rel="next"``); later polls ask for ``min_id=<cursor>`` and follow ``rel="prev"`` (newer) until nothing newer is left,
so a burst larger than a page is never cut. Threads are not keyed here (``thread_key`` stays ``None``): every status
carries ``in_reply_to_id``, and storage follows that chain, for private mentions as much as for public replies.
Followers-only posts count as private: replying to them in public would show the customer's words to everyone.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from socialinbox.connectors.base import Rejected, TransientError, UncertainDelivery
from socialinbox.connectors.html_text import clean_text, html_to_text, safe_link
from socialinbox.connectors.http import MAX_BODY_BYTES, parse_reset, raise_for_status
from socialinbox.domain import (
    Clock,
    Direction,
    OutgoingReply,
    Platform,
    PollResult,
    RateBudget,
    RemoteAuthor,
    RemoteMessage,
    SentReply,
    SystemClock,
    Visibility,
)

NAME = "Mastodon"
PAGE_LIMIT = 40  # the server default; servers before 4.1 cap at 30, which the paging below copes with
BACKFILL_PAGES = 2
MAX_CATCH_UP_PAGES = 25  # past this the cursor still advances; the next poll carries on from there
DEFAULT_MAX_CHARACTERS = 500
DEFAULT_CHARACTERS_PER_URL = 23
_PRIVATE_VISIBILITIES = frozenset({"direct", "private"})
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_HOST = re.compile(r"[a-z0-9.-]+(:[0-9]{1,5})?|\[[0-9a-f:]+\](:[0-9]{1,5})?")


def normalize_instance_url(value: str) -> str:
    """``https://host`` from what the owner typed (``mastodon.social``, a URL); plain http only on this machine."""
    text = value.strip()
    parts = urlsplit(text if "://" in text else f"https://{text}")
    try:
        netloc = parts.netloc.encode("idna").decode("ascii").lower()  # internationalised names in their ASCII form
    except UnicodeError:
        raise ValueError(f"{value!r} is not a server address like mastodon.social") from None
    if (
        parts.scheme not in ("http", "https")
        or not _HOST.fullmatch(netloc)
        or parts.path.strip("/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError(f"{value!r} is not a server address like mastodon.social")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        raise ValueError("Mastodon servers must be reached over https; plain http is only for this computer")
    return f"{parts.scheme}://{netloc}"


@dataclasses.dataclass(frozen=True, slots=True)
class MastodonAccount:
    remote_id: str
    handle: str  # user@instance-host, without a leading "@"
    display_name: str


@dataclasses.dataclass(frozen=True, slots=True)
class InstanceLimits:
    max_characters: int = DEFAULT_MAX_CHARACTERS
    characters_per_url: int = DEFAULT_CHARACTERS_PER_URL  # every URL counts as this many, whatever its length


@dataclasses.dataclass(frozen=True, slots=True)
class _Page:
    items: list[Mapping[str, Any]]
    response: httpx.Response
    older_max_id: str | None  # from Link rel="next"
    newer_min_id: str | None  # from Link rel="prev"


@dataclasses.dataclass(frozen=True, slots=True)
class MastodonConnector:
    instance_url: str
    handle: str | None = None
    account_id: str | None = None  # the shop's own account: its statuses are the shop's replies
    clock: Clock = dataclasses.field(default_factory=SystemClock, compare=False, repr=False)
    platform: Platform = dataclasses.field(default=Platform.MASTODON, init=False)

    @property
    def host(self) -> str:
        return urlsplit(self.instance_url).netloc

    def verify(self, client: httpx.Client, token: str) -> str:
        return self.verify_account(client, token).handle

    def verify_account(self, client: httpx.Client, token: str) -> MastodonAccount:
        data, _ = self._call(client, "GET", "/api/v1/accounts/verify_credentials", token=token)
        try:
            return MastodonAccount(
                remote_id=_text(data, "id"),
                handle=self._full_handle(_text(data, "acct")),
                display_name=clean_text(data.get("display_name") or ""),
            )
        except (KeyError, TypeError, AttributeError):
            raise TransientError(f"{NAME} described the account in an unexpected shape; will retry.") from None

    def poll(self, client: httpx.Client, token: str, cursor: str | None) -> PollResult:
        pages = self._backfill(client, token) if cursor is None else self._catch_up(client, token, cursor)
        messages, highest, skipped = self._read_pages(pages)
        warnings = []
        if skipped:
            warnings.append(f"{skipped} {NAME} mention(s) could not be read and were skipped.")
        if cursor is None and len(pages) == BACKFILL_PAGES and len(pages[-1].items) >= PAGE_LIMIT:  # a full last page
            warnings.append(f"Imported the most recent {NAME} mentions; older ones stay on {NAME}.")
        if cursor is not None and (highest is None or _id_order(highest) < _id_order(cursor)):
            highest = cursor
        return PollResult(
            messages=tuple(messages),
            cursor=highest,
            rate_budget=rate_budget(pages[-1].response, self.clock.now()),
            warnings=tuple(warnings),
        )

    def send(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply:
        body: dict[str, str] = {
            "status": reply_text(reply, self.host),
            "visibility": "direct" if reply.visibility is Visibility.PRIVATE else "public",
        }
        if reply.in_reply_to:
            body["in_reply_to_id"] = reply.in_reply_to
        data, response = self._call(
            client,
            "POST",
            "/api/v1/statuses",
            token=token,
            json_body=body,
            headers={"Idempotency-Key": reply.idempotency_key},
            sending=True,
            accept=(404, 410, 422),
        )
        if response.status_code in (404, 410, 422):
            # For good: the text is refused (too long, blank) or the customer's post is gone. Retrying cannot help.
            detail = _error_detail(data) or f"HTTP {response.status_code}"
            raise Rejected(f"{NAME} refused the reply: {detail}")
        try:
            return SentReply(
                remote_id=_text(data, "id"),
                sent_at=_time(data["created_at"]),
                url=safe_link(data.get("url") or ""),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise UncertainDelivery(f"{NAME} accepted the reply but its answer could not be read.") from None

    def instance_limits(self, client: httpx.Client) -> InstanceLimits:
        """The server's own limits; defaults for servers too old to say (no ``/api/v2/instance``) or saying nonsense."""
        data, _ = self._call(client, "GET", "/api/v2/instance", accept=(404, 410))
        statuses = _dig(data, "configuration", "statuses")
        if not isinstance(statuses, dict):
            return InstanceLimits()
        return InstanceLimits(
            max_characters=_count(statuses.get("max_characters")) or DEFAULT_MAX_CHARACTERS,
            characters_per_url=_count(statuses.get("characters_reserved_per_url")) or DEFAULT_CHARACTERS_PER_URL,
        )

    def instance_character_limit(self, client: httpx.Client) -> int:
        return self.instance_limits(client).max_characters

    # --- paging ---------------------------------------------------------------------------------

    def _backfill(self, client: httpx.Client, token: str) -> list[_Page]:
        pages = [self._page(client, token, [])]
        while len(pages) < BACKFILL_PAGES and _moves(pages[-1], pages[-1].older_max_id, before=False):
            pages.append(self._page(client, token, [("max_id", str(pages[-1].older_max_id))]))
        return pages

    def _catch_up(self, client: httpx.Client, token: str, cursor: str) -> list[_Page]:
        pages = [self._page(client, token, [("min_id", cursor)])]
        while len(pages) < MAX_CATCH_UP_PAGES and _moves(pages[-1], pages[-1].newer_min_id, before=True):
            pages.append(self._page(client, token, [("min_id", str(pages[-1].newer_min_id))]))
        return pages

    def _page(self, client: httpx.Client, token: str, position: list[tuple[str, str]]) -> _Page:
        params = httpx.QueryParams([("types[]", "mention"), ("limit", str(PAGE_LIMIT)), *position])
        data, response = self._call(client, "GET", "/api/v1/notifications", token=token, params=params)
        if not isinstance(data, list):
            raise TransientError(f"{NAME} sent notifications in an unexpected shape; will retry.")
        # Only ids are taken from the Link header, never its URL: the token must not follow a link to another host.
        return _Page(
            items=[item for item in data if isinstance(item, dict)],
            response=response,
            older_max_id=_link_param(response, "next", "max_id"),
            newer_min_id=_link_param(response, "prev", "min_id"),
        )

    def _read_pages(self, pages: Sequence[_Page]) -> tuple[list[RemoteMessage], str | None, int]:
        seen_notifications: set[str] = set()
        by_status: dict[str, tuple[tuple[int, int, str], RemoteMessage]] = {}
        highest: str | None = None
        skipped = 0
        for item in (item for page in pages for item in page.items):
            notification_id = item.get("id")
            if not isinstance(notification_id, str):
                skipped += 1
                continue
            if notification_id in seen_notifications:  # pages overlap when mentions arrive while we page
                continue
            seen_notifications.add(notification_id)
            if highest is None or _id_order(notification_id) > _id_order(highest):
                highest = notification_id
            status = item.get("status")
            if item.get("type") != "mention" or status is None:
                continue  # a deleted status leaves its notification behind with no status: nothing to answer
            try:
                message = self._message(status)
            except (KeyError, TypeError, ValueError, AttributeError):
                skipped += 1
                continue
            by_status.setdefault(message.remote_id, (_id_order(notification_id), message))
        ordered = sorted(by_status.values(), key=lambda pair: pair[0])  # oldest first, as they happened
        return [message for _, message in ordered], highest, skipped

    # --- mapping --------------------------------------------------------------------------------

    def _message(self, status: Mapping[str, Any]) -> RemoteMessage:
        account = status["account"]
        rendered = html_to_text(_text(status, "content"))
        text = "\n\n".join(part for part in (_spoiler(status), rendered.text, _attachments(status)) if part)
        author = RemoteAuthor(
            remote_id=_text(account, "id"),
            handle=self._full_handle(_text(account, "acct")),
            display_name=clean_text(account.get("display_name") or ""),
            followers=_count(account.get("followers_count")),
        )
        private = _text(status, "visibility") in _PRIVATE_VISIBILITIES
        reply_to = status.get("in_reply_to_id")
        return RemoteMessage(
            remote_id=_text(status, "id"),
            author=author,
            text=text,
            sent_at=_time(status["created_at"]),
            visibility=Visibility.PRIVATE if private else Visibility.PUBLIC,
            direction=Direction.OUTBOUND if author.remote_id == self.account_id else Direction.INBOUND,
            in_reply_to=reply_to if isinstance(reply_to, str) else None,
            url=safe_link(status.get("url") or status.get("uri") or ""),
            links=rendered.links,
        )

    def _full_handle(self, acct: str) -> str:
        """Local accounts come as ``user``: the full ``user@host`` names them everywhere else too."""
        acct = clean_text(acct).strip().lstrip("@")
        return acct if "@" in acct else f"{acct}@{self.host}"

    def _call(self, client: httpx.Client, method: str, path: str, **options: Any) -> tuple[Any, httpx.Response]:
        return call_json(client, method, self.instance_url + path, now=self.clock.now(), **options)


def build_mastodon(settings: Mapping[str, Any], clock: Clock) -> MastodonConnector:
    """The connector for one stored account (settings: ``instance_url``, optional ``handle`` and ``account_id``)."""
    instance = settings.get("instance_url")
    if not isinstance(instance, str):
        raise ValueError("a Mastodon account needs its instance_url setting")
    handle, account_id = settings.get("handle"), settings.get("account_id")
    return MastodonConnector(
        instance_url=normalize_instance_url(instance),
        handle=handle if isinstance(handle, str) else None,
        account_id=str(account_id) if account_id is not None else None,
        clock=clock,
    )


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


# --- HTTP plumbing (shared with mastodon_auth) -------------------------------------------------


def call_json(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    now: datetime,
    token: str | None = None,
    params: httpx.QueryParams | None = None,
    json_body: Mapping[str, Any] | None = None,
    form: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    sending: bool = False,
    accept: Collection[int] = (),
) -> tuple[Any, httpx.Response]:
    """One request, its JSON answer and the response; every failure becomes a connector error without the token.

    ``sending``: the request posts something, so trouble after it left means the post may exist (``UncertainDelivery``).
    ``accept``: error statuses the caller reads itself (their JSON body or ``None``) instead of raising.
    """
    all_headers = {"Accept": "application/json", **(headers or {})}
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"  # per request, never on the shared client
    request = client.build_request(method, url, params=params, json=json_body, data=form, headers=all_headers)
    host = request.url.host
    after_send = UncertainDelivery if sending else TransientError
    try:
        response = client.send(request, stream=True)
        try:
            body = _read_capped(response, host)
        finally:
            response.close()
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol):
        raise TransientError(f"Could not connect to {host}; will retry.") from None
    except httpx.TimeoutException:
        raise after_send(f"{host} did not answer in time; will retry.") from None
    except httpx.HTTPError as exc:
        raise after_send(f"The connection to {host} failed ({type(exc).__name__}); will retry.") from None
    if response.status_code in accept:
        return _loads(body), response
    if sending and response.status_code in (502, 504):  # a gateway gave up: the server may still have posted
        raise UncertainDelivery(f"{NAME} did not confirm the reply (HTTP {response.status_code}).")
    raise_for_status(response, now, NAME)
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        shown = "a web page" if content_type == "text/html" else f"{content_type or 'untyped'} content"
        raise after_send(f"{host} answered with {shown} instead of data (HTTP {response.status_code}); will retry.")
    data = _loads(body)
    if data is None:
        raise after_send(f"{host} sent malformed data (HTTP {response.status_code}); will retry.")
    return data, response


def rate_budget(response: httpx.Response, now: datetime) -> RateBudget | None:
    """Mastodon's ``X-RateLimit-*`` headers; the reset is an ISO time, not epoch seconds."""
    budget = RateBudget(
        remaining=_count(response.headers.get("X-RateLimit-Remaining")),
        limit=_count(response.headers.get("X-RateLimit-Limit")),
        resets_at=parse_reset(response.headers.get("X-RateLimit-Reset"), now),
    )
    return None if budget == RateBudget(None, None, None) else budget


def _read_capped(response: httpx.Response, host: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise TransientError(f"{host} sent an answer too large to read; will retry.")
        chunks.append(chunk)
    return b"".join(chunks)


def _loads(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: JSON nested deep enough to exhaust the stack
        return None


def _link_param(response: httpx.Response, rel: str, name: str) -> str | None:
    url = response.links.get(rel, {}).get("url")
    values = parse_qs(urlsplit(url).query).get(name) if url else None
    return values[0] if values else None


def _moves(page: _Page, bound: str | None, *, before: bool) -> bool:
    """Whether to fetch the page past ``bound``: this one had items and the bound lies beyond all of them.

    ``before``: paging towards newer items (``min_id``). The check keeps a confused server from looping us.
    """
    ids = [_id_order(item["id"]) for item in page.items if isinstance(item.get("id"), str)]
    if bound is None or not ids:
        return False
    return _id_order(bound) >= max(ids) if before else _id_order(bound) <= min(ids)


def _id_order(value: str) -> tuple[int, int, str]:
    """Mastodon ids are numeric strings past 2**53: compare them as numbers; other servers' by length, then text."""
    if value.isascii() and value.isdigit():
        return (0, int(value), "")
    return (1, len(value), value)


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise TypeError(f"{key} is not text")
    return value


def _time(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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


def _count(value: Any) -> int | None:
    """A non-negative count from JSON or a header, else None."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _error_detail(data: Any) -> str:
    message = data.get("error") if isinstance(data, dict) else None
    return clean_text(message).strip()[:200] if isinstance(message, str) else ""
