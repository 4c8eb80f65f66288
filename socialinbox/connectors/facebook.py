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
from datetime import datetime
from typing import Any

import httpx

from socialinbox.connectors.base import AuthError, Rejected, TransientError, UncertainDelivery
from socialinbox.connectors.facebook_graph import FACEBOOK, Gone, GraphWire, usage_budget
from socialinbox.connectors.facebook_inbox import Inbox, find_in_inbox, read_inbox
from socialinbox.connectors.facebook_mapping import (
    FROM_COMMENT_PREFIX,
    OBJECT_ID,
    PSID,
    THREAD_PREFIX,
    after_cursor,
    comment_message,
    items,
    may_have_new,
    own_item,
    reply_comment_id,
    reply_psid,
)
from socialinbox.connectors.html_text import clean_text
from socialinbox.connectors.watermark import Watermark, advance, format_cursor, parse_cursor, parse_time, reading_from
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
PERSON_TOKEN = (
    "That is a person's access token, not a Page's. In Graph API Explorer, choose your Page under 'User or Page' "
    "and copy the token shown then."
)
PAGE_OUT_OF_REACH = (
    f"{NAME} no longer lets Social Inbox reach the Page (it was deleted or unpublished, or its token no longer reaches "
    "it). Check on Facebook that the Page is still there and published, then reconnect the Page in Social Inbox."
)
MAX_MANAGED_PAGES = 300  # /me/accounts pages read when a person's token is pasted
COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id},permalink_url,is_hidden"


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
            data, _ = self._wire().get(client, token, "me", {"fields": "id,name,category"})
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
            data, _ = self._wire().get(client, token, "me/accounts", params)
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
        try:
            comments, comment_mark, response = self._poll_comments(
                client, token, page, comment_mark, reading_from(comment_mark, polled_at), warnings
            )
            messages, messenger_mark, response = read_inbox(
                self._wire().getter(client, token),
                page,
                _messenger(page),
                messenger_mark,
                reading_from(messenger_mark, polled_at),
                warnings,
            )
        except Gone:  # the Page's feed or inbox, not one post or comment (those are passed over)
            raise AuthError(PAGE_OUT_OF_REACH) from None
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
        if private and (reply.thread_key or "").startswith(FROM_COMMENT_PREFIX):
            return self._private_reply(client, token, page, reply)
        if private:
            psid = reply_psid(reply)
            body = {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": {"text": reply.text}}
            data, _ = self._wire().post(client, token, f"{page}/messages", json_body=body)
            sent_id = data.get("message_id")
        else:
            data, _ = self._wire().post(
                client, token, f"{reply_comment_id(reply)}/comments", form={"message": reply.text}
            )
            sent_id = data.get("id")
        if not isinstance(sent_id, str) or not sent_id:
            raise UncertainDelivery(f"{NAME} accepted the reply but its answer could not be read.")
        return SentReply(remote_id=sent_id, sent_at=self.clock.now())

    def _private_reply(self, client: httpx.Client, token: str, page: str, reply: OutgoingReply) -> SentReply:
        """Take it private: the first message goes out as Facebook's private reply to the customer's comment (once
        per comment, within 7 days of it), which opens their Messenger conversation with the Page; Graph answers
        with their Messenger id, which keys the conversation from then on (``SentReply.thread_key``)."""
        comment = reply.taken_from
        if comment is None or not OBJECT_ID.match(comment):
            raise Rejected(f"Social Inbox cannot tell which {NAME} comment this private reply answers.")
        body = {"recipient": {"comment_id": comment}, "message": {"text": reply.text}}
        try:
            data, _ = self._wire().post(client, token, f"{page}/messages", json_body=body)
        except Gone:
            raise
        except Rejected:  # Graph says "outside of allowed window" for both rules
            raise Rejected(
                f"{NAME} allows one private reply per comment, within 7 days of it, and refused this one. Answer in "
                "public, or in Messenger once the customer writes to the Page there."
            ) from None
        sent_id, psid = data.get("message_id"), data.get("recipient_id")
        if not isinstance(sent_id, str) or not sent_id:
            raise UncertainDelivery(f"{NAME} accepted the reply but its answer could not be read.")
        thread_key = f"{THREAD_PREFIX}{psid}" if isinstance(psid, str) and PSID.match(psid) else None
        return SentReply(remote_id=sent_id, sent_at=self.clock.now(), thread_key=thread_key)

    def find_sent(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply | None:
        page = self._page()
        if (reply.thread_key or "").startswith(FROM_COMMENT_PREFIX):
            return None  # no Messenger id to look in; Facebook takes one private reply per comment, so none doubles
        if reply.visibility is Visibility.PRIVATE:
            return find_in_inbox(
                self._wire().getter(client, token),
                page,
                _messenger(page),
                reply_psid(reply),
                reply.text,
                self.clock.now(),
            )
        params = {"order": "reverse_chronological", "fields": COMMENT_FIELDS, "limit": str(COMMENT_PAGE_LIMIT)}
        data, _ = self._wire().get(client, token, f"{reply_comment_id(reply)}/comments", params)
        return own_item(items(data), page, reply.text, self.clock.now())

    def original_exists(self, client: httpx.Client, token: str, remote_id: str) -> bool:
        if not OBJECT_ID.match(remote_id):
            return True  # Messenger message ids ("m_..."): Graph cannot look those up, and deleting one unsends it
        return self._wire().exists(client, token, remote_id)

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
        feed, response = self._wire().get(client, token, f"{page}/feed", {"fields": fields, "limit": str(FEED_LIMIT)})
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
            data, response = self._wire().get(client, token, f"{post_id}/comments", params)
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

    # --- plumbing ---------------------------------------------------------------------------------------------

    def _page(self) -> str:
        if not self.page_id or not PSID.match(self.page_id):
            raise AuthError(f"The {NAME} account does not know its Page; reconnect the Page.")
        return self.page_id

    def _wire(self) -> GraphWire:
        return GraphWire(self.api_base, self.clock, FACEBOOK)


def _messenger(page: str) -> Inbox:
    return Inbox("messenger", page, THREAD_PREFIX, NAME, "Messenger")


def build_facebook(settings: Mapping[str, Any], clock: Clock) -> FacebookConnector:
    """The ConnectorFactory for Facebook Pages: settings ``page_id`` and, for tests, ``api_base``."""
    page_id = settings.get("page_id")
    return FacebookConnector(
        page_id=str(page_id).strip() or None if page_id else None,
        api_base=str(settings.get("api_base") or API_BASE),
        clock=clock,
    )
