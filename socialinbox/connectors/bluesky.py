"""Bluesky (AT Protocol): mentions, replies, quotes and direct messages in; replies and direct messages out.

Endpoints, all XRPC on the account's PDS (``pdsUrl`` of the stored sign-in, from the DID document):

- ``app.bsky.notification.listNotifications?reasons=mention&reasons=reply&reasons=quote``: newest first; its
  ``cursor`` pages backwards only, so each poll walks back until it reaches what the last poll saw.
- ``app.bsky.feed.getAuthorFeed?filter=posts_with_replies``: the shop's own replies, including those written in the
  Bluesky app, so they show in the thread and stop the clock.
- ``chat.bsky.convo.*`` for direct messages (see ``bluesky_chat``), with the ``atproto-proxy`` header.
- ``app.bsky.feed.getPosts`` (the parent's cid and the thread root at send time), ``com.atproto.identity.resolveHandle``
  (mention facets), ``com.atproto.repo.createRecord`` (the reply post), ``com.atproto.server.getSession`` (verify).

The cursor is a small JSON object: ``n`` and ``o``, the newest ``indexedAt`` seen among the notifications and the
shop's own posts (each walk goes back to ``OVERLAP`` before it, because a post's sort time is the earlier of its
claimed and its indexed time, and storage drops what it has already), and ``c``, the chat log cursor. Sessions are
refreshed in memory (``bluesky_session``); ``rotated_token`` hands a refreshed sign-in back to be stored.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from socialinbox.connectors.base import TransientError
from socialinbox.connectors.bluesky_chat import (
    NO_DM_ACCESS,
    ChatReader,
    NoDmAccess,
    chat_convo_id,
    find_sent_message,
    is_chat,
    send_chat,
)
from socialinbox.connectors.bluesky_facets import build_facets
from socialinbox.connectors.bluesky_posts import (
    DEFAULT_WEB_URL,
    INBOX_REASONS,
    indexed_at,
    is_post_uri,
    parse_time,
    post_message,
)
from socialinbox.connectors.bluesky_reply import (
    check_length,
    fetch_post,
    find_sent_post,
    handle_resolver,
    iso_time,
    post_reply,
)
from socialinbox.connectors.bluesky_session import (
    DEFAULT_PLC,
    BlueskySession,
    SignedIn,
    new_session_cache,
    normalize_service_url,
)
from socialinbox.connectors.bluesky_xrpc import CHAT_PROXY, NAME
from socialinbox.connectors.session_cache import SessionCache
from socialinbox.domain import (
    Clock,
    OutgoingReply,
    Platform,
    PollResult,
    RemoteMessage,
    SentReply,
    SystemClock,
    Visibility,
)

PAGE_LIMIT = 100
BACKFILL = timedelta(days=7)
OVERLAP = timedelta(minutes=10)
MAX_PAGES = 20  # 2000 items in one poll; past that the newest are kept and the owner is told
_Json = Mapping[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class PollCursor:
    notifications: datetime | None = None
    own_posts: datetime | None = None
    chat: str | None = None

    def dump(self) -> str:
        data = {"v": 1, "n": _iso(self.notifications), "o": _iso(self.own_posts), "c": self.chat}
        return json.dumps({key: value for key, value in data.items() if value is not None}, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str | None) -> PollCursor:
        """The stored cursor; an unreadable one starts over (the back-fill repeats, storage drops the duplicates)."""
        try:
            data = json.loads(text) if text else {}
        except (ValueError, RecursionError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        chat = data.get("c")
        return cls(parse_time(data.get("n")), parse_time(data.get("o")), chat if isinstance(chat, str) else None)


@dataclasses.dataclass(frozen=True, slots=True)
class _Walk:
    items: tuple[_Json, ...]
    newest: datetime | None
    capped: bool


@dataclasses.dataclass(frozen=True, slots=True)
class BlueskyConnector:
    handle: str | None = None
    plc_url: str = DEFAULT_PLC
    web_url: str = DEFAULT_WEB_URL
    chat_proxy: str = CHAT_PROXY
    direct_messages: bool = True
    clock: Clock = dataclasses.field(default_factory=SystemClock, compare=False, repr=False)
    sessions: SessionCache[BlueskySession] = dataclasses.field(
        default_factory=new_session_cache, compare=False, repr=False
    )
    platform: Platform = dataclasses.field(default=Platform.BLUESKY, init=False)

    def verify(self, client: httpx.Client, token: str) -> str:
        answer = self._api(client, token).query("com.atproto.server.getSession")
        handle = answer.data.get("handle")
        if not isinstance(handle, str) or not handle:
            raise TransientError(f"{NAME} described the account in an unexpected shape; will retry.")
        return handle

    def rotated_token(self, token: str) -> str | None:
        """The sign-in to store instead of ``token`` after this run refreshed it (refresh tokens rotate)."""
        return self.sessions.rotated_token(token)

    def poll(self, client: httpx.Client, token: str, cursor: str | None) -> PollResult:
        api = self._api(client, token)
        state = PollCursor.parse(cursor)
        horizon = self.clock.now() - BACKFILL
        notes = self._walk(
            api,
            "app.bsky.notification.listNotifications",
            "notifications",
            state.notifications,
            horizon,
            {"reasons": list(INBOX_REASONS), "limit": PAGE_LIMIT},
        )
        own = self._walk(
            api,
            "app.bsky.feed.getAuthorFeed",
            "feed",
            state.own_posts,
            horizon,
            {"actor": api.did, "filter": "posts_with_replies", "limit": PAGE_LIMIT},
        )
        messages, skipped = self._read_posts(api.did, notes.items, own.items)
        chat_messages, chat_cursor, warnings = self._chats(api, state.chat, horizon)
        if notes.capped or own.capped:
            warnings.append(f"A very large burst of {NAME} notifications: only the newest were imported.")
        if skipped:
            warnings.append(f"{skipped} {NAME} item(s) could not be read and were skipped.")
        next_state = PollCursor(
            _later(state.notifications, notes.newest), _later(state.own_posts, own.newest), chat_cursor
        )
        return PollResult(
            messages=(*messages, *chat_messages),
            cursor=next_state.dump(),
            rate_budget=api.budget,
            warnings=tuple(warnings),
        )

    def send(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply:
        api = self._api(client, token)
        if not is_chat(reply.thread_key) and reply.visibility is Visibility.PUBLIC:
            check_length(reply.text, private=False, dm_access=api.session.dm_access)
            return post_reply(api, reply, self.clock.now(), self.web_url)
        check_length(reply.text, private=True, dm_access=api.session.dm_access)
        recipient = reply.recipient.remote_id if reply.recipient else None
        convo = chat_convo_id(api, self.chat_proxy, reply.thread_key, recipient)
        facets = build_facets(reply.text, handle_resolver(api, reply))
        return send_chat(api, self.chat_proxy, convo, reply.text, facets, self.clock.now())

    def find_sent(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply | None:
        """After an uncertain attempt: the reply as Bluesky already has it (the same text in the same place)."""
        api = self._api(client, token)
        if not is_chat(reply.thread_key) and reply.visibility is Visibility.PUBLIC:
            return find_sent_post(api, reply, self.web_url)
        recipient = reply.recipient.remote_id if reply.recipient else None
        convo = chat_convo_id(api, self.chat_proxy, reply.thread_key, recipient)
        return find_sent_message(api, self.chat_proxy, convo, reply.text)

    def original_exists(self, client: httpx.Client, token: str, remote_id: str) -> bool:
        """Whether the customer's post is still there; direct messages are assumed to be (no cheap way to ask)."""
        if not is_post_uri(remote_id):
            return True
        return fetch_post(self._api(client, token), remote_id) is not None

    # --- ingest ---------------------------------------------------------------------------------

    def _walk(
        self, api: SignedIn, nsid: str, key: str, seen: datetime | None, horizon: datetime, params: dict[str, Any]
    ) -> _Walk:
        """Newest first, page by page, until the pages reach what an earlier poll saw (or the back-fill horizon)."""
        stop = seen - OVERLAP if seen is not None else horizon
        kept: list[_Json] = []
        newest: datetime | None = None
        page_cursor: str | None = None
        for _ in range(MAX_PAGES):
            data = api.query(nsid, {**params, **({"cursor": page_cursor} if page_cursor else {})}).data
            items = [item for item in data.get(key) or [] if isinstance(item, dict)]
            times = [indexed_at(item if key != "feed" else item.get("post") or {}) for item in items]
            for item, when in zip(items, times, strict=True):
                if when is not None and when >= stop:
                    kept.append(item)
                    newest = when if newest is None or when > newest else newest
            following = data.get("cursor")
            known = [when for when in times if when is not None]
            if not items or not isinstance(following, str) or following == page_cursor or min(known or [stop]) < stop:
                return _Walk(tuple(kept), newest, capped=False)
            page_cursor = following
        return _Walk(tuple(kept), newest, capped=True)

    def _read_posts(
        self, shop_did: str, notes: Sequence[_Json], feed: Sequence[_Json]
    ) -> tuple[list[RemoteMessage], int]:
        views = [n for n in notes if n.get("reason") in INBOX_REASONS]
        # The shop's own replies; reposts (with a "reason") and top-level posts nobody answered are not inbox items.
        views += [i["post"] for i in feed if "reason" not in i and isinstance(i.get("post"), dict)]
        by_uri: dict[str, RemoteMessage] = {}
        skipped = 0
        for view in views:
            try:
                message = post_message(view, shop_did, self.web_url)
            except (KeyError, TypeError, ValueError, AttributeError):
                skipped += 1
                continue
            if message.author.remote_id == shop_did and message.in_reply_to is None:
                continue
            by_uri.setdefault(message.remote_id, message)  # a reply that also mentions comes once
        return list(by_uri.values()), skipped

    def _chats(
        self, api: SignedIn, cursor: str | None, horizon: datetime
    ) -> tuple[tuple[RemoteMessage, ...], str | None, list[str]]:
        if not self.direct_messages:
            return (), cursor, []
        if api.session.dm_access is False:
            return (), cursor, [NO_DM_ACCESS]
        reader = ChatReader(api, self.chat_proxy)
        try:
            batch = reader.catch_up(cursor) if cursor else reader.backfill(horizon)
        except NoDmAccess as error:
            return (), cursor, [str(error)]
        except TransientError as error:  # mentions still arrive; the chat part is tried again next poll
            return (), cursor, [f"Direct messages could not be fetched this time: {error}"]
        notes = [f"{batch.skipped} {NAME} direct message(s) could not be read."] if batch.skipped else []
        return batch.messages, batch.cursor or cursor, notes

    def _api(self, client: httpx.Client, token: str) -> SignedIn:
        return SignedIn(client, token, self.sessions, plc_url=self.plc_url, now=self.clock.now)


def build_bluesky(settings: Mapping[str, Any], clock: Clock) -> BlueskyConnector:
    """The connector for one stored account (settings: ``handle``, optional ``plc_url``, ``web_url``,
    ``chat_proxy``, ``direct_messages``; the PDS comes with the stored sign-in)."""

    def text(key: str, default: str) -> str:
        return str(settings.get(key) or default)

    return BlueskyConnector(
        handle=str(settings["handle"]) if settings.get("handle") else None,
        plc_url=normalize_service_url(text("plc_url", DEFAULT_PLC)),
        web_url=normalize_service_url(text("web_url", DEFAULT_WEB_URL)),
        chat_proxy=text("chat_proxy", CHAT_PROXY),
        direct_messages=settings.get("direct_messages", True) is not False,
        clock=clock,
    )


def _later(old: datetime | None, new: datetime | None) -> datetime | None:
    if old is None or new is None:
        return new or old
    return max(old, new)


def _iso(moment: datetime | None) -> str | None:
    return iso_time(moment) if moment is not None else None
