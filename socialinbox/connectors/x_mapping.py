"""X posts and direct-message events to the app's messages, and the X connector's cursor.

Field names drifted in X's August 2026 API description (``referenced_tweets`` became ``referenced_posts``,
``edit_history_tweet_ids`` became ``edit_history_post_ids``); the live API and every recording use the old names.
Both are read, whichever comes.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from socialinbox.connectors.html_text import clean_text, safe_link
from socialinbox.connectors.x_api import iso, parse_time
from socialinbox.domain import Direction, OutgoingReply, RemoteAuthor, RemoteMessage, Visibility

DM_PREFIX = "dm:"  # a one-to-one conversation: dm:<the customer's user id> (see dm_thread_key)
GROUP_PREFIX = "dm-group:"  # a group conversation: dm-group:<its id>
POST_ID = re.compile(r"^[0-9]{1,19}$")
DM_CONVERSATION_ID = re.compile(r"^[0-9]{1,19}(?:-[0-9]{1,19})?$")  # "small-large" one to one, a single id for groups
MAX_SEEN_DMS = 200
Json = Mapping[str, Any]


def items(body: Json, key: str = "data") -> list[Json]:
    listed = body.get(key)
    return [item for item in listed if isinstance(item, dict)] if isinstance(listed, list) else []


def either(item: Json, *names: str) -> Any:
    """The first of ``names`` the item carries: the classic field name, then its 2026 rename."""
    return next((item[name] for name in names if name in item), None)


def users_by_id(body: Json) -> dict[str, Json]:
    includes = body.get("includes")
    users = items(includes, "users") if isinstance(includes, dict) else []
    return {str(user["id"]): user for user in users if isinstance(user.get("id"), str)}


def meta(body: Json, key: str) -> str | None:
    found = body.get("meta")
    value = found.get(key) if isinstance(found, dict) else None
    return value if isinstance(value, str) and value else None


def author(user_id: str, users: Mapping[str, Json]) -> RemoteAuthor:
    user = users.get(user_id, {})
    username, name = user.get("username"), user.get("name")
    handle = f"@{clean_text(username)}" if isinstance(username, str) and username else user_id
    return RemoteAuthor(
        remote_id=user_id, handle=handle, display_name=clean_text(name) if isinstance(name, str) else ""
    )


def plain(text: Any) -> str:
    """X sends text with ``&amp;``, ``&lt;`` and ``&gt;`` escaped: the owner reads the characters themselves."""
    return clean_text(html.unescape(text)).strip() if isinstance(text, str) else ""


def stable_id(post: Json) -> str:
    """An edited post gets a new id; the first of its edit history stays its key, so an edit updates it in place."""
    history = either(post, "edit_history_tweet_ids", "edit_history_post_ids")
    if isinstance(history, list) and history and isinstance(history[0], str) and POST_ID.match(history[0]):
        return history[0]
    return str(post["id"])


def replied_to(post: Json) -> str | None:
    references = either(post, "referenced_tweets", "referenced_posts")
    for reference in references if isinstance(references, list) else []:
        if (
            isinstance(reference, dict)
            and reference.get("type") == "replied_to"
            and isinstance(reference.get("id"), str)
        ):
            return str(reference["id"])
    return None


def links(item: Json) -> tuple[str, ...]:
    """The real addresses behind the ``t.co`` links in the text (``entities.urls[].expanded_url``)."""
    entities = item.get("entities")
    found = []
    for url in items(entities, "urls") if isinstance(entities, dict) else []:
        expanded = url.get("expanded_url") or url.get("url")
        safe = safe_link(expanded) if isinstance(expanded, str) else None
        if safe and safe not in found:
            found.append(safe)
    return tuple(found)


def post_message(post: Json, users: Mapping[str, Json], shop_id: str) -> RemoteMessage:
    """A mention (or a reply to the shop's post); KeyError/ValueError/TypeError when it cannot be read."""
    post_id, author_id = str(post["id"]), str(post["author_id"])
    who = author(author_id, users)
    username = who.handle.removeprefix("@") if who.handle.startswith("@") else "i"
    conversation = post.get("conversation_id")
    return RemoteMessage(
        remote_id=stable_id(post),
        author=who,
        text=plain(post["text"]) or "[media]",
        sent_at=parse_time(post["created_at"]),
        visibility=Visibility.PUBLIC,
        direction=Direction.OUTBOUND if author_id == shop_id else Direction.INBOUND,
        thread_key=post_thread_key(post, conversation, author_id, shop_id),
        in_reply_to=replied_to(post),
        url=f"https://x.com/{username}/status/{post_id}",
        links=links(post),
    )


def post_thread_key(post: Json, conversation: object, author_id: str, shop_id: str) -> str | None:
    """The conversation a post belongs to when its parent is not stored: X's ``conversation_id`` (the thread's first
    post) with the customer in it, as Bluesky's threads are keyed. Every customer who answers under one post of the
    shop has a conversation (and a one-hour clock) of their own; the shop's answer to one of them joins theirs."""
    if not (isinstance(conversation, str) and POST_ID.match(conversation)):
        return None
    replying_to = post.get("in_reply_to_user_id")
    customer = author_id if author_id != shop_id else (str(replying_to) if replying_to else shop_id)
    return conversation if customer == shop_id else f"{conversation}#{customer}"


def dm_message(event: Json, users: Mapping[str, Json], shop_id: str) -> RemoteMessage | None:
    """A direct message (None for events that are not messages: people joining or leaving a group)."""
    if event.get("event_type", "MessageCreate") != "MessageCreate":
        return None
    conversation, sender = str(event["dm_conversation_id"]), str(event["sender_id"])
    if not DM_CONVERSATION_ID.match(conversation):
        raise ValueError("not a conversation id")
    return RemoteMessage(
        remote_id=str(event["id"]),
        author=author(sender, users),
        text=plain(event.get("text")) or "[attachment]",  # a photo alone still needs an answer
        sent_at=parse_time(event["created_at"]),
        visibility=Visibility.PRIVATE,
        direction=Direction.OUTBOUND if sender == shop_id else Direction.INBOUND,
        thread_key=dm_thread_key(conversation, shop_id),
        links=links(event),
    )


def dm_thread_key(conversation: str, shop_id: str) -> str:
    """A one-to-one conversation (X's id is the two user ids, "small-large") is keyed by the customer's user id, as
    Bluesky's and Instagram's are: "take it private" from a public post opens ``dm:<customer>`` before any message
    exists there, and the customer's answer lands in it. A group keeps X's conversation id."""
    people = conversation.split("-")
    if len(people) == 2 and shop_id in people and people[0] != people[1]:
        return f"{DM_PREFIX}{people[1] if people[0] == shop_id else people[0]}"
    return f"{GROUP_PREFIX}{conversation}"


def reply_conversation(reply: OutgoingReply) -> str | None:
    """The API path of the direct conversation a reply goes to: ``dm_conversations/with/{user}`` one to one (which
    also starts one), ``dm_conversations/{id}`` for a group; None for a key that is neither."""
    key = reply.thread_key or ""
    if key.startswith(GROUP_PREFIX) and DM_CONVERSATION_ID.match(key.removeprefix(GROUP_PREFIX)):
        return f"dm_conversations/{key.removeprefix(GROUP_PREFIX)}"
    if key.startswith(DM_PREFIX) and POST_ID.match(key.removeprefix(DM_PREFIX)):
        return f"dm_conversations/with/{key.removeprefix(DM_PREFIX)}"
    return None


def read_each(listed: list[Json], read: Callable[[Json], RemoteMessage | None], found: list[RemoteMessage]) -> int:
    """Map every item into ``found``; the number that could not be read (one bad item never hides the rest)."""
    unreadable = 0
    for item in listed:
        try:
            message = read(item)
        except (KeyError, ValueError, TypeError, AttributeError):
            unreadable += 1
            continue
        if message is not None:
            found.append(message)
    return unreadable


# --- the cursor ---------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class XCursor:
    """Where the last poll stopped. Mentions and the shop's own posts: the newest id read (``since_id``). Direct
    messages have no
    ``since_id``: the newest event's time, the ids seen near it (``OVERLAP`` in ``x.py``), and when they were last
    read (they are read less often: X allows about 15 reads per 15 minutes). ``*_until``: a rate limit's end."""

    mentions_since: str | None = None
    dm_newest: datetime | None = None
    dm_seen: frozenset[str] = frozenset()
    dm_read_at: datetime | None = None
    dm_until: datetime | None = None
    mentions_until: datetime | None = None
    own_since: str | None = None  # the shop's own newest post read (its replies made in X itself)
    own_until: datetime | None = None

    def dump(self) -> str:
        data: dict[str, Any] = {"v": 1, "m": self.mentions_since, "ds": sorted(self.dm_seen, key=int)[-MAX_SEEN_DMS:]}
        data["o"] = self.own_since
        times = {
            "dn": self.dm_newest,
            "dr": self.dm_read_at,
            "du": self.dm_until,
            "mu": self.mentions_until,
            "ou": self.own_until,
        }
        data |= {key: iso(value) for key, value in times.items() if value is not None}
        return json.dumps({k: v for k, v in data.items() if v}, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str | None) -> XCursor:
        """The stored cursor; anything unreadable counts as a first poll (storage drops what is read twice)."""
        try:
            data = json.loads(text) if text else {}
        except (ValueError, RecursionError):
            data = {}
        if not isinstance(data, dict):
            return cls()
        since, own = data.get("m"), data.get("o")
        seen = data.get("ds")
        return cls(
            mentions_since=since if isinstance(since, str) and POST_ID.match(since) else None,
            own_since=own if isinstance(own, str) and POST_ID.match(own) else None,
            own_until=_time(data.get("ou")),
            dm_newest=_time(data.get("dn")),
            dm_seen=frozenset(i for i in seen if isinstance(i, str) and POST_ID.match(i))
            if isinstance(seen, list)
            else frozenset(),
            dm_read_at=_time(data.get("dr")),
            dm_until=_time(data.get("du")),
            mentions_until=_time(data.get("mu")),
        )


def _time(value: Any) -> datetime | None:
    try:
        return parse_time(value)
    except ValueError:
        return None
