"""X (Twitter) API v2: mentions of the shop (public) and its direct messages (private), and replies to both.

Endpoints (``api.x.com``, contract-tested against X's OpenAPI description in ``../shared/specs/x``):

- ``GET /2/users/me``: who the sign-in belongs to.
- ``GET /2/users/{id}/mentions?since_id=``: posts mentioning the shop (replies to its posts mention it too), newest
  first; ``next_token`` pages *older*, so a poll pages down to ``since_id`` and then keeps the first page's
  ``newest_id``. A first poll reads one page: X only reaches back about 800 mentions, and each read costs money.
- ``GET /2/dm_events?event_types=MessageCreate``: direct messages of every conversation, newest first, 30 days back.
  There is no ``since_id``: a read stops at the first event older than ``OVERLAP`` before the newest event of the
  last read, and skips the ids seen since then (a message can show up a little after a later one).
- ``POST /2/tweets`` (a public reply) and ``POST /2/dm_conversations/with/{user_id}/messages`` (one to one, which
  also starts the conversation: "take it private") or ``/2/dm_conversations/{dm_conversation_id}/messages``.
- ``GET /2/users/{id}/tweets?since_id=``: the shop's own posts, for its replies made in X itself (they stop the
  clock), and for a reply an interrupted send may have posted (``GET /2/dm_conversations/{id}/dm_events`` for a
  direct one); ``GET /2/tweets/{id}`` and ``/2/dm_events/{id}``: whether a customer's message still exists.

The cursor is compact JSON (``x_mapping.XCursor``). Direct messages are read every ``DM_EVERY`` at most: X allows
about 15 reads per 15 minutes per user. Every answer's ``x-rate-limit-remaining``/``-reset`` is obeyed: a used-up
mentions budget makes the next poll wait (``RateLimited``), a used-up direct-message budget only skips messages
until it resets. The sign-in renews itself (``x_session``); ``rotated_token`` hands the renewed one back to store.
X charges per post read and per post or message created, so nothing is read that a poll does not need.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from socialinbox.connectors.base import AuthError, RateLimited, Rejected, TransientError, UncertainDelivery
from socialinbox.connectors.session_cache import SessionCache
from socialinbox.connectors.x_api import (
    API_BASE,
    NAME,
    Answer,
    Gone,
    minutes,
    not_found_ids,
    parse_time,
    postponed,
)
from socialinbox.connectors.x_dms import DM_FIELDS, dms_due, poll_dms
from socialinbox.connectors.x_mapping import (
    POST_ID,
    Json,
    XCursor,
    items,
    meta,
    plain,
    post_message,
    read_each,
    replied_to,
    reply_conversation,
    users_by_id,
)
from socialinbox.connectors.x_session import XApi, XSession
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

PAGE_SIZE = "100"
MAX_MENTION_PAGES = 8  # X reaches back about 800 mentions: more pages would find nothing
FIND_SENT_LIMIT = "20"  # the reply was sent moments before the answer was lost: it is among the newest
TWEET_FIELDS = (
    "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,entities,edit_history_tweet_ids"
)
USER_FIELDS = "username,name"
MENTION_PARAMS = {
    "max_results": PAGE_SIZE,
    "tweet.fields": TWEET_FIELDS,
    "expansions": "author_id,referenced_tweets.id",
    "user.fields": USER_FIELDS,
}
OWN_PARAMS = {"max_results": PAGE_SIZE, "tweet.fields": TWEET_FIELDS, "exclude": "retweets"}


def _new_cache() -> SessionCache[XSession]:
    return SessionCache(XSession.from_token)


@dataclasses.dataclass(frozen=True, slots=True)
class _Mentions:
    messages: list[RemoteMessage]
    since: str | None
    answer: Answer


@dataclasses.dataclass(frozen=True, slots=True)
class XConnector:
    user_id: str | None = None
    username: str = ""
    client_id: str = ""
    api_base: str = API_BASE
    clock: Clock = dataclasses.field(default_factory=SystemClock, repr=False, compare=False)
    sessions: SessionCache[XSession] = dataclasses.field(default_factory=_new_cache, repr=False, compare=False)
    platform: Platform = dataclasses.field(default=Platform.X, init=False)

    def identity(self, client: httpx.Client, token: str) -> tuple[str, str, str]:
        """(user id, username, name) of the signed-in account."""
        data = self._api(client, token).get("2/users/me", {"user.fields": "id,name,username"}).body.get("data")
        user = data if isinstance(data, dict) else {}
        user_id, username = user.get("id"), user.get("username")
        if not isinstance(user_id, str) or not POST_ID.match(user_id) or not isinstance(username, str) or not username:
            raise TransientError(f"{NAME} described the account in an unexpected shape; will retry.")
        return user_id, plain(username), plain(user.get("name"))

    def verify(self, client: httpx.Client, token: str) -> str:
        user_id, username, _ = self.identity(client, token)
        if self.user_id and user_id != self.user_id:
            raise AuthError(
                f"You signed in to X as @{username}, but this account is @{self.username or self.user_id}. "
                "Sign in as that account."
            )
        return f"@{username}"

    def rotated_token(self, token: str) -> str | None:
        """The sign-in to store instead of ``token`` after this run renewed it (refresh tokens are single-use)."""
        return self.sessions.rotated_token(token)

    # --- polling ----------------------------------------------------------------------------------------------

    def poll(self, client: httpx.Client, token: str, cursor: str | None) -> PollResult:
        shop = self._shop()
        state = XCursor.parse(cursor)
        now = self.clock.now()
        if state.mentions_until is not None and now < state.mentions_until:
            wait = state.mentions_until - now
            raise RateLimited(f"{NAME} limits reading mentions; trying again in {minutes(wait)}.", wait.total_seconds())
        api = self._api(client, token)
        warnings: list[str] = []
        mentions = self._poll_mentions(api, shop, state.mentions_since, warnings)
        state = dataclasses.replace(
            state, mentions_since=mentions.since, mentions_until=mentions.answer.exhausted_until(now)
        )
        own, state = self._poll_own(api, shop, state, now, warnings)
        mentioned = {message.remote_id for message in mentions.messages}  # a reply of the shop's that names it
        messages = mentions.messages + [message for message in own if message.remote_id not in mentioned]
        if dms_due(state, now):
            found, state = poll_dms(api, shop, state, now, warnings)
            messages = messages + found
        return PollResult(
            messages=tuple(sorted(messages, key=lambda message: message.sent_at)),
            cursor=state.dump(),
            rate_budget=mentions.answer.budget(self.clock.now()),
            warnings=tuple(warnings),
        )

    def _poll_mentions(self, api: XApi, shop: str, since: str | None, warnings: list[str]) -> _Mentions:
        params = dict(MENTION_PARAMS) | ({"since_id": since} if since else {})
        found: list[RemoteMessage] = []
        newest: str | None = None
        unreadable = 0
        for page in range(1 if since is None else MAX_MENTION_PAGES):
            answer = api.get(f"2/users/{shop}/mentions", params)
            if page == 0:
                newest = meta(answer.body, "newest_id")  # the cursor moves only once every page down to it is read
            unreadable += read_each(items(answer.body), _post_reader(users_by_id(answer.body), shop), found)
            next_token = meta(answer.body, "next_token")
            if since is None or next_token is None:
                break
            params["pagination_token"] = next_token
        else:
            warnings.append(f"More {NAME} mentions came in than one check reads; older ones may be missing.")
        if unreadable:
            warnings.append(f"Skipped {unreadable} {NAME} post(s) Social Inbox could not read.")
        return _Mentions(found, newest if newest and POST_ID.match(newest) else since, answer)

    def _poll_own(
        self, api: XApi, shop: str, state: XCursor, now: datetime, warnings: list[str]
    ) -> tuple[list[RemoteMessage], XCursor]:
        """The shop's own replies, made in X itself: each stops the clock of the mention it answers (the repository
        joins an outbound post to the conversation of what it replies to, and drops the others). One page each poll,
        since the last one read (the newest page on a first poll, for mentions answered before connecting); X bills
        them as the account's own reads, and an empty read costs nothing. A rate limit only postpones them."""
        if state.own_until is not None and now < state.own_until:
            return [], state
        params = dict(OWN_PARAMS) | ({"since_id": state.own_since} if state.own_since else {})
        try:
            answer = api.get(f"2/users/{shop}/tweets", params)
        except RateLimited as limited:
            until = now + timedelta(seconds=limited.retry_after)
            warnings.append(postponed(limited, "your own posts"))
            return [], dataclasses.replace(state, own_until=until)
        replies = [post for post in items(answer.body) if replied_to(post)]
        me = {shop: {"id": shop, "username": self.username or shop, "name": self.username or shop}}
        found: list[RemoteMessage] = []
        if read_each(replies, _post_reader(me, shop), found):
            warnings.append(f"Skipped some of your own {NAME} posts Social Inbox could not read.")
        if state.own_since is not None and meta(answer.body, "next_token") is not None:
            warnings.append(f"You posted more on {NAME} than one check reads; some of your replies may be missing.")
        newest = meta(answer.body, "newest_id")
        own_since = newest if newest and POST_ID.match(newest) else state.own_since
        return found, dataclasses.replace(state, own_since=own_since, own_until=answer.exhausted_until(now))

    # --- sending ----------------------------------------------------------------------------------------------

    def send(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply:
        self._shop()
        if not reply.text.strip():
            raise Rejected("The reply is empty.")
        private = reply.visibility is Visibility.PRIVATE
        length = measure(reply.text, Platform.X, private=private)
        if length.over:
            raise Rejected(f"The reply has {length.used} {length.unit}; {NAME} allows {length.limit}. Shorten it.")
        api = self._api(client, token)
        if private:
            conversation = _conversation(reply)
            data = api.post(f"2/{conversation}/messages", {"text": reply.text}).body.get("data")
            sent_id = data.get("dm_event_id") if isinstance(data, dict) else None
        else:
            body = {"text": reply.text, "reply": {"in_reply_to_tweet_id": _original(reply)}}
            data = api.post("2/tweets", body).body.get("data")
            sent_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(sent_id, str) or not POST_ID.match(sent_id):
            raise UncertainDelivery(f"{NAME} accepted the reply but its answer could not be read.")
        return SentReply(remote_id=sent_id, sent_at=self.clock.now(), url=None if private else self._post_url(sent_id))

    def find_sent(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply | None:
        """The shop's own reply with this text, newer than what it answers (so an older identical one is not it)."""
        shop = self._shop()
        api = self._api(client, token)
        if reply.visibility is Visibility.PRIVATE:
            params = {"max_results": FIND_SENT_LIMIT, "event_types": "MessageCreate", "dm_event.fields": DM_FIELDS}
            answer = api.get(f"2/{_conversation(reply)}/dm_events", params)
            mine = [e for e in items(answer.body) if e.get("sender_id") == shop]
            after = reply.in_reply_to if reply.in_reply_to and POST_ID.match(reply.in_reply_to) else None
            found = [e for e in mine if after is None or _newer(str(e.get("id")), after)]
        else:
            original = _original(reply)
            params = {"max_results": FIND_SENT_LIMIT, "since_id": original, "tweet.fields": TWEET_FIELDS}
            answer = api.get(f"2/users/{shop}/tweets", params)
            found = [post for post in items(answer.body) if replied_to(post) == original]
        for item in found:
            if plain(item.get("text")) == reply.text.strip() and isinstance(item.get("id"), str):
                return SentReply(remote_id=str(item["id"]), sent_at=_sent_at(item, self.clock.now()))
        return None

    def original_exists(self, client: httpx.Client, token: str, remote_id: str) -> bool:
        """A deleted post comes back as ``errors[]`` (resource-not-found) inside a 200. Post and message ids look
        alike, so what is no post is looked up as a direct message before it counts as deleted."""
        if not POST_ID.match(remote_id):
            return True
        api = self._api(client, token)
        if _found(lambda: api.get(f"2/tweets/{remote_id}", {"tweet.fields": "id"}), remote_id):
            return True
        return _found(lambda: api.get(f"2/dm_events/{remote_id}", {"dm_event.fields": "id"}), remote_id)

    # --- plumbing ---------------------------------------------------------------------------------------------

    def _shop(self) -> str:
        if not self.user_id or not POST_ID.match(self.user_id):
            raise AuthError(f"The {NAME} account does not know who it is; sign in to X again.")
        return self.user_id

    def _api(self, client: httpx.Client, token: str) -> XApi:
        return XApi(client, token, self.sessions, api_base=self.api_base, client_id=self.client_id, now=self.clock.now)

    def _post_url(self, post_id: str) -> str:
        return f"https://x.com/{self.username or 'i'}/status/{post_id}"


def _post_reader(users: Mapping[str, Json], shop: str) -> Callable[[Json], RemoteMessage]:
    return lambda post: post_message(post, users, shop)


def _newer(item_id: str, than: str) -> bool:
    return item_id.isdigit() and int(item_id) > int(than)


def _sent_at(item: Json, fallback: datetime) -> datetime:
    try:
        return parse_time(item.get("created_at"))
    except ValueError:
        return fallback


def _found(look_up: Callable[[], Answer], remote_id: str) -> bool:
    try:
        answer = look_up()
    except Gone:
        return False
    return isinstance(answer.body.get("data"), dict) and remote_id not in not_found_ids(answer.body)


def _conversation(reply: OutgoingReply) -> str:
    conversation = reply_conversation(reply)
    if conversation is None:
        raise Rejected(f"Social Inbox cannot tell which {NAME} direct-message conversation this reply belongs to.")
    return conversation


def _original(reply: OutgoingReply) -> str:
    if not reply.in_reply_to or not POST_ID.match(reply.in_reply_to):
        raise Rejected(f"Social Inbox cannot tell which {NAME} post this reply answers.")
    return reply.in_reply_to


def build_x(settings: Mapping[str, Any], clock: Clock) -> XConnector:
    """The ConnectorFactory for X: settings ``user_id``, ``username``, ``client_id`` and, for tests, ``api_base``."""
    user_id = str(settings.get("user_id") or "").strip()
    return XConnector(
        user_id=user_id or None,
        username=str(settings.get("username") or "").strip().lstrip("@"),
        client_id=str(settings.get("client_id") or "").strip(),
        api_base=str(settings.get("api_base") or API_BASE).rstrip("/"),
        clock=clock,
    )
