"""A local fake Telegram Bot API server: real long polling, real update and error shapes, fault injection.

It serves ``/bot<token>/<method>`` on 127.0.0.1 from a stdlib ``ThreadingHTTPServer``: ``getMe``, ``getUpdates``
(waits up to ``timeout`` seconds and answers as soon as an update is queued; ``offset`` confirms and drops earlier
updates; ``allowed_updates`` is sticky; a second poller ends the first with 409), ``sendMessage`` (records the
request, answers with a real Message), ``getWebhookInfo`` and ``deleteWebhook``. Every exchange is kept in
``traffic`` so tests can check it against the Bot API spec.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.local_server import Loopback

TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
BOT_ID = 7012345678
_DEFAULT_EXCLUDED = {"chat_member", "message_reaction", "message_reaction_count"}
_ENTITY_PATTERNS = (
    ("bot_command", re.compile(r"(?<!\S)/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}")),
    ("url", re.compile(r"https?://[^\s]+")),
)


@dataclasses.dataclass(frozen=True)
class Exchange:
    """One request and the answer the fake gave; ``garbled`` answers are not Bot API JSON on purpose."""

    method: str
    params: dict[str, Any]
    status: int
    body: Any
    garbled: bool = False


@dataclasses.dataclass
class _Fault:
    status: int = 200
    payload: Any = None
    raw: bytes | None = None
    delay: float = 0.0


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entities_for(text: str) -> list[dict[str, Any]]:
    """The entities Telegram itself would attach: offsets and lengths in UTF-16 code units."""
    found = []
    for kind, pattern in _ENTITY_PATTERNS:
        for match in pattern.finditer(text):
            found.append({"offset": utf16_len(text[: match.start()]), "length": utf16_len(match[0]), "type": kind})
    return sorted(found, key=lambda entity: entity["offset"])


class FakeTelegram:
    def __init__(
        self, token: str = TOKEN, *, username: str = "corner_bakery_bot", now: Callable[[], float] = time.time
    ):
        self.token = token
        self.now = now
        self.bot = {"id": int(token.split(":")[0]), "is_bot": True, "first_name": "Corner Bakery", "username": username}
        self.traffic: list[Exchange] = []
        self.sent: list[dict[str, Any]] = []
        self.webhook_url = ""
        self._cond = threading.Condition()
        self._queue: list[dict[str, Any]] = []
        self._next_update_id = 841_266_250
        self._allowed: list[str] = []
        self._poll_generation = 0
        self._faults: dict[str, list[_Fault]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._last_message_id: dict[int, int] = {}
        self._connections: dict[str, dict[str, Any]] = {}
        self._migrated: dict[int, int] = {}
        self._stopping = threading.Event()
        self._loopback = Loopback(_Handler, self)
        self._server = self._loopback.server

    @property
    def api_base(self) -> str:
        return self._loopback.url

    def __enter__(self) -> FakeTelegram:
        self._loopback.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        self._loopback.stop()

    # --- building the world ------------------------------------------------------------------

    def user(self, user_id: int, first_name: str, username: str | None = None, **extra: Any) -> dict[str, Any]:
        person = {"id": user_id, "is_bot": False, "first_name": first_name, **extra}
        return person | ({"username": username} if username else {})

    def private_chat(self, person: dict[str, Any]) -> dict[str, Any]:
        keys = ("first_name", "last_name", "username")
        return self._chat({"id": person["id"], "type": "private", **{k: person[k] for k in keys if k in person}})

    def group(
        self, chat_id: int, title: str, *, kind: str = "supergroup", username: str | None = None
    ) -> dict[str, Any]:
        return self._chat({"id": chat_id, "type": kind, "title": title} | ({"username": username} if username else {}))

    def message(
        self, chat: dict[str, Any], sender: dict[str, Any], text: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """A Message as Telegram would deliver it: next id in that chat, the fake's clock, computed entities."""
        chat_id = chat["id"]
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        msg: dict[str, Any] = {"message_id": message_id, "from": sender, "chat": chat, "date": int(self.now())}
        if text is not None:
            msg["text"] = text
            if entities := entities_for(text):
                msg["entities"] = entities
        if isinstance(reply_to := extra.pop("reply_to", None), dict):
            msg["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        msg.update(extra)
        self._messages[(chat_id, message_id)] = msg
        return msg

    def connect_business(self, owner: dict[str, Any], connection_id: str, **extra: Any) -> dict[str, Any]:
        connection = {
            "id": connection_id,
            "user": owner,
            "user_chat_id": owner["id"],
            "date": int(self.now()),
            "rights": {"can_reply": True, "can_read_messages": True},
            "is_enabled": True,
        } | extra
        self._connections[connection_id] = connection
        self.push("business_connection", connection)
        return connection

    def push(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue one update; a waiting long poll answers at once."""
        with self._cond:
            self._next_update_id += 1
            self._queue.append({"update_id": self._next_update_id, kind: payload})
            self._cond.notify_all()
            return self._next_update_id

    def push_fixture(self, update: dict[str, Any]) -> int:
        """Queue a recorded-shape update under a fresh update_id, learning its chat and message."""
        kind, payload = next((k, v) for k, v in update.items() if k != "update_id")
        if isinstance(payload.get("chat"), dict):
            self._chat(payload["chat"])
            chat_id, message_id = payload["chat"]["id"], payload["message_id"]
            self._messages[(chat_id, message_id)] = payload
            self._last_message_id[chat_id] = max(self._last_message_id.get(chat_id, 0), message_id)
        return self.push(kind, payload)

    def migrate(self, old_chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: sending to the old id answers 400 with migrate_to_chat_id."""
        self._migrated[old_chat_id] = new_chat_id
        self._chats[new_chat_id] = self._chats[old_chat_id] | {"id": new_chat_id, "type": "supergroup"}

    # --- faults -------------------------------------------------------------------------------

    def fail_next(self, method: str, error_code: int, description: str, **parameters: int) -> None:
        payload: dict[str, Any] = {"ok": False, "error_code": error_code, "description": description}
        if parameters:
            payload["parameters"] = parameters
        self._faults.setdefault(method, []).append(_Fault(status=error_code, payload=payload))

    def garble_next(self, method: str, status: int = 200, raw: bytes = b'{"ok": true, "result": [{"upda') -> None:
        self._faults.setdefault(method, []).append(_Fault(status=status, raw=raw))

    def delay_next(self, method: str, seconds: float) -> None:
        """Handle the request normally (a message does get sent) but answer only after ``seconds``."""
        self._faults.setdefault(method, []).append(_Fault(delay=seconds))

    # --- serving ------------------------------------------------------------------------------

    def handle(self, path: str, params: dict[str, Any]) -> tuple[int, Any, bytes | None]:
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", path)
        if match is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}, None
        if match[1] != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, None
        method = match[2]
        fault = self._faults[method].pop(0) if self._faults.get(method) else None
        if fault is not None and (fault.payload is not None or fault.raw is not None):
            return fault.status, fault.payload, fault.raw
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}, None
        status, body = handler(params)
        if fault is not None and fault.delay:
            self._stopping.wait(fault.delay)
        return status, body, None

    def record(self, exchange: Exchange) -> None:
        with self._cond:
            self.traffic.append(exchange)

    def _api_getMe(self, params: dict[str, Any]) -> tuple[int, Any]:
        return _ok(self.bot | {"can_join_groups": True, "can_read_all_group_messages": False})

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> tuple[int, Any]:
        return _ok({"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._queue)})

    def _api_deleteWebhook(self, params: dict[str, Any]) -> tuple[int, Any]:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            with self._cond:
                self._queue.clear()
        return _ok(True)

    def _api_getUpdates(self, params: dict[str, Any]) -> tuple[int, Any]:
        if self.webhook_url:
            return _error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first",
            )
        offset, limit = int(params.get("offset", 0)), max(1, min(100, int(params.get("limit", 100))))
        deadline = time.monotonic() + float(params.get("timeout", 0))
        with self._cond:
            if "allowed_updates" in params:
                self._allowed = list(params["allowed_updates"])
            self._poll_generation += 1  # a newer poll ends any older one still waiting, as Telegram does
            generation = self._poll_generation
            self._cond.notify_all()
            self._queue = [u for u in self._queue if u["update_id"] >= offset and self._wanted(u)]
            while not self._queue and not self._stopping.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
                if generation != self._poll_generation:
                    return _error(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that only one "
                        "bot instance is running",
                    )
                self._queue = [u for u in self._queue if self._wanted(u)]
            return _ok([dict(u) for u in self._queue[:limit]])

    def _api_sendMessage(self, params: dict[str, Any]) -> tuple[int, Any]:
        chat_id, text = params.get("chat_id"), params.get("text")
        if chat_id in self._migrated:
            return _error(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self._migrated[chat_id],
            )
        if chat_id not in self._chats:
            return _error(400, "Bad Request: chat not found")
        if not isinstance(text, str) or not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if utf16_len(text) > 4096:
            return _error(400, "Bad Request: message is too long")
        extra: dict[str, Any] = {}
        sender = self.bot
        if connection_id := params.get("business_connection_id"):
            connection = self._connections.get(connection_id)
            if connection is None or not connection["is_enabled"]:
                return _error(400, "Bad Request: BUSINESS_CONNECTION_INVALID")
            sender = connection["user"]
            extra = {"business_connection_id": connection_id, "sender_business_bot": self.bot}
        reply = params.get("reply_parameters") or {}
        replied = self._messages.get((chat_id, int(reply.get("message_id", 0))))
        if reply and replied is None and not reply.get("allow_sending_without_reply"):
            return _error(400, "Bad Request: message to be replied not found")
        self.sent.append(dict(params))
        return _ok(self.message(self._chats[chat_id], sender, text, reply_to=replied, **extra))

    def _wanted(self, update: dict[str, Any]) -> bool:
        kind = next(k for k in update if k != "update_id")
        return kind in self._allowed if self._allowed else kind not in _DEFAULT_EXCLUDED

    def _chat(self, chat: dict[str, Any]) -> dict[str, Any]:
        self._chats[chat["id"]] = chat
        return chat


def _ok(result: Any) -> tuple[int, Any]:
    return 200, {"ok": True, "result": result}


def _error(code: int, description: str, **parameters: int) -> tuple[int, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    return code, body | ({"parameters": parameters} if parameters else {})


class _Handler(BaseHTTPRequestHandler):
    server_version = "nginx/1.18.0"  # what api.telegram.org answers with
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would hold the body back 40 ms

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake: FakeTelegram = self.server.fake  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        params: dict[str, Any] = dict(parse_qsl(url.query))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            params.update(_decode_body(self.rfile.read(length), self.headers.get("Content-Type", "")))
        status, payload, raw = fake.handle(url.path, params)
        method = url.path.rsplit("/", 1)[-1]
        fake.record(Exchange(method, params, status, payload, garbled=raw is not None))
        data = raw if raw is not None else json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if raw is None else "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting: exactly what a timeout test wants

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet


def _decode_body(data: bytes, content_type: str) -> dict[str, Any]:
    if content_type.startswith("application/json"):
        decoded = json.loads(data)
        return decoded if isinstance(decoded, dict) else {}
    # Form bodies carry JSON-serialised values for objects and arrays, as the Bot API documents.
    fields: dict[str, Any] = {}
    for key, value in parse_qsl(data.decode()):
        try:
            fields[key] = json.loads(value)
        except ValueError:
            fields[key] = value
    return fields


def iter_updates(traffic: list[Exchange]) -> Iterator[dict[str, Any]]:
    """Every update the fake handed out, in order."""
    for exchange in traffic:
        if exchange.method == "getUpdates" and exchange.status == 200 and not exchange.garbled:
            yield from exchange.body["result"]
