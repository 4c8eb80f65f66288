"""Bluesky direct messages (``chat.bsky.convo``), reached through the PDS with the ``atproto-proxy`` header.

- First poll: ``listConvos`` (newest first) and, for conversations active within the back-fill window,
  ``getMessages`` (one page, newest first). The chat cursor starts at the highest convo ``rev`` seen, as the
  Bluesky app does.
- Later polls: ``getLog?cursor=<rev>`` returns what happened since (``#logCreateMessage`` carries the message and,
  usually, ``relatedProfiles``); its ``cursor`` is the next position. Unknown senders are looked up with ``getConvo``.
- Replies: ``sendMessage`` (1000 graphemes); a public conversation taken private starts with ``getConvoForMembers``.

Message ids are ``chat:<convoId>:<messageId>``. A one-to-one chat's thread key is ``dm:<customer DID>`` (Bluesky keeps
one chat per pair of accounts, found with ``getConvoForMembers``), so a public thread taken private and the customer's
own DMs are one conversation; a group chat's is ``convo:<convoId>``. Reading
direct messages needs an app password created with "Allow access to your direct messages"; without one, the PDS
answers ``InvalidToken: Bad token method``, and the connector says so instead of failing the whole poll.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from socialinbox.connectors.base import Rejected, UncertainDelivery
from socialinbox.connectors.bluesky_facets import facets_to_text
from socialinbox.connectors.bluesky_posts import parse_time
from socialinbox.connectors.bluesky_session import SignedIn
from socialinbox.connectors.bluesky_xrpc import NAME
from socialinbox.connectors.html_text import clean_text
from socialinbox.domain import Direction, RemoteAuthor, RemoteMessage, SentReply, Visibility

MESSAGE_VIEW = "chat.bsky.convo.defs#messageView"
CREATE_MESSAGE_LOG = "chat.bsky.convo.defs#logCreateMessage"
PAGE_LIMIT = 100
MAX_CONVO_PAGES = 3
MAX_LOG_PAGES = 20
NO_DM_ACCESS = (
    "Direct messages are not fetched: this app password has no access to them. In Bluesky, create an app password "
    "with 'Allow access to your direct messages' and reconnect the account."
)
_SEND_ERRORS = {
    "ConvoLocked": "the conversation is locked",
    "InvalidConvo": "the conversation no longer exists",
    "MessagesDisabled": "the customer does not accept direct messages",
    "NotFollowedBySender": "the customer only accepts direct messages from people they follow",
    "RecipientNotFound": "the customer's account is gone",
    "BlockedActor": "one of you has blocked the other",
    "ReplyTargetNotFound": "the message answered is gone",
}
_Json = Mapping[str, Any]


class NoDmAccess(Exception):
    """The session may not use the chat service (an app password without DM access)."""


@dataclasses.dataclass(frozen=True, slots=True)
class ChatBatch:
    messages: tuple[RemoteMessage, ...]
    cursor: str | None
    skipped: int = 0


@dataclasses.dataclass
class ChatReader:
    api: SignedIn
    proxy: str
    profiles: dict[str, _Json] = dataclasses.field(default_factory=dict)
    keys: dict[str, str] = dataclasses.field(default_factory=dict)  # convo id -> thread key
    skipped: int = 0

    def backfill(self, since: datetime) -> ChatBatch:
        messages: list[RemoteMessage] = []
        revs: list[str] = []
        cursor: str | None = None
        for _ in range(MAX_CONVO_PAGES):
            page = self._query("chat.bsky.convo.listConvos", {"limit": PAGE_LIMIT, **_at(cursor)})
            convos = [c for c in _list(page, "convos") if isinstance(c.get("id"), str)]
            for convo in convos:
                revs.append(str(convo.get("rev") or ""))
                self._note(convo)
                last = convo.get("lastMessage")
                sent = parse_time(last.get("sentAt")) if isinstance(last, dict) else None
                if sent is not None and sent >= since:
                    messages += self._history(convo["id"])
            cursor = page.get("cursor") if isinstance(page.get("cursor"), str) else None
            if not convos or cursor is None:
                break
        return ChatBatch(tuple(messages), max(revs, default="") or None, self.skipped)

    def catch_up(self, cursor: str) -> ChatBatch:
        messages: list[RemoteMessage] = []
        for _ in range(MAX_LOG_PAGES):
            page = self._query("chat.bsky.convo.getLog", {"cursor": cursor})
            every = _list(page, "logs")
            for log in (log for log in every if log.get("$type") == CREATE_MESSAGE_LOG):
                self._remember(log.get("relatedProfiles"))
                convo_id, view = log.get("convoId"), log.get("message")
                if isinstance(convo_id, str) and isinstance(view, dict):
                    messages += self._read(convo_id, [view])
            following = page.get("cursor")
            if not isinstance(following, str):  # no cursor given: the newest rev seen is the position
                following = max((str(log.get("rev") or "") for log in every), default="") or cursor
            if following == cursor or not every:
                break
            cursor = following
        return ChatBatch(tuple(messages), cursor, self.skipped)

    def _history(self, convo_id: str) -> list[RemoteMessage]:
        page = self._query("chat.bsky.convo.getMessages", {"convoId": convo_id, "limit": PAGE_LIMIT})
        self._remember(page.get("relatedProfiles"))
        return self._read(convo_id, _list(page, "messages"))

    def _read(self, convo_id: str, views: list[_Json]) -> list[RemoteMessage]:
        found = []
        for view in views:
            if view.get("$type", MESSAGE_VIEW) != MESSAGE_VIEW:
                continue  # deleted and system messages carry no text to answer
            sender = view.get("sender", {}).get("did") if isinstance(view.get("sender"), dict) else None
            unknown_sender = isinstance(sender, str) and sender != self.api.did and sender not in self.profiles
            if convo_id not in self.keys or unknown_sender:
                self._load(convo_id)
            try:
                key = self.keys.get(convo_id, convo_key(convo_id))
                found.append(chat_message(view, convo_id, key, self.profiles, self.api.did))
            except (KeyError, TypeError, ValueError, AttributeError):
                self.skipped += 1
        return found

    def _load(self, convo_id: str) -> None:
        answer = self.api.query("chat.bsky.convo.getConvo", {"convoId": convo_id}, proxy=self.proxy, accept=(400,))
        convo = answer.data.get("convo") if answer.ok and isinstance(answer.data, dict) else None
        if isinstance(convo, dict):
            self._note(convo)
        self.keys.setdefault(convo_id, convo_key(convo_id))  # asked once per poll, found or not

    def _note(self, convo: _Json) -> None:
        """Remember a conversation's members and its thread key: a one-to-one chat is keyed by the customer."""
        members = [m for m in convo.get("members") or [] if isinstance(m, dict)]
        self._remember(members)
        others = [m.get("did") for m in members if m.get("did") != self.api.did]
        kind = convo.get("kind")
        group = isinstance(kind, dict) and kind.get("$type") == "chat.bsky.convo.defs#groupConvo"
        direct = not group and len(members) == 2 and len(others) == 1 and isinstance(others[0], str)
        self.keys[str(convo["id"])] = dm_key(str(others[0])) if direct else convo_key(str(convo["id"]))

    def _remember(self, profiles: Any) -> None:
        for profile in profiles if isinstance(profiles, list) else []:
            if isinstance(profile, dict) and isinstance(profile.get("did"), str):
                self.profiles[profile["did"]] = profile

    def _query(self, nsid: str, params: Mapping[str, Any]) -> _Json:
        answer = self.api.query(nsid, params, proxy=self.proxy, accept=("InvalidToken",))
        if not answer.ok:
            if "method" in answer.message.lower() or "scope" in answer.message.lower():
                raise NoDmAccess(NO_DM_ACCESS)
            self.api.fail(answer)  # any other InvalidToken: the sign-in itself is bad
        data: _Json = answer.data
        return data


def chat_message(
    view: _Json, convo_id: str, thread_key: str, profiles: Mapping[str, _Json], shop_did: str
) -> RemoteMessage:
    sender = view["sender"]["did"]
    if not isinstance(sender, str):
        raise TypeError("sender is not a DID")
    profile = profiles.get(sender, {})
    rendered = facets_to_text(str(view["text"]), view.get("facets"))
    text = rendered.text + ("\n\n[a post or link is attached]" if isinstance(view.get("embed"), dict) else "")
    sent_at = parse_time(view["sentAt"])
    if sent_at is None:
        raise ValueError("message without a readable time")
    reply_to = view.get("replyTo")
    answered = reply_to.get("id") if isinstance(reply_to, dict) else None
    return RemoteMessage(
        remote_id=message_id(convo_id, str(view["id"])),
        author=RemoteAuthor(
            remote_id=sender,
            handle=clean_text(str(profile.get("handle") or sender)),
            display_name=clean_text(str(profile.get("displayName") or "")).strip(),
        ),
        text=text,
        sent_at=sent_at,
        visibility=Visibility.PRIVATE,
        direction=Direction.OUTBOUND if sender == shop_did else Direction.INBOUND,
        thread_key=thread_key,
        in_reply_to=message_id(convo_id, answered) if isinstance(answered, str) else None,
        links=rendered.links,
    )


def message_id(convo_id: str, message: str) -> str:
    return f"chat:{convo_id}:{message}"


def convo_key(convo_id: str) -> str:
    return f"convo:{convo_id}"


def dm_key(customer_did: str) -> str:
    """The thread key of the one-to-one chat with a customer: Bluesky has one per pair of accounts, so the key can be
    known before the chat exists (taking a public thread private threads into the same conversation)."""
    return f"dm:{customer_did}"


def is_chat(thread_key: str | None) -> bool:
    return bool(thread_key) and str(thread_key).startswith(("convo:", "dm:"))


def chat_convo_id(api: SignedIn, proxy: str, thread_key: str | None, recipient_did: str | None) -> str:
    """The conversation to write to: named by a group's key, else the one-to-one chat with the customer."""
    if thread_key and thread_key.startswith("convo:"):
        return thread_key.removeprefix("convo:")
    did = thread_key.removeprefix("dm:") if thread_key and thread_key.startswith("dm:") else recipient_did
    if not did:
        raise Rejected(f"A direct message needs the customer's account; answer on {NAME} itself.")
    return convo_with(api, proxy, did)


def convo_with(api: SignedIn, proxy: str, member_did: str) -> str:
    """The direct conversation with one customer (created on first use), to take a public thread private."""
    answer = api.query("chat.bsky.convo.getConvoForMembers", {"members": member_did}, proxy=proxy, accept=(400,))
    convo = answer.data.get("convo") if isinstance(answer.data, dict) else None
    if not answer.ok or not isinstance(convo, dict) or not isinstance(convo.get("id"), str):
        raise Rejected(f"{NAME} would not open a direct conversation with this customer{_why(answer.error)}.")
    return str(convo["id"])


def send_chat(
    api: SignedIn, proxy: str, convo_id: str, text: str, facets: list[dict[str, Any]], now: datetime
) -> SentReply:
    message: dict[str, Any] = {"text": text, **({"facets": facets} if facets else {})}
    answer = api.procedure(
        "chat.bsky.convo.sendMessage",
        {"convoId": convo_id, "message": message},
        proxy=proxy,
        sending=True,
        accept=(400,),
    )
    if not answer.ok:
        if answer.error == "InvalidToken":
            raise Rejected(NO_DM_ACCESS.replace("are not fetched", "cannot be sent"))
        raise Rejected(f"{NAME} refused the direct message{_why(answer.error)}.")
    data = answer.data
    try:
        sent_at = parse_time(data.get("sentAt")) or now
        return SentReply(remote_id=message_id(convo_id, str(data["id"])), sent_at=sent_at)
    except (KeyError, TypeError, AttributeError):
        raise UncertainDelivery(f"{NAME} accepted the direct message but its answer could not be read.") from None


def find_sent_message(api: SignedIn, proxy: str, convo_id: str, text: str) -> SentReply | None:
    """The shop's newest direct message with this text in the conversation, if an earlier attempt did send it."""
    answer = api.query("chat.bsky.convo.getMessages", {"convoId": convo_id, "limit": 50}, proxy=proxy)
    for view in _list(answer.data, "messages"):
        sender = view.get("sender")
        mine = isinstance(sender, dict) and sender.get("did") == api.did
        sent_at = parse_time(view.get("sentAt"))
        if mine and view.get("text") == text and isinstance(view.get("id"), str) and sent_at is not None:
            return SentReply(remote_id=message_id(convo_id, view["id"]), sent_at=sent_at)
    return None


def _why(error: str) -> str:
    reason = _SEND_ERRORS.get(error)
    return f": {reason}" if reason else (f" ({error})" if error else "")


def _at(cursor: str | None) -> dict[str, str]:
    return {"cursor": cursor} if cursor else {}


def _list(data: _Json, key: str) -> list[_Json]:
    items = data.get(key) if isinstance(data, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
