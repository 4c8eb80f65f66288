"""Graph objects to the app's messages, and replies to the Graph ids they go to, for the Facebook connector."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from socialinbox.connectors.base import Rejected, TransientError
from socialinbox.connectors.facebook_graph import NAME
from socialinbox.connectors.html_text import clean_text, safe_link
from socialinbox.connectors.watermark import Watermark, parse_time
from socialinbox.domain import Direction, OutgoingReply, RemoteAuthor, RemoteMessage, SentReply, Visibility

THREAD_PREFIX = "messenger:"
# A conversation taken private from a comment, keyed by the commenter's id until the first message (Facebook's private
# reply to the comment) names their Messenger id: SentReply.thread_key then re-keys it to THREAD_PREFIX + that PSID.
FROM_COMMENT_PREFIX = "messenger-from-comment:"
OBJECT_ID = re.compile(
    r"^[0-9]{1,40}(?:_[0-9]{1,40}){0,2}$"
)  # page, post ("page_post") and comment ("post_comment") ids
PSID = re.compile(r"^[0-9]{1,40}$")
Json = Mapping[str, Any]


def items(data: Any, place: str = NAME) -> list[Json]:
    """The objects of a Graph list (``{"data": [...]}``); anything else is trouble worth retrying, not a crash."""
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise TransientError(f"{place} sent a list in an unexpected shape; will retry.")
    return [item for item in items if isinstance(item, dict)]


def after_cursor(data: Any) -> str | None:
    """The cursor of the next page, only when Graph says there is one (``next``); never the ``next`` URL itself."""
    paging = data.get("paging") if isinstance(data, dict) else None
    if not isinstance(paging, dict) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return after if isinstance(after, str) and after else None


def may_have_new(post: Json, mark: Watermark | None) -> bool:
    """A post's ``updated_time`` moves when someone comments, so older posts need no comment request."""
    if mark is None:
        return True
    try:
        return parse_time(post.get("updated_time")) >= mark.time
    except ValueError:
        return True


def author(who: Any) -> RemoteAuthor:
    """Facebook names people (``name``); Instagram gives only the ``username``."""
    named = who.get("name") or who.get("username")
    name = clean_text(named) if isinstance(named, str) else ""
    remote_id = str(who["id"])
    return RemoteAuthor(remote_id=remote_id, handle=name or remote_id, display_name=name)


def comment_message(comment: Json, page: str) -> RemoteMessage | None:
    """None for what the owner cannot answer from here: hidden comments, stickers or photos alone, and comments whose
    author Facebook withholds (the token lacks pages_read_user_content)."""
    text, who, parent = comment.get("message"), comment.get("from"), comment.get("parent")
    if comment.get("is_hidden") is True or not isinstance(text, str) or not text.strip():
        return None
    if not isinstance(who, dict) or not who.get("id"):
        return None
    return RemoteMessage(
        remote_id=str(comment["id"]),
        author=author(who),
        text=clean_text(text).strip(),
        sent_at=parse_time(comment.get("created_time")),
        visibility=Visibility.PUBLIC,
        direction=Direction.OUTBOUND if str(who["id"]) == page else Direction.INBOUND,
        in_reply_to=str(parent["id"]) if isinstance(parent, dict) and parent.get("id") else None,
        url=safe_link(comment["permalink_url"]) if isinstance(comment.get("permalink_url"), str) else None,
    )


def customer_psid(thread: Json, page: str) -> str:
    """The customer's page-scoped id: the participant who is not the Page."""
    for person in items(thread.get("participants")):
        if str(person.get("id")) != page and PSID.match(str(person.get("id"))):
            return str(person["id"])
    raise ValueError("a conversation without a customer")


def messenger_message(item: Json, page: str, psid: str, when: datetime, prefix: str = THREAD_PREFIX) -> RemoteMessage:
    who = item["from"]
    text = item.get("message")
    words = clean_text(text).strip() if isinstance(text, str) else ""
    return RemoteMessage(
        remote_id=str(item["id"]),
        author=author(who),
        text=words or "[attachment]",  # a photo or sticker alone still needs an answer
        sent_at=when,
        visibility=Visibility.PRIVATE,
        direction=Direction.OUTBOUND if str(who["id"]) == page else Direction.INBOUND,
        thread_key=f"{prefix}{psid}",
    )


def reply_psid(reply: OutgoingReply, prefix: str = THREAD_PREFIX, inbox: str = f"{NAME} Messenger") -> str:
    """The customer's scoped id (a PSID, or an Instagram IGSID) from the private conversation's thread key."""
    psid = (reply.thread_key or "").removeprefix(prefix)
    if not (reply.thread_key or "").startswith(prefix) or not PSID.match(psid):
        raise Rejected(f"Social Inbox cannot tell which {inbox} conversation this reply belongs to.")
    return psid


def own_item(
    candidates: list[Json],
    own_id: str,
    text: str,
    now: datetime,
    *,
    text_key: str = "message",
    time_key: str = "created_time",
) -> SentReply | None:
    """The shop's own item with exactly ``text`` among ``candidates``: a reply an uncertain attempt did post."""
    for item in candidates:
        who, said, item_id = item.get("from"), item.get(text_key), item.get("id")
        if isinstance(who, dict) and who.get("id") == own_id and said == text and item_id:
            try:
                sent_at = parse_time(item.get(time_key))
            except ValueError:
                sent_at = now
            return SentReply(remote_id=str(item_id), sent_at=sent_at)
    return None


def reply_comment_id(reply: OutgoingReply) -> str:
    if not reply.in_reply_to or not OBJECT_ID.match(reply.in_reply_to):
        raise Rejected(f"Social Inbox cannot tell which {NAME} comment this reply answers.")
    return reply.in_reply_to
