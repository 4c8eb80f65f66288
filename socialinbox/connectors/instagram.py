"""Instagram professional accounts, the "Facebook Login" way: the account linked to the shop's Facebook Page, reached
through ``graph.facebook.com`` with the Page's access token. Comments on the account's media, and its direct messages.

Endpoints (contract-tested against the facebook-business-sdk specs in ``../shared/specs/meta``):

- ``GET /{page}?fields=instagram_business_account{id,username}``: which Instagram account the Page is linked to.
- ``GET /{ig-user}/media``: the 25 newest media with their ``comments_count``; only media whose count changed since
  the last poll are read further (Instagram counts replies too).
- ``GET /{media}/comments`` with ``replies{...}`` nested: top-level comments and the replies under them. Every page
  is read (up to a bound) rather than stopping at the watermark: a new reply sorts with its older parent.
- ``GET /{page}/conversations?platform=instagram``: direct messages, read as Messenger's are (``facebook_inbox``).
- ``POST /{comment}/replies`` (public reply to a top-level comment), ``POST /{page}/messages`` (a direct message, or
  a private reply to a comment: ``recipient.comment_id``).

The cursor is Facebook's (a watermark for comments, one for direct messages, when it was written) plus each listed
media's comment count and when it last changed. ``paging.next`` is never followed: the token goes only to the
configured server. Mentions on other people's posts need webhooks, which a desktop app cannot receive.

The other way in, for an account without a Facebook Page ("Instagram Login", ``instagram_login``), builds on this
class: the same reading and sending, reached at ``graph.instagram.com/me`` with the account's own token. Its hooks
are ``_account``, ``_media_owner``, ``_inbox_owner``, ``_signed_in`` (the token a call goes out with), ``_voice`` and
``_unreachable``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from socialinbox.connectors.base import AuthError, Rejected, TransientError, UncertainDelivery
from socialinbox.connectors.facebook import API_BASE, FacebookConnector
from socialinbox.connectors.facebook_graph import Gone, GraphWire, Voice, usage_budget
from socialinbox.connectors.facebook_inbox import Inbox, conversation_with, find_in_inbox, read_inbox
from socialinbox.connectors.facebook_mapping import Json, after_cursor, items, own_item
from socialinbox.connectors.html_text import clean_text
from socialinbox.connectors.instagram_mapping import (
    DM_PREFIX,
    IG_ID,
    MESSAGING_WINDOW,
    NAME,
    PRIVATE_REPLY_WINDOW,
    Seen,
    Shop,
    comment_message,
    format_seen,
    has_more_replies,
    parse_seen,
    replies_of,
    reply_comment,
    reply_igsid,
    to_read,
)
from socialinbox.connectors.watermark import (
    Watermark,
    advance,
    cursor_data,
    format_cursor,
    parse_cursor,
    parse_time,
    reading_from,
)
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

LOGIN_INSTAGRAM = "instagram"  # the settings' "login" of an account reached with its own Instagram token
MEDIA_LIMIT = 25
COMMENT_PAGE_LIMIT = 50
MAX_COMMENT_PAGES_PER_MEDIA = 4  # bounds one poll; a media with more comments than this gets a warning
MEDIA_FIELDS = "id,caption,timestamp,comments_count,permalink,media_product_type"
_REPLY_FIELDS = "id,text,timestamp,username,from{id,username},parent_id"
COMMENT_FIELDS = f"id,text,timestamp,username,from{{id,username}},parent_id,hidden,replies{{{_REPLY_FIELDS}}}"
VOICE = Voice(
    name=NAME,
    reconnect=(
        "Instagram no longer accepts the sign-in of the Facebook Page it is linked to (it expired, or was revoked by a "
        "password change or a removed Page role). Reconnect the Instagram account."
    ),
    outside_window=(
        "Instagram lets the shop answer a direct message only within 24 hours of the customer's last message, and "
        "that time has passed. Reply once the customer writes again, or answer them another way."
    ),
    read_permissions="instagram_basic, instagram_manage_comments, instagram_manage_messages and pages_read_engagement",
    send_permissions="instagram_manage_comments (comments) and instagram_manage_messages (direct messages)",
    account="the Instagram account",
    inbox="direct messages from the shop's Instagram account",
)


@dataclasses.dataclass(frozen=True, slots=True)
class InstagramConnector:
    page_id: str | None = None
    ig_user_id: str | None = None
    username: str = ""
    api_base: str = API_BASE
    clock: Clock = dataclasses.field(default_factory=SystemClock, repr=False, compare=False)
    platform: Platform = dataclasses.field(default=Platform.INSTAGRAM, init=False)

    def linked_account(self, client: httpx.Client, token: str) -> tuple[str, str] | None:
        """(id, username) of the Instagram professional account linked to the Page; None when there is none."""
        fields = {"fields": "instagram_business_account{id,username}"}
        data, _ = self._wire().get(client, token, self._page(), fields)
        linked = data.get("instagram_business_account")
        if linked is None:
            return None
        ig_id, username = (linked.get("id"), linked.get("username")) if isinstance(linked, dict) else (None, None)
        if not isinstance(ig_id, str) or not IG_ID.match(ig_id) or not isinstance(username, str):
            raise TransientError(f"{NAME} described the linked account in an unexpected shape; will retry.")
        return ig_id, clean_text(username)

    def verify(self, client: httpx.Client, token: str) -> str:
        """The account's username, once the token is the linked Page's and the Page is still linked to it."""
        FacebookConnector(self.page_id, self.api_base, self.clock).verify(client, token)  # the Page's own token
        ig_user = self._account()
        linked = self.linked_account(client, token)
        if linked is None or linked[0] != ig_user:
            raise AuthError(
                f"The Facebook Page is no longer linked to the {NAME} account {self.username or ig_user}. Link them "
                "again in the Page's settings (Linked accounts), then reconnect."
            )
        return linked[1]

    def poll(self, client: httpx.Client, token: str, cursor: str | None) -> PollResult:
        owner = self._inbox_owner()
        token = self._signed_in(client, token)
        comment_mark, dm_mark, polled_at = parse_cursor(cursor)
        seen_before = parse_seen(cursor_data(cursor).get("media"))
        now = self.clock.now()
        warnings: list[str] = []
        reading = reading_from(comment_mark, polled_at)
        try:
            comments, comment_mark, seen, response = self._poll_comments(
                client, token, comment_mark, reading, seen_before, polled_at, warnings
            )
            getter = self._wire().getter(client, token)
            dm_reading = reading_from(dm_mark, polled_at)
            messages, dm_mark, response = read_inbox(getter, owner, self._inbox(), dm_mark, dm_reading, warnings)
        except Gone:  # the account's media or its inbox, not one comment (those are passed over)
            raise AuthError(self._unreachable()) from None
        return PollResult(
            messages=tuple(sorted([*comments, *messages], key=lambda message: message.sent_at)),
            cursor=format_cursor(comment_mark, dm_mark, now, media=format_seen(seen)),
            rate_budget=usage_budget(response, self.clock.now()),
            warnings=tuple(warnings),
        )

    def send(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply:
        owner = self._inbox_owner()
        if not reply.text.strip():
            raise Rejected("The reply is empty.")
        private = reply.visibility is Visibility.PRIVATE
        length = measure(reply.text, Platform.INSTAGRAM, private=private)
        if length.over:
            raise Rejected(f"The reply has {length.used} {length.unit}; {NAME} allows {length.limit}. Shorten it.")
        token = self._signed_in(client, token)
        if private:
            recipient = self._recipient(client, token, reply)
            body = {"recipient": recipient, "message": {"text": reply.text}}
            data, _ = self._wire().post(client, token, f"{owner}/messages", json_body=body)
            sent_id = data.get("message_id")
        else:
            data, _ = self._wire().post(client, token, f"{reply_comment(reply)}/replies", form={"message": reply.text})
            sent_id = data.get("id")
        if not isinstance(sent_id, str) or not sent_id:
            raise UncertainDelivery(f"{NAME} accepted the reply but its answer could not be read.")
        return SentReply(remote_id=sent_id, sent_at=self.clock.now())

    def find_sent(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply | None:
        ig_user, owner = self._account(), self._inbox_owner()
        token = self._signed_in(client, token)
        now = self.clock.now()
        if reply.visibility is Visibility.PRIVATE:
            return find_in_inbox(
                self._wire().getter(client, token), owner, self._inbox(), reply_igsid(reply), reply.text, now
            )
        params = {"fields": _REPLY_FIELDS, "limit": str(COMMENT_PAGE_LIMIT)}
        data, _ = self._wire().get(client, token, f"{reply_comment(reply)}/replies", params)
        return own_item(items(data, NAME), ig_user, reply.text, now, text_key="text", time_key="timestamp")

    def original_exists(self, client: httpx.Client, token: str, remote_id: str) -> bool:
        if not IG_ID.match(remote_id):
            return True  # direct message ids: Graph cannot look those up, and deleting one unsends it
        return self._wire().exists(client, self._signed_in(client, token), remote_id)

    # --- comments ---------------------------------------------------------------------------------------------

    def _poll_comments(
        self,
        client: httpx.Client,
        token: str,
        mark: Watermark | None,
        reading: Watermark | None,
        seen_before: Mapping[str, Seen],
        polled_at: datetime | None,
        warnings: list[str],
    ) -> tuple[list[RemoteMessage], Watermark | None, dict[str, Seen], httpx.Response]:
        params = {"fields": MEDIA_FIELDS, "limit": str(MEDIA_LIMIT)}
        listing, response = self._wire().get(client, token, f"{self._media_owner()}/media", params)
        found: list[RemoteMessage] = []
        read: list[tuple[datetime, str]] = []
        seen: dict[str, Seen] = {}
        for media in items(listing, NAME):
            media_id, count = media.get("id"), media.get("comments_count")
            if not isinstance(media_id, str) or not IG_ID.match(media_id) or type(count) is not int:
                continue
            wanted, seen[media_id] = to_read(seen_before.get(media_id), count, polled_at, self.clock.now())
            if not wanted:
                continue
            try:
                response = self._read_media(client, token, media, reading, polled_at is None, found, read, warnings)
            except Gone:
                continue  # deleted between the listing and its comments: nothing left to answer there
        return found, advance(mark, read), seen, response

    def _read_media(
        self,
        client: httpx.Client,
        token: str,
        media: Json,
        reading: Watermark | None,
        first: bool,
        found: list[RemoteMessage],
        read: list[tuple[datetime, str]],
        warnings: list[str],
    ) -> httpx.Response:
        params = {"fields": COMMENT_FIELDS, "limit": str(COMMENT_PAGE_LIMIT)}
        unreadable = 0
        for _ in range(1 if first else MAX_COMMENT_PAGES_PER_MEDIA):  # a first poll back-fills only the newest
            data, response = self._wire().get(client, token, f"{media['id']}/comments", params)
            for comment in items(data, NAME):
                unreadable += self._read_thread(comment, media.get("permalink"), reading, found, read)
                if has_more_replies(comment):
                    warnings.append(f"An {NAME} comment has more replies than one check reads; some may be missing.")
            after = after_cursor(data)
            if after is None:
                break
            params["after"] = after
        else:
            if first:
                warnings.append(f"Imported the most recent {NAME} comments; older ones stay on {NAME}.")
            else:
                warnings.append(f"An {NAME} post had more comments than one check reads; some may be missing.")
        if unreadable:
            warnings.append(f"Skipped {unreadable} {NAME} comment(s) Social Inbox could not read.")
        return response

    def _read_thread(
        self,
        comment: Json,
        permalink: Any,
        reading: Watermark | None,
        found: list[RemoteMessage],
        read: list[tuple[datetime, str]],
    ) -> int:
        """A top-level comment and its replies: what is new goes to ``found``; returns how many were unreadable."""
        unreadable = 0
        for item, parent in ((comment, None), *((reply, comment.get("id")) for reply in replies_of(comment))):
            try:
                when, item_id = parse_time(item.get("timestamp")), str(item["id"])
                if reading is None or reading.is_new(when, item_id):
                    message = comment_message(item, self._shop(), permalink, str(parent) if parent else None)
                    read.append((when, item_id))
                    if message is not None:
                        found.append(message)
            except (KeyError, ValueError, TypeError, AttributeError):
                unreadable += 1
        return unreadable

    # --- take it private --------------------------------------------------------------------------------------

    def _recipient(self, client: httpx.Client, token: str, reply: OutgoingReply) -> dict[str, str]:
        """Who a direct message goes to. A conversation taken private from a comment opens as Instagram's private
        reply to that comment (``comment_id``): allowed once per comment, within 7 days of it, while the customer
        has not written in the last 24 hours (after that, an ordinary message is within the window again)."""
        igsid = reply_igsid(reply)
        comment = reply.taken_from
        if comment is None or not IG_ID.match(comment):
            return {"id": igsid}
        ig_user, owner = self._account(), self._inbox_owner()
        now = self.clock.now()
        messages = conversation_with(self._wire().getter(client, token), owner, self._inbox(), igsid)
        if any(now - when <= MESSAGING_WINDOW for when in _times(messages, igsid)):
            return {"id": igsid}
        try:
            data, _ = self._wire().get(client, token, comment, {"fields": "id,timestamp"})
            written = parse_time(data.get("timestamp"))
        except (Gone, ValueError):
            return {"id": igsid}  # nothing left to reply to privately: Instagram judges the ordinary message
        if now - written >= PRIVATE_REPLY_WINDOW or any(when >= written for when in _times(messages, ig_user)):
            return {"id": igsid}  # too late, or the one private reply (or another message) already went out
        return {"comment_id": comment}

    # --- plumbing ---------------------------------------------------------------------------------------------

    def _page(self) -> str:
        if not self.page_id or not IG_ID.match(self.page_id):
            raise AuthError(f"The {NAME} account does not know its Facebook Page; reconnect it.")
        return self.page_id

    def _account(self) -> str:
        """The Instagram account's id (here reached through its Page, which must be known too)."""
        self._page()
        return known_account(self.ig_user_id)

    def _media_owner(self) -> str:
        """Where the account's media are listed: the account itself."""
        return self._account()

    def _inbox_owner(self) -> str:
        """Where the account's direct conversations are read and its messages sent: the Page."""
        self._account()
        return self._page()

    def _signed_in(self, client: httpx.Client, token: str) -> str:
        """The token a call goes out with: the Page's, as stored."""
        return token

    def _voice(self) -> Voice:
        return VOICE

    def _unreachable(self) -> str:
        """What the owner is told when Graph can no longer reach the account's media or inbox at all."""
        return (
            f"{NAME} no longer lets the Facebook Page reach the account {self.username or self.ig_user_id} (it "
            "was unlinked from the Page, switched to a personal account or deleted). Link it to the Page again "
            "in the Page's settings (Linked accounts), then reconnect the Instagram account."
        )

    def _shop(self) -> Shop:
        return Shop(self._account(), self.username)

    def _inbox(self) -> Inbox:
        return Inbox("instagram", self._account(), DM_PREFIX, NAME, "direct message")

    def _wire(self) -> GraphWire:
        return GraphWire(self.api_base, self.clock, self._voice())


def known_account(ig_user_id: str | None) -> str:
    if not ig_user_id or not IG_ID.match(ig_user_id):
        raise AuthError(f"The {NAME} account does not know its {NAME} id; reconnect it.")
    return ig_user_id


def _times(messages: list[Json], sender: str) -> list[datetime]:
    """When ``sender`` wrote each of ``messages`` (the unreadable ones left out)."""
    times = []
    for message in messages:
        who = message.get("from")
        if isinstance(who, dict) and str(who.get("id")) == sender:
            try:
                times.append(parse_time(message.get("created_time")))
            except ValueError:
                continue
    return times


def build_instagram(settings: Mapping[str, Any], clock: Clock) -> InstagramConnector:
    """The ConnectorFactory for Instagram: settings ``page_id``, ``ig_user_id``, ``username`` and, for tests,
    ``api_base``. ``"login": "instagram"`` marks an account without a Facebook Page (``instagram_login``); without
    it, the account is reached through its Page."""
    if settings.get("login") == LOGIN_INSTAGRAM:
        from socialinbox.connectors.instagram_login import build_instagram_login

        return build_instagram_login(settings, clock)

    def text(key: str) -> str | None:
        value = settings.get(key)
        return str(value).strip() or None if value else None

    return InstagramConnector(
        page_id=text("page_id"),
        ig_user_id=text("ig_user_id"),
        username=text("username") or "",
        api_base=str(settings.get("api_base") or API_BASE),
        clock=clock,
    )
