"""Google reviews to the app's messages, and replies to the review they answer.

A review is a public conversation of its own (thread key ``review:<reviewId>``). Its text is the star rating, then the
comment (a rating-only review has none: the stars say it all). The shop's reply (``reviewReply``, one per review, made
here or in Google itself) is an outbound message in the same conversation, so it stops the clock.

Message ids carry a digest of what they say: ``<reviewId>#<digest>`` for the customer's review and
``<reviewId>/reply#<digest>`` for the reply. A review the customer edits comes back with a new text, so a new id: a
new message in the same conversation that shows the owner the change and asks for an answer again. A review that
comes back unchanged (its ``updateTime`` may move for other reasons, such as the shop's own reply) keeps its id, and
the repository, which stores each id once, ignores it. Text is kept as Google gives it, "(Translated by Google)"
included.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from socialinbox.connectors.base import Rejected
from socialinbox.connectors.google_api import NAME
from socialinbox.connectors.html_text import clean_text
from socialinbox.connectors.watermark import parse_time
from socialinbox.domain import Direction, OutgoingReply, RemoteAuthor, RemoteMessage, SentReply, Visibility

THREAD_PREFIX = "review:"
REPLY_MARK = "/reply#"
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
ANONYMOUS = "A Google user"
# A review's updateTime this close to its createTime, or to the reply's time, is not the customer editing it.
EDIT_SLACK = timedelta(minutes=1)
REVIEW_ID = re.compile(r"^[A-Za-z0-9_.~-]{1,300}$")
Json = Mapping[str, Any]


def stars(rating: Any) -> str:
    count = STARS.get(str(rating))
    return "★" * count + "☆" * (5 - count) if count else "(no star rating)"


def review_text(review: Json, edited: bool) -> str:
    comment = review.get("comment")
    words = clean_text(comment).strip() if isinstance(comment, str) else ""
    heading = stars(review.get("starRating")) + (" (edited)" if edited else "")
    return f"{heading}\n{words}" if words else f"{heading} (no written review)"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def reply_id(review_id: str, comment: str) -> str:
    return f"{review_id}{REPLY_MARK}{digest(comment)}"


def review_messages(review: Json, location: str, shop_name: str) -> list[RemoteMessage]:
    """The customer's review and, when there is one, the shop's reply; KeyError/ValueError for what cannot be read."""
    review_id = str(review["reviewId"])
    if not REVIEW_ID.match(review_id):
        raise ValueError("not a review id")
    created, updated = parse_time(review.get("createTime")), parse_time(review.get("updateTime"))
    reply = review.get("reviewReply") if isinstance(review.get("reviewReply"), dict) else None
    replied = _time_or(reply.get("updateTime"), updated) if reply else None
    bumped_by_reply = replied is not None and abs(updated - replied) <= EDIT_SLACK
    edited = updated - created > EDIT_SLACK and not bumped_by_reply
    messages = [
        RemoteMessage(
            remote_id=f"{review_id}#{digest(_content(review))}",
            author=_reviewer(review, review_id),
            text=review_text(review, edited),
            sent_at=updated if edited else created,
            visibility=Visibility.PUBLIC,
            thread_key=f"{THREAD_PREFIX}{review_id}",
        )
    ]
    said = reply.get("comment") if reply else None
    if replied is not None and isinstance(said, str) and said.strip():
        shop = RemoteAuthor(remote_id=location, handle=shop_name, display_name=shop_name)
        messages.append(
            RemoteMessage(
                remote_id=reply_id(review_id, said),
                author=shop,
                text=clean_text(said).strip(),
                sent_at=replied,
                visibility=Visibility.PUBLIC,
                direction=Direction.OUTBOUND,
                thread_key=f"{THREAD_PREFIX}{review_id}",
            )
        )
    return messages


def found_reply(review: Json, text: str, now: datetime) -> SentReply | None:
    """The review's current reply when it says exactly ``text``: an earlier, uncertain attempt did go out."""
    reply = review.get("reviewReply")
    if not isinstance(reply, dict) or reply.get("comment") != text:
        return None
    return SentReply(
        remote_id=reply_id(str(review.get("reviewId")), text), sent_at=_time_or(reply.get("updateTime"), now)
    )


def sent_reply(answer: Any, review_id: str, text: str, now: datetime) -> SentReply:
    """What ``PUT .../reply`` answered (a ``ReviewReply``); its id is the one the next poll gives the reply."""
    said = answer.get("comment") if isinstance(answer, dict) else None
    comment = said if isinstance(said, str) and said else text
    when = answer.get("updateTime") if isinstance(answer, dict) else None
    return SentReply(remote_id=reply_id(review_id, comment), sent_at=_time_or(when, now))


def reply_review_id(reply: OutgoingReply) -> str:
    """The review a reply answers, from its conversation's thread key (or the review message it answers)."""
    key = reply.thread_key or ""
    review_id = key.removeprefix(THREAD_PREFIX) if key.startswith(THREAD_PREFIX) else review_id_of(reply.in_reply_to)
    if not review_id or not REVIEW_ID.match(review_id):
        raise Rejected(f"Social Inbox cannot tell which {NAME} review this reply answers.")
    return review_id


def review_id_of(remote_id: str | None) -> str:
    """``<reviewId>`` of a review's message id (``<reviewId>#<digest>`` or ``<reviewId>/reply#<digest>``)."""
    return (remote_id or "").partition("#")[0].removesuffix("/reply")


def _content(review: Json) -> str:
    """What the customer said: a new rating or comment is a new message, a new label or time is not."""
    comment = review.get("comment")
    return f"{review.get('starRating')}\n{comment if isinstance(comment, str) else ''}"


def _reviewer(review: Json, review_id: str) -> RemoteAuthor:
    # Reviews carry no reviewer id, and a person writes one review per place: the review identifies its author.
    given = review.get("reviewer")
    who: Json = given if isinstance(given, dict) else {}
    named = who.get("displayName") if who.get("isAnonymous") is not True else None
    name = clean_text(named).strip() if isinstance(named, str) else ""
    return RemoteAuthor(remote_id=f"reviewer:{review_id}", handle=name or ANONYMOUS, display_name=name or ANONYMOUS)


def _time_or(value: Any, fallback: datetime) -> datetime:
    try:
        return parse_time(value)
    except ValueError:
        return fallback
