"""Mastodon (and API-compatible servers): mentions, replies and private mentions in; replies out.

Endpoints (``docs.joinmastodon.org``; contract-tested against the OpenAPI description in ``../shared/specs``):

- ``GET /api/v1/accounts/verify_credentials``: who the token belongs to.
- ``GET /api/v1/notifications?types[]=mention``: one mention notification per public mention, reply to the shop
  and private mention (``visibility: direct``), newest first, paginated by the ``Link`` header.
- ``POST /api/v1/statuses``: a reply, with an ``Idempotency-Key`` so a retried send is posted once.
- ``GET /api/v1/accounts/:id/statuses``: the shop's own recent statuses, so replies posted from any other app show
  up as the shop's replies and stop the customer's clock (storage keeps only those that answer a stored message).
- ``GET /api/v2/instance``: the server's own character limit.

The cursor is ``"<highest notification id>|<highest own status id>"`` (a bare notification id from older versions
still works). Both lists page the same way: the first poll back-fills the newest pages (``max_id`` paging,
``rel="next"``); later polls ask for ``min_id=<cursor>`` and follow ``rel="prev"`` (newer) until nothing newer is left,
so a burst larger than a page is never cut. Threads are not keyed here (``thread_key`` stays ``None``): every status
carries ``in_reply_to_id``, and storage follows that chain, for private mentions as much as for public replies.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from socialinbox.connectors import mastodon_lookup
from socialinbox.connectors.base import RateLimited, Rejected, TransientError, UncertainDelivery
from socialinbox.connectors.html_text import clean_text, safe_link
from socialinbox.connectors.http import call_json, rate_budget
from socialinbox.connectors.mastodon_status import (
    count,
    error_detail,
    full_handle,
    id_order,
    join_cursor,
    newest,
    parse_time,
    reply_text,
    split_cursor,
    status_message,
    text_field,
)
from socialinbox.domain import (
    Clock,
    Direction,
    OutgoingReply,
    Platform,
    PollResult,
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
_MENTIONS = "/api/v1/notifications"
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
                remote_id=text_field(data, "id"),
                handle=full_handle(text_field(data, "acct"), self.host),
                display_name=clean_text(data.get("display_name") or ""),
            )
        except (KeyError, TypeError, AttributeError):
            raise TransientError(f"{NAME} described the account in an unexpected shape; will retry.") from None

    def poll(self, client: httpx.Client, token: str, cursor: str | None) -> PollResult:
        mentions_cursor, own_cursor = split_cursor(cursor)
        pages = self._pages(client, token, _MENTIONS, mentions_cursor)
        messages, highest, skipped = self._read_mentions(pages)
        warnings = []
        if skipped:
            warnings.append(f"{skipped} {NAME} mention(s) could not be read and were skipped.")
        if mentions_cursor is None and len(pages) == BACKFILL_PAGES and len(pages[-1].items) >= PAGE_LIMIT:
            warnings.append(f"Imported the most recent {NAME} mentions; older ones stay on {NAME}.")
        highest = newest(highest, mentions_cursor) if mentions_cursor is not None else highest
        last_response = pages[-1].response
        if self.account_id is not None:
            own_pages = self._pages(client, token, f"/api/v1/accounts/{self.account_id}/statuses", own_cursor)
            replies, own_cursor = self._read_own_replies(own_pages, own_cursor)
            messages = sorted([*messages, *replies], key=lambda message: message.sent_at)
            last_response = own_pages[-1].response
        return PollResult(
            messages=tuple(messages),
            cursor=join_cursor(highest, own_cursor),
            rate_budget=rate_budget(last_response, self.clock.now()),
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
            detail = error_detail(data) or f"HTTP {response.status_code}"
            raise Rejected(f"{NAME} refused the reply: {detail}")
        try:
            return SentReply(
                remote_id=text_field(data, "id"),
                sent_at=parse_time(data["created_at"]),
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
            max_characters=count(statuses.get("max_characters")) or DEFAULT_MAX_CHARACTERS,
            characters_per_url=count(statuses.get("characters_reserved_per_url")) or DEFAULT_CHARACTERS_PER_URL,
        )

    def instance_character_limit(self, client: httpx.Client) -> int:
        return self.instance_limits(client).max_characters

    def find_sent(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply | None:
        """The reply as an earlier, uncertain attempt posted it, if it did (see ``mastodon_lookup``)."""
        return mastodon_lookup.find_sent(self._call, self.host, self.account_id, self.handle, client, token, reply)

    def original_exists(self, client: httpx.Client, token: str, remote_id: str) -> bool:
        return mastodon_lookup.original_exists(self._call, client, token, remote_id)

    # --- paging ---------------------------------------------------------------------------------

    def _pages(self, client: httpx.Client, token: str, path: str, cursor: str | None) -> list[_Page]:
        """Back-fill (no cursor) the newest pages, else every page newer than ``cursor``."""
        if cursor is None:
            pages = [self._page(client, token, path, [])]
            while len(pages) < BACKFILL_PAGES and _moves(pages[-1], pages[-1].older_max_id, before=False):
                pages.append(self._page(client, token, path, [("max_id", str(pages[-1].older_max_id))]))
            return pages
        pages = [self._page(client, token, path, [("min_id", cursor)])]
        while len(pages) < MAX_CATCH_UP_PAGES and _moves(pages[-1], pages[-1].newer_min_id, before=True):
            try:
                pages.append(self._page(client, token, path, [("min_id", str(pages[-1].newer_min_id))]))
            except (TransientError, RateLimited):
                # Keep what came in: these pages are the oldest unseen, so the cursor may move past them. Failing
                # the whole poll instead meant a long backlog on a flaky network never caught up (R8).
                break
        return pages

    def _page(self, client: httpx.Client, token: str, path: str, position: list[tuple[str, str]]) -> _Page:
        filters = [("types[]", "mention")] if path == _MENTIONS else [("exclude_reblogs", "true")]
        params = httpx.QueryParams([*filters, ("limit", str(PAGE_LIMIT)), *position])
        data, response = self._call(client, "GET", path, token=token, params=params)
        if not isinstance(data, list):
            raise TransientError(f"{NAME} sent a list in an unexpected shape; will retry.")
        # Only ids are taken from the Link header, never its URL: the token must not follow a link to another host.
        return _Page(
            items=[item for item in data if isinstance(item, dict)],
            response=response,
            older_max_id=_link_param(response, "next", "max_id"),
            newer_min_id=_link_param(response, "prev", "min_id"),
        )

    def _read_mentions(self, pages: Sequence[_Page]) -> tuple[list[RemoteMessage], str | None, int]:
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
            highest = newest(highest, notification_id)
            status = item.get("status")
            if item.get("type") != "mention" or status is None:
                continue  # a deleted status leaves its notification behind with no status: nothing to answer
            try:
                message = status_message(status, self.host, self.account_id)
            except (KeyError, TypeError, ValueError, AttributeError):
                skipped += 1
                continue
            by_status.setdefault(message.remote_id, (id_order(notification_id), message))
        ordered = sorted(by_status.values(), key=lambda pair: pair[0])  # oldest first, as they happened
        return [message for _, message in ordered], highest, skipped

    def _read_own_replies(self, pages: Sequence[_Page], cursor: str | None) -> tuple[list[RemoteMessage], str | None]:
        """The shop's replies among its own statuses (its other posts answer nobody) and the new own-status cursor."""
        replies: list[RemoteMessage] = []
        highest = cursor
        for status in (item for page in pages for item in page.items):
            if isinstance(status.get("id"), str):
                highest = newest(highest, status["id"])
            if not isinstance(status.get("in_reply_to_id"), str):
                continue
            try:
                message = status_message(status, self.host, self.account_id)
            except (KeyError, TypeError, ValueError, AttributeError):
                continue  # one unreadable post of the shop's own must not hold up the customers' messages
            if message.direction is Direction.OUTBOUND:
                replies.append(message)
        return replies, highest

    def _call(self, client: httpx.Client, method: str, path: str, **options: Any) -> tuple[Any, httpx.Response]:
        return call_json(client, method, self.instance_url + path, now=self.clock.now(), platform_name=NAME, **options)


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


def _link_param(response: httpx.Response, rel: str, name: str) -> str | None:
    url = response.links.get(rel, {}).get("url")
    values = parse_qs(urlsplit(url).query).get(name) if url else None
    return values[0] if values else None


def _moves(page: _Page, bound: str | None, *, before: bool) -> bool:
    """Whether to fetch the page past ``bound``: this one had items and the bound lies beyond all of them.

    ``before``: paging towards newer items (``min_id``). The check keeps a confused server from looping us.
    """
    ids = [id_order(item["id"]) for item in page.items if isinstance(item.get("id"), str)]
    if bound is None or not ids:
        return False
    return id_order(bound) >= max(ids) if before else id_order(bound) <= min(ids)


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data
