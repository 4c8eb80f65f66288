"""Facebook Pages (Graph API): public comments on the Page's posts and the Page's Messenger inbox.

Endpoints (``graph.facebook.com``, contract-tested against the facebook-business-sdk specs in ``../shared/specs/meta``):

- ``GET /me?fields=id,name`` with the Page token: which Page it belongs to.
- ``GET /{page}/feed``: the 25 newest posts; only those updated (commented on) since the last poll are read further.
- ``GET /{post}/comments?filter=stream&order=reverse_chronological``: comments and replies to comments, flat and newest
  first, paged with the ``after`` cursor down to the watermark. ``paging.next`` is never followed: it is a whole URL,
  and the token must only ever go to the configured server.
- ``GET /{page}/conversations?platform=messenger``: conversations newest first, with their latest messages.
- ``POST /{comment}/comments`` (public reply) and ``POST /{page}/messages`` (Messenger Send API).

The cursor is compact JSON holding one watermark for comments and one for Messenger (see ``facebook_graph``). Webhooks
would be Meta's preferred way in, but they need a public HTTPS endpoint, which a desktop app does not have.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from socialinbox.connectors.base import AuthError, Rejected, TransientError, UncertainDelivery
from socialinbox.connectors.facebook_graph import (
    Gone,
    Watermark,
    advance,
    format_cursor,
    graph_call,
    parse_cursor,
    parse_time,
    usage_budget,
)
from socialinbox.connectors.facebook_mapping import (
    OBJECT_ID,
    PSID,
    Json,
    after_cursor,
    comment_message,
    customer_psid,
    items,
    may_have_new,
    messenger_message,
    reply_comment_id,
    reply_psid,
)
from socialinbox.connectors.html_text import clean_text
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
from socialinbox.limits import measure

NAME = "Facebook"
API_BASE = "https://graph.facebook.com/v25.0"
FEED_LIMIT = 25
COMMENT_PAGE_LIMIT = 100
MAX_COMMENT_PAGES_PER_POST = 5  # bounds one poll; a post with more new comments than this gets a warning
CONVERSATION_PAGE_LIMIT = 25
MAX_CONVERSATION_PAGES = 4
# Graph is eventually consistent: an item can show up seconds after a later one was read. Polls read this far behind
# their watermark again until one has run this long after it (``_reading_from``); the repository stores each remote
# id once, so what is read twice is not doubled.
OVERLAP = timedelta(minutes=5)
PERSON_TOKEN = (
    "That is a person's access token, not a Page's. In Graph API Explorer, choose your Page under 'User or Page' "
    "and copy the token shown then."
)
MAX_MANAGED_PAGES = 300  # /me/accounts pages read when a person's token is pasted
MESSAGES_PER_CONVERSATION = 20  # Graph shows message details only for a conversation's most recent messages
COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id},permalink_url,is_hidden"
CONVERSATION_FIELDS = (
    f"id,updated_time,participants,messages.limit({MESSAGES_PER_CONVERSATION}){{id,created_time,from,to,message}}"
)


class NotAPageToken(AuthError):
    """A person's or a system user's token where a Page's was expected: ``managed_pages`` finds the Page's own."""


@dataclasses.dataclass(frozen=True, slots=True)
class ManagedPage:
    page_id: str
    name: str
    token: str = dataclasses.field(repr=False)  # the Page's own access token: never in a repr, a log or an error


@dataclasses.dataclass(frozen=True, slots=True)
class FacebookConnector:
    page_id: str | None = None
    api_base: str = API_BASE
    clock: Clock = dataclasses.field(default_factory=SystemClock, repr=False, compare=False)
    platform: Platform = dataclasses.field(default=Platform.FACEBOOK, init=False)

    def page_identity(self, client: httpx.Client, token: str) -> tuple[str, str]:
        # Only a Page has a category: asking for it tells a person's token (what Graph API Explorer shows first)
        # from the Page's own, which is the one that can read the Page's comments and Messenger.
        try:
            data, _ = self._get(client, token, "me", {"fields": "id,name,category"})
        except TransientError as error:
            if "node type (User)" in str(error):
                raise NotAPageToken(PERSON_TOKEN) from None
            raise
        if "category" not in data:
            raise NotAPageToken(PERSON_TOKEN)
        page_id, name = data.get("id"), data.get("name")
        if not isinstance(page_id, str) or not isinstance(name, str):
            raise TransientError(f"{NAME} described the Page in an unexpected shape; will retry.")
        return page_id, clean_text(name)

    def managed_pages(self, client: httpx.Client, token: str) -> list[ManagedPage]:
        """The Pages a person's (or a system user's) token manages, each with its own Page token (``/me/accounts``).
        A Page token made from a long-lived or a system user's token does not expire."""
        params = {"fields": "id,name,access_token,category", "limit": "100"}
        pages: list[ManagedPage] = []
        for _ in range(MAX_MANAGED_PAGES // 100):
            data, _ = self._get(client, token, "me/accounts", params)
            for page in items(data):
                page_id, name, page_token = page.get("id"), page.get("name"), page.get("access_token")
                if isinstance(page_id, str) and isinstance(name, str) and isinstance(page_token, str) and page_token:
                    pages.append(ManagedPage(page_id, clean_text(name), page_token))
            after = after_cursor(data)
            if after is None:
                break
            params["after"] = after
        return pages

    def verify(self, client: httpx.Client, token: str) -> str:
        page_id, name = self.page_identity(client, token)
        if self.page_id and page_id != self.page_id:
            raise AuthError(
                f"That token belongs to the Page {name}, not {self.page_id}. "
                "Copy the access token of the Page this account was connected to."
            )
        return name

    def poll(self, client: httpx.Client, token: str, cursor: str | None) -> PollResult:
        page = self._page()
        comment_mark, messenger_mark, polled_at = parse_cursor(cursor)
        now = self.clock.now()
        warnings: list[str] = []
        comments, comment_mark, response = self._poll_comments(
            client, token, page, comment_mark, _reading_from(comment_mark, polled_at), warnings
        )
        messages, messenger_mark, response = self._poll_messenger(
            client, token, page, messenger_mark, _reading_from(messenger_mark, polled_at), warnings
        )
        return PollResult(
            messages=tuple(sorted([*comments, *messages], key=lambda message: message.sent_at)),
            cursor=format_cursor(comment_mark, messenger_mark, now),
            rate_budget=usage_budget(response, self.clock.now()),
            warnings=tuple(warnings),
        )

    def send(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply:
        page = self._page()
        if not reply.text.strip():
            raise Rejected("The reply is empty.")
        private = reply.visibility is Visibility.PRIVATE
        length = measure(reply.text, Platform.FACEBOOK, private=private)
        if length.over:
            raise Rejected(f"The reply has {length.used} characters; {NAME} allows {length.limit}. Shorten it.")
        if private:
            psid = reply_psid(reply)
            body = {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": {"text": reply.text}}
            data, _ = self._post(client, token, f"{page}/messages", json_body=body)
            sent_id = data.get("message_id")
        else:
            data, _ = self._post(client, token, f"{reply_comment_id(reply)}/comments", form={"message": reply.text})
            sent_id = data.get("id")
        if not isinstance(sent_id, str) or not sent_id:
            raise UncertainDelivery(f"{NAME} accepted the reply but its answer could not be read.")
        return SentReply(remote_id=sent_id, sent_at=self.clock.now())

    def find_sent(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply | None:
        page = self._page()
        if reply.visibility is Visibility.PRIVATE:
            params = {"platform": "messenger", "user_id": reply_psid(reply), "fields": CONVERSATION_FIELDS}
            data, _ = self._get(client, token, f"{page}/conversations", params)
            candidates = [m for thread in items(data) for m in items(thread.get("messages"))]
        else:
            params = {"order": "reverse_chronological", "fields": COMMENT_FIELDS, "limit": str(COMMENT_PAGE_LIMIT)}
            data, _ = self._get(client, token, f"{reply_comment_id(reply)}/comments", params)
            candidates = items(data)
        for item in candidates:
            author, text, item_id = item.get("from"), item.get("message"), item.get("id")
            if isinstance(author, dict) and author.get("id") == page and text == reply.text and item_id:
                try:
                    sent_at = parse_time(item.get("created_time"))
                except ValueError:
                    sent_at = self.clock.now()
                return SentReply(remote_id=str(item_id), sent_at=sent_at)
        return None

    def original_exists(self, client: httpx.Client, token: str, remote_id: str) -> bool:
        if not OBJECT_ID.match(remote_id):
            return True  # Messenger message ids ("m_..."): Graph cannot look those up, and deleting one unsends it
        try:
            self._get(client, token, remote_id, {"fields": "id"})
        except Gone:
            return False
        return True

    # --- comments ---------------------------------------------------------------------------------------------

    def _poll_comments(
        self,
        client: httpx.Client,
        token: str,
        page: str,
        mark: Watermark | None,
        reading: Watermark | None,
        warnings: list[str],
    ) -> tuple[list[RemoteMessage], Watermark | None, httpx.Response]:
        fields = "id,message,created_time,updated_time,permalink_url"
        feed, response = self._get(client, token, f"{page}/feed", {"fields": fields, "limit": str(FEED_LIMIT)})
        found: list[RemoteMessage] = []
        seen: list[tuple[datetime, str]] = []
        for post in items(feed):
            post_id = post.get("id")
            if not isinstance(post_id, str) or not OBJECT_ID.match(post_id) or not may_have_new(post, reading):
                continue
            try:
                response = self._read_post(client, token, page, post_id, reading, found, seen, warnings)
            except Gone:
                continue  # deleted between the feed and its comments: nothing left to answer there
        return found, advance(mark, seen), response

    def _read_post(
        self,
        client: httpx.Client,
        token: str,
        page: str,
        post_id: str,
        mark: Watermark | None,
        found: list[RemoteMessage],
        seen: list[tuple[datetime, str]],
        warnings: list[str],
    ) -> httpx.Response:
        params = {
            "filter": "stream",
            "order": "reverse_chronological",
            "fields": COMMENT_FIELDS,
            "limit": str(COMMENT_PAGE_LIMIT),
        }
        pages = 1 if mark is None else MAX_COMMENT_PAGES_PER_POST  # a first poll back-fills only the newest
        unreadable = 0
        for _ in range(pages):
            data, response = self._get(client, token, f"{post_id}/comments", params)
            reached = False
            for comment in items(data):
                try:
                    when, comment_id = parse_time(comment.get("created_time")), str(comment["id"])
                    if mark is not None and when < mark.time:
                        reached = True
                        break
                    if mark is None or mark.is_new(when, comment_id):
                        message = comment_message(comment, page)
                        seen.append((when, comment_id))
                        if message is not None:
                            found.append(message)
                except (KeyError, ValueError, TypeError, AttributeError):
                    unreadable += 1
            after = after_cursor(data)
            if reached or after is None:
                break
            params["after"] = after
        else:
            if mark is not None:
                warnings.append(f"A {NAME} post had more new comments than one check reads; older ones may be missing.")
            else:
                warnings.append(f"Imported the most recent {NAME} comments; older ones stay on {NAME}.")
        if unreadable:
            warnings.append(f"Skipped {unreadable} {NAME} comment(s) Social Inbox could not read.")
        return response

    # --- Messenger --------------------------------------------------------------------------------------------

    def _poll_messenger(
        self,
        client: httpx.Client,
        token: str,
        page: str,
        mark: Watermark | None,
        reading: Watermark | None,
        warnings: list[str],
    ) -> tuple[list[RemoteMessage], Watermark | None, httpx.Response]:
        params = {"platform": "messenger", "fields": CONVERSATION_FIELDS, "limit": str(CONVERSATION_PAGE_LIMIT)}
        found: list[RemoteMessage] = []
        seen: list[tuple[datetime, str]] = []
        unreadable = 0
        response: httpx.Response | None = None
        for _ in range(1 if mark is None else MAX_CONVERSATION_PAGES):
            data, response = self._get(client, token, f"{page}/conversations", params)
            reached = False
            for thread in items(data):
                try:
                    updated = parse_time(thread.get("updated_time"))
                    psid = customer_psid(thread, page)
                except (KeyError, ValueError, TypeError):
                    unreadable += 1
                    continue
                if reading is not None and updated < reading.time:
                    reached = True
                    break
                unreadable += self._read_thread(thread, page, psid, reading, found, seen, warnings)
            after = after_cursor(data)
            if reached or after is None:
                break
            params["after"] = after
        if unreadable:
            warnings.append(f"Skipped {unreadable} {NAME} Messenger item(s) Social Inbox could not read.")
        assert response is not None  # the loop runs at least once
        return found, advance(mark, seen), response

    def _read_thread(
        self,
        thread: Json,
        page: str,
        psid: str,
        mark: Watermark | None,
        found: list[RemoteMessage],
        seen: list[tuple[datetime, str]],
        warnings: list[str],
    ) -> int:
        unreadable, new = 0, 0
        listed = items(thread.get("messages"))
        for item in listed:
            try:
                when, message_id = parse_time(item.get("created_time")), str(item["id"])
                if mark is None or mark.is_new(when, message_id):
                    new += 1
                    found.append(messenger_message(item, page, psid, when))
                    seen.append((when, message_id))
            except (KeyError, ValueError, TypeError, AttributeError):
                unreadable += 1
        if mark is not None and listed and new == len(listed) >= MESSAGES_PER_CONVERSATION:
            warnings.append(
                f"{NAME} shows only the latest {MESSAGES_PER_CONVERSATION} messages of a conversation; "
                "earlier ones may be missing."
            )
        return unreadable

    # --- plumbing ---------------------------------------------------------------------------------------------

    def _page(self) -> str:
        if not self.page_id or not PSID.match(self.page_id):
            raise AuthError(f"The {NAME} account does not know its Page; reconnect the Page.")
        return self.page_id

    def _url(self, path: str) -> str:
        return f"{self.api_base.rstrip('/')}/{quote(path, safe='/_')}"

    def _get(
        self, client: httpx.Client, token: str, path: str, params: Mapping[str, str]
    ) -> tuple[Any, httpx.Response]:
        return graph_call(client, "GET", self._url(path), token, now=self.clock.now(), params=params)

    def _post(self, client: httpx.Client, token: str, path: str, **body: Any) -> tuple[Any, httpx.Response]:
        return graph_call(client, "POST", self._url(path), token, now=self.clock.now(), sending=True, **body)


def _reading_from(mark: Watermark | None, polled_at: datetime | None) -> Watermark | None:
    """Where a poll starts reading (None: a first poll, which back-fills). While no poll has run ``OVERLAP`` after
    the newest item read, an older one may still turn up: read from ``OVERLAP`` before it. After such a poll,
    everything older has been read, and reading starts at the watermark itself."""
    if mark is None or (polled_at is not None and polled_at >= mark.time + OVERLAP):
        return mark
    return Watermark(mark.time - OVERLAP)


def build_facebook(settings: Mapping[str, Any], clock: Clock) -> FacebookConnector:
    """The ConnectorFactory for Facebook Pages: settings ``page_id`` and, for tests, ``api_base``."""
    page_id = settings.get("page_id")
    return FacebookConnector(
        page_id=str(page_id).strip() or None if page_id else None,
        api_base=str(settings.get("api_base") or API_BASE),
        clock=clock,
    )
