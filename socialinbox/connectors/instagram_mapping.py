"""Instagram's Graph objects (media, comments) to the app's messages, the comment counts the cursor keeps, and replies
to the ids they go to, for the Instagram connector. Direct messages map as Messenger's do (``facebook_inbox``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from socialinbox.connectors.base import Rejected
from socialinbox.connectors.facebook_mapping import PSID, Json, author, reply_psid
from socialinbox.connectors.html_text import clean_text, safe_link
from socialinbox.connectors.watermark import OVERLAP, parse_time
from socialinbox.domain import Direction, OutgoingReply, RemoteMessage, Visibility

NAME = "Instagram"
DM_PREFIX = "dm:"  # + the customer's IGSID: the one conversation Instagram keeps per pair of accounts
IG_ID = PSID  # media, comment, account and IGSID ids are all digits
MAX_MEDIA_KEPT = 50  # the cursor keeps comment counts of at most this many media (a poll lists 25)
PRIVATE_REPLY_WINDOW = timedelta(days=7)  # a comment can be answered in private this long after it was written
MESSAGING_WINDOW = timedelta(hours=24)  # a direct message may answer the customer's own this long after it


@dataclasses.dataclass(frozen=True, slots=True)
class Shop:
    """The Instagram professional account: its comments and messages are the shop's own (outbound)."""

    ig_user_id: str
    username: str

    def wrote(self, who: Any, username: Any = None) -> bool:
        said = who.get("username") if isinstance(who, dict) else username
        if isinstance(who, dict) and str(who.get("id")) == self.ig_user_id:
            return True
        return isinstance(said, str) and bool(self.username) and said.casefold() == self.username.casefold()


@dataclasses.dataclass(frozen=True, slots=True)
class Seen:
    """A media's comment count at the last poll, and when it last changed while Graph may still be catching up."""

    count: int
    changed_at: datetime | None = None


def comment_message(comment: Json, shop: Shop, permalink: Any, parent: str | None = None) -> RemoteMessage | None:
    """A comment or a reply to one; None for what the owner cannot answer from here (hidden, without text, without an
    author). Every comment of a thread is keyed by its top-level comment, the only one Instagram lets us reply to."""
    text, who, username = comment.get("text"), comment.get("from"), comment.get("username")
    if comment.get("hidden") is True or not isinstance(text, str) or not text.strip():
        return None
    if not isinstance(who, dict) or not who.get("id"):
        if not isinstance(username, str) or not username:
            return None
        who = {"id": username, "username": username}  # no IGSID given: the comment still counts, but not privately
    elif not who.get("username") and isinstance(username, str):
        who = {**who, "username": username}
    parent = str(comment["parent_id"]) if comment.get("parent_id") else parent
    return RemoteMessage(
        remote_id=str(comment["id"]),
        author=author(who),
        text=clean_text(text).strip(),
        sent_at=parse_time(comment.get("timestamp")),
        visibility=Visibility.PUBLIC,
        direction=Direction.OUTBOUND if shop.wrote(who) else Direction.INBOUND,
        thread_key=parent or str(comment["id"]),
        in_reply_to=parent,
        url=safe_link(permalink) if isinstance(permalink, str) else None,
    )


def replies_of(comment: Json) -> list[Json]:
    """The replies Graph nested in a top-level comment (``replies{...}``), each knowing its parent."""
    nested = comment.get("replies")
    data = nested.get("data") if isinstance(nested, dict) else None
    return [reply for reply in data if isinstance(reply, dict)] if isinstance(data, list) else []


def has_more_replies(comment: Json) -> bool:
    nested = comment.get("replies")
    paging = nested.get("paging") if isinstance(nested, dict) else None
    return isinstance(paging, dict) and bool(paging.get("next"))


def to_read(before: Seen | None, count: int, polled_at: datetime | None, now: datetime) -> tuple[bool, Seen]:
    """Whether a media's comments need reading, and what to keep of it. Only a changed count is worth a request; but
    Graph is eventually consistent and may count a comment before it lists it, so a media whose count changed is read
    again until a poll has run ``OVERLAP`` after the change (the repository stores each comment once)."""
    if polled_at is None:  # a first poll back-fills every media that has comments
        return count > 0, Seen(count)
    if before is None or before.count != count:
        return count > 0, Seen(count, now)
    if before.changed_at is not None and polled_at < before.changed_at + OVERLAP:
        return True, before
    return False, Seen(count)


def parse_seen(value: Any) -> dict[str, Seen]:
    """The cursor's ``{"media id": [count, changed_at or null]}``; whatever is unreadable is left out."""
    seen: dict[str, Seen] = {}
    for media_id, entry in value.items() if isinstance(value, dict) else ():
        if not isinstance(entry, list) or len(entry) != 2 or type(entry[0]) is not int or not IG_ID.match(media_id):
            continue
        try:
            changed = parse_time(entry[1]) if entry[1] is not None else None
        except ValueError:
            changed = None
        seen[media_id] = Seen(entry[0], changed)
    return seen


def format_seen(seen: Mapping[str, Seen]) -> dict[str, list[Any]]:
    kept = list(seen.items())[:MAX_MEDIA_KEPT]
    return {key: [s.count, s.changed_at.isoformat() if s.changed_at else None] for key, s in kept}


def reply_igsid(reply: OutgoingReply) -> str:
    return reply_psid(reply, DM_PREFIX, f"{NAME} direct message")


def reply_comment(reply: OutgoingReply) -> str:
    """The top-level comment of the reply's thread (its thread key): Instagram threads replies one level deep."""
    for candidate in (reply.thread_key, reply.in_reply_to):
        if candidate and IG_ID.match(candidate):
            return candidate
    raise Rejected(f"Social Inbox cannot tell which {NAME} comment this reply answers.")
