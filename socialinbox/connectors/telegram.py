"""Telegram Bot API: a bot's private chats, group messages addressed to it, and Telegram Business chats.

Endpoints, all ``POST {api_base}/bot<token>/<method>`` with JSON bodies: ``getMe`` (verify), ``getWebhookInfo`` and
``deleteWebhook`` (long polling cannot work beside a webhook), ``getUpdates`` (long polling), ``sendMessage``.

Cursor: ``"<offset>|<ISO time of the poll>"``. The offset is the last ``update_id`` + 1 (empty before any update);
sending it confirms, and so deletes server-side, every earlier update, which is why the cursor may only be stored
together with the messages. The time lets the next poll warn when the app was off longer than the 24 hours Telegram
keeps undelivered updates.

Telegram puts the token in the URL path, and httpx errors carry the request and its URL, so every httpx error is
replaced by a message of our own (raised ``from None``) and server descriptions are scrubbed of the token. httpx's own
INFO log line ("HTTP Request: POST <url>") names the URL too: the app must keep the ``httpx`` logger above INFO.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from socialinbox.connectors.base import (
    AuthError,
    ConnectorError,
    RateLimited,
    Rejected,
    TransientError,
    UncertainDelivery,
)
from socialinbox.connectors.html_text import clean_text, safe_link
from socialinbox.connectors.http import loads_json, retry_after_seconds, send_capped
from socialinbox.domain import (
    Clock,
    Direction,
    OutgoingReply,
    Platform,
    PollResult,
    RemoteAuthor,
    RemoteMessage,
    SentReply,
    SystemClock,
    Visibility,
)
from socialinbox.limits import TELEGRAM_LIMIT, count_utf16_units

NAME = "Telegram"
API_BASE = "https://api.telegram.org"
ALLOWED_UPDATES = ("message", "edited_message", "business_connection", "business_message", "edited_business_message")
RETENTION = timedelta(hours=24)
RETENTION_WARNING = (
    "Telegram only keeps messages for 24 hours; messages sent while the app was off for longer may be missing."
)
_WEBHOOK = (
    "A webhook is set for {bot}, so Social Inbox cannot fetch its messages: remove the webhook in the account "
    "settings (the service using it will then stop getting messages)."
)
_CONFLICT = (
    "Another program is fetching the messages of {bot}: another copy of Social Inbox (perhaps on another computer) "
    "or another bot tool using the same token. Telegram allows only one at a time: close the other one, or give it "
    "its own bot from BotFather."
)
_POLL_MARGIN_S = 15.0  # the HTTP timeout must outlast Telegram's own long-poll wait
_TOKEN_RE = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$")
_THREAD_RE = re.compile(r"^(?:chat:|biz:(?P<biz>.+):)(?P<chat>-?[0-9]+)$")  # the thread keys poll() hands out
_REMOTE_ID_RE = re.compile(r"^(?P<chat>-?[0-9]+):(?P<message>[0-9]+)$")
_MEDIA_KINDS = (
    "photo video animation voice video_note audio document sticker location venue contact poll dice story paid_media "
    "live_photo checklist"
).split()
_MEDIA_NAMES = {"animation": "GIF", "voice": "voice message", "video_note": "video message", "document": "file"}
_Json = Mapping[str, Any]  # a decoded Bot API object


class ReplyRejected(Rejected):
    """Telegram refused this reply for good (too long, chat gone, bot blocked): sending it again will not help."""


class _Migrated(ConnectorError):
    def __init__(self, new_chat_id: int) -> None:
        super().__init__("The Telegram group was upgraded to a supergroup and has a new id.")
        self.new_chat_id = new_chat_id


@dataclasses.dataclass(frozen=True, slots=True)
class TelegramConnector:
    api_base: str = API_BASE
    long_poll_seconds: int = 25
    bot_username: str | None = None
    clock: Clock = dataclasses.field(default_factory=SystemClock, repr=False, compare=False)
    platform: Platform = dataclasses.field(default=Platform.TELEGRAM, init=False)

    def verify(self, client: httpx.Client, token: str) -> str:
        me = self._call(client, token, "getMe", {})
        if not isinstance(me, dict) or not isinstance(me.get("username"), str):
            raise TransientError("Telegram answered getMe without the bot's username; will retry.")
        return "@" + clean_text(me["username"])

    def webhook_info(self, client: httpx.Client, token: str) -> str | None:
        """The webhook URL set for this bot, if any: while one is set, polling gets 409 Conflict."""
        info = self._call(client, token, "getWebhookInfo", {})
        url = info.get("url") if isinstance(info, dict) else None
        return clean_text(url) if isinstance(url, str) and url else None

    def delete_webhook(self, client: httpx.Client, token: str) -> None:
        # Pending updates stay queued: they are customers' messages.
        self._call(client, token, "deleteWebhook", {"drop_pending_updates": False})

    def poll(self, client: httpx.Client, token: str, cursor: str | None) -> PollResult:
        offset, last_poll = parse_cursor(cursor)
        warnings: list[str] = []
        if last_poll is not None and self.clock.now() - last_poll > RETENTION:
            warnings.append(RETENTION_WARNING)
            # Everything before the stored offset is long gone, and after a quiet week Telegram restarts update ids
            # at random, possibly below it: ask from the earliest unconfirmed update instead.
            offset = None
        params: dict[str, Any] = {"timeout": self.long_poll_seconds, "limit": 100, "allowed_updates": ALLOWED_UPDATES}
        if offset is not None:
            params["offset"] = offset
        updates = self._call(client, token, "getUpdates", params)
        if not isinstance(updates, list):
            raise TransientError("Telegram sent an unreadable list of updates; will retry.")
        ids = [u["update_id"] for u in updates if isinstance(u, dict) and _is_integer(u.get("update_id"))]
        if ids:
            offset = max(ids) + 1
        messages, notes = self._read(client, token, updates)
        return PollResult(tuple(messages), format_cursor(offset, self.clock.now()), warnings=(*warnings, *notes))

    def send(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply:
        if not reply.text.strip():
            raise ReplyRejected("The reply is empty.")
        if (length := count_utf16_units(reply.text)) > TELEGRAM_LIMIT:  # the composer's own counter
            raise ReplyRejected(f"The reply has {length} characters; Telegram allows {TELEGRAM_LIMIT}. Shorten it.")
        body = _send_body(reply)
        try:
            sent = self._call(client, token, "sendMessage", body, sending=True)
        except _Migrated as moved:
            body["chat_id"] = moved.new_chat_id
            try:
                sent = self._call(client, token, "sendMessage", body, sending=True)
            except _Migrated:
                raise ReplyRejected("The Telegram group moved twice while sending; try again.") from None
        return self._sent_reply(sent)

    def _read(self, client: httpx.Client, token: str, updates: list[Any]) -> tuple[list[RemoteMessage], list[str]]:
        bot_id = int(token.partition(":")[0])  # the token's public first half is the bot's own user id
        username = self.bot_username
        if username is None and any(_is_group_message(u) for u in updates):
            username = self.verify(client, token).removeprefix("@")  # needed to see who is mentioned
        messages: list[RemoteMessage] = []
        notes: list[str] = []
        unreadable = 0
        for update in updates:
            try:
                message = _read_update(update, bot_id, username)
                if message is not None:
                    messages.append(message)
                notes.extend(_connection_notes(update.get("business_connection")))
            except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
                unreadable += 1  # skipped, not fatal: raising would block every later update for good
        if unreadable:
            notes.append(f"Skipped {unreadable} Telegram update(s) Social Inbox could not read.")
        return messages, notes

    def _sent_reply(self, sent: Any) -> SentReply:
        try:
            chat_id, message_id, url = int(sent["chat"]["id"]), int(sent["message_id"]), _message_url(sent["chat"])
            sent_at = datetime.fromtimestamp(sent["date"], UTC) if _is_integer(sent.get("date")) else self.clock.now()
        except (KeyError, TypeError, ValueError, AttributeError):
            raise UncertainDelivery("Telegram accepted the reply but its answer could not be read.") from None
        return SentReply(f"{chat_id}:{message_id}", sent_at, f"{url}/{message_id}" if url else None)

    def _call(self, client: httpx.Client, token: str, method: str, body: dict[str, Any], sending: bool = False) -> Any:
        if not _TOKEN_RE.match(token):
            raise AuthError("That is not a Telegram bot token; copy the whole token BotFather gave you.")
        url = f"{self.api_base.rstrip('/')}/bot{token}/{method}"
        # A long poll holds the request open for long_poll_seconds; the HTTP timeout must outlast it.
        wait = httpx.Timeout(self.long_poll_seconds + _POLL_MARGIN_S, connect=10.0) if method == "getUpdates" else None
        try:
            request = client.build_request("POST", url, json=body, timeout=wait or httpx.USE_CLIENT_DEFAULT)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            raise TransientError("The Telegram server address in the settings is not usable.") from None
        response, raw = send_capped(client, request, place=NAME, sending=sending)
        return self._unwrap(response, loads_json(raw), token, sending)

    def _unwrap(self, response: httpx.Response, body: Any, token: str, sending: bool) -> Any:
        if isinstance(body, dict) and body.get("ok") is True and "result" in body:
            return body["result"]
        status = response.status_code
        if not isinstance(body, dict) or not _is_integer(body.get("error_code")):
            # A proxy's error page or a cut-off answer; a 4xx one means the request was refused before Telegram.
            raise _trouble(f"Telegram's answer (HTTP {status}) could not be read", sending and not 400 <= status < 500)
        code = int(body["error_code"])
        said = clean_text(str(body.get("description") or "")).replace(token, "<token>")[:200]
        raw = body.get("parameters")
        parameters: _Json = raw if isinstance(raw, dict) else {}
        if code == 401:
            raise AuthError("Telegram says the bot token was revoked; create a new one with BotFather and reconnect.")
        if code == 429:
            wait = parameters.get("retry_after")
            seconds = float(wait) if isinstance(wait, int) else retry_after_seconds(response, self.clock.now(), 30.0)
            raise RateLimited(f"Telegram asked us to wait {seconds:.0f} s before the next request.", seconds)
        if code == 409:
            bot = f"@{self.bot_username}" if self.bot_username else "this bot"
            raise TransientError((_WEBHOOK if "webhook" in said.lower() else _CONFLICT).format(bot=bot))
        if code == 400 and sending and _is_integer(parameters.get("migrate_to_chat_id")):
            raise _Migrated(int(parameters["migrate_to_chat_id"]))
        if code >= 500:
            raise _trouble(f"Telegram is having trouble ({code})", sending)
        if sending and code in (400, 403):
            raise ReplyRejected(f"Telegram refused the reply: {said or code}.")
        raise TransientError(f"Telegram answered {code}: {said or 'no reason given'}; will retry.")


def build_telegram(settings: Mapping[str, Any], clock: Clock) -> TelegramConnector:
    """The ConnectorFactory for Telegram: settings ``api_base``, ``long_poll_seconds``, ``bot_username``."""
    username = settings.get("bot_username")
    return TelegramConnector(
        api_base=str(settings.get("api_base") or API_BASE),
        long_poll_seconds=max(0, min(50, int(settings.get("long_poll_seconds", 25)))),
        bot_username=(str(username).strip().removeprefix("@") or None) if username else None,
        clock=clock,
    )


def parse_cursor(cursor: str | None) -> tuple[int | None, datetime | None]:
    """``"offset|iso-time"`` -> (offset, time of that poll); tolerant of a bare offset and of garbage."""
    if not cursor:
        return None, None
    offset_text, _, time_text = cursor.partition("|")
    offset = int(offset_text) if offset_text.isdigit() else None
    try:
        when = datetime.fromisoformat(time_text)
    except ValueError:
        return offset, None
    return offset, (when.astimezone(UTC) if when.tzinfo else None)


def format_cursor(offset: int | None, polled_at: datetime) -> str:
    return f"{'' if offset is None else offset}|{polled_at.astimezone(UTC).isoformat()}"


# --- mapping one update -------------------------------------------------------------------------


def _read_update(update: _Json, bot_id: int, username: str | None) -> RemoteMessage | None:
    """Edits come back with the message's own remote id: a later version of the same message."""
    msg = update.get("message") or update.get("edited_message")
    biz = update.get("business_message") or update.get("edited_business_message")
    if msg is not None and msg["chat"]["type"] == "private":
        return _remote(msg, Visibility.PRIVATE, f"chat:{int(msg['chat']['id'])}", Direction.INBOUND)
    if msg is not None and msg["chat"]["type"] in ("group", "supergroup"):
        replied_from = (msg.get("reply_to_message") or {}).get("from") or {}
        addressed = replied_from.get("id") == bot_id or _mentions_bot(msg, bot_id, username)
        return _remote(msg, Visibility.PUBLIC, None, Direction.INBOUND) if addressed else None
    if biz is None or biz["chat"]["type"] != "private":
        return None  # channels, other update kinds
    chat_id = int(biz["chat"]["id"])
    # In a private chat the chat id is the customer's user id, so anyone else writing is the owner (from their own
    # Telegram app) or a bot on the owner's behalf: the shop's side, without needing the business_connection update.
    outbound = "sender_business_bot" in biz or int((biz.get("from") or {}).get("id", chat_id)) != chat_id
    thread_key = f"biz:{biz['business_connection_id']}:{chat_id}"
    return _remote(biz, Visibility.PRIVATE, thread_key, Direction.OUTBOUND if outbound else Direction.INBOUND)


def _remote(msg: _Json, visibility: Visibility, thread_key: str | None, direction: Direction) -> RemoteMessage | None:
    text = _message_text(msg)
    if text is None:
        return None  # service messages: members joining, titles changing, pins
    chat, chat_id, replied = msg["chat"], int(msg["chat"]["id"]), msg.get("reply_to_message")
    return RemoteMessage(
        remote_id=f"{chat_id}:{int(msg['message_id'])}",
        author=_author(msg),
        text=text,
        sent_at=datetime.fromtimestamp(int(msg["date"]), UTC),
        visibility=visibility,
        direction=direction,
        thread_key=thread_key,
        in_reply_to=f"{chat_id}:{int(replied['message_id'])}" if isinstance(replied, dict) else None,
        url=f"{url}/{int(msg['message_id'])}" if (url := _message_url(chat)) else None,
        links=_links(msg),
    )


def _message_text(msg: _Json) -> str | None:
    words = msg.get("text") if isinstance(msg.get("text"), str) else msg.get("caption")
    words = clean_text(words).strip() if isinstance(words, str) else ""
    kind = next((kind for kind in _MEDIA_KINDS if kind in msg), None)
    label = f"[{_MEDIA_NAMES.get(kind, kind).replace('_', ' ')}]" if kind else ""
    if kind == "document" and isinstance(msg["document"].get("file_name"), str):
        label = f"[file: {clean_text(msg['document']['file_name'])}]"
    return f"{label} {words}".strip() or None


def _author(msg: _Json) -> RemoteAuthor:
    who = msg.get("sender_chat") or msg.get("from") or msg["chat"]  # sender_chat: anonymous admins, channels
    parts = (who.get("first_name"), who.get("last_name"), who.get("title"))
    name = clean_text(" ".join(part for part in parts if part))
    handle = clean_text(who["username"]) if isinstance(who.get("username"), str) else name
    return RemoteAuthor(remote_id=str(int(who["id"])), handle=handle or str(who["id"]), display_name=name)


def _entities(msg: _Json) -> list[tuple[_Json, str]]:
    """(entity, the text it covers): offsets count UTF-16 code units, not Python characters."""
    source, found = ("text", "entities") if "text" in msg else ("caption", "caption_entities")
    raw = msg.get(source, "").encode("utf-16-le")
    pairs = []
    for entity in msg.get(found) or ():
        start, length = int(entity["offset"]) * 2, int(entity["length"]) * 2
        pairs.append((entity, raw[start : start + length].decode("utf-16-le", errors="replace")))
    return pairs


def _mentions_bot(msg: _Json, bot_id: int, username: str | None) -> bool:
    handle = f"@{username}".lower() if username else None
    for entity, covered in _entities(msg):
        kind, covered = entity["type"], covered.lower()
        if handle and (covered == handle if kind == "mention" else kind == "bot_command" and covered.endswith(handle)):
            return True
        if kind == "text_mention" and entity.get("user", {}).get("id") == bot_id:
            return True
    return False


def _links(msg: _Json) -> tuple[str, ...]:
    links: list[str] = []
    for entity, covered in _entities(msg):
        url = entity.get("url") if entity["type"] == "text_link" else covered if entity["type"] == "url" else None
        if isinstance(url, str) and (url := safe_link(url if "://" in url else f"https://{url}")) and url not in links:
            links.append(url)  # Telegram marks "shop.example/x" as a link too: it means https
    return tuple(links)


def _message_url(chat: _Json) -> str | None:
    """Public groups have addresses (append the message id); private chats and private groups have none."""
    public = chat.get("type") in ("group", "supergroup") and isinstance(chat.get("username"), str)
    return f"https://t.me/{chat['username']}" if public else None


def _connection_notes(connection: Any) -> list[str]:
    """A Business connection changed: tell the owner when chats stop arriving or replies cannot be sent."""
    if not isinstance(connection, dict):
        return []
    who = clean_text(connection["user"].get("username") or connection["user"]["first_name"])
    if not connection["is_enabled"]:
        return [f"Telegram Business: {who} disconnected the bot; their customer chats no longer reach Social Inbox."]
    can_reply = (connection.get("rights") or {}).get("can_reply")
    return [] if can_reply else [f"Telegram Business: the bot may not reply in {who}'s chats; allow it in Telegram."]


# --- sending --------------------------------------------------------------------------------------


def _send_body(reply: OutgoingReply) -> dict[str, Any]:
    thread = _THREAD_RE.match(reply.thread_key or "")
    replied = _REMOTE_ID_RE.match(reply.in_reply_to or "")  # public group threads have only this
    if not (where := thread or replied):
        raise ReplyRejected("Social Inbox cannot tell which Telegram chat this reply belongs to.")
    body: dict[str, Any] = {"chat_id": int(where["chat"]), "text": reply.text}
    if thread and thread["biz"]:
        body["business_connection_id"] = thread["biz"]
    if replied and int(replied["chat"]) == body["chat_id"]:
        # Still deliver the answer when the customer deleted the question meanwhile.
        body["reply_parameters"] = {"message_id": int(replied["message"]), "allow_sending_without_reply": True}
    return body


def _is_integer(value: Any) -> bool:
    return type(value) is int  # JSON true/false must not pass as numbers


def _trouble(what: str, sending: bool) -> TransientError:
    """After a reply went out, trouble means it may be posted already: say so rather than invite a duplicate."""
    if sending:
        return UncertainDelivery(f"{what} after the reply went out.")
    return TransientError(f"{what}; will retry.")


def _is_group_message(update: Any) -> bool:
    msg = (update.get("message") or update.get("edited_message")) if isinstance(update, dict) else None
    return isinstance(msg, dict) and (msg.get("chat") or {}).get("type") in ("group", "supergroup")
