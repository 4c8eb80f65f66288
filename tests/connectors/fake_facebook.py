"""A local fake Graph API (Facebook Pages): posts, comments, Messenger conversations, real shapes and error envelopes.

It serves ``/v25.0/...`` on 127.0.0.1 from a stdlib ``ThreadingHTTPServer``: ``GET /me`` and ``GET /{page}``,
``GET /{page}/feed``, ``GET /{post|comment}/comments`` (``filter``, ``order``, ``limit``, ``after`` cursors;
``paging.next`` points at another host, as a trap for connectors that follow it), ``POST /{post|comment}/comments``,
``GET /{comment}``, ``GET /{page}/conversations`` (``user_id``, ``messages.limit(n){...}``) and
``POST /{page}/messages`` (refused outside the 24-hour window). Field expansion (``fields=from{id,name}``) is
honoured, so the answers carry only what was asked. Every exchange is kept in ``traffic`` (with the node type the
fake resolved) for contract checks. Shapes follow the recordings quoted in platform-apis.md section 5; nothing is
copied from them.
"""

from __future__ import annotations

import base64
import dataclasses
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.local_server import Loopback
from tests.meta_contract import FieldSelection, parse_fields

VERSION = "v25.0"
PAGE_ID = "104857361029384"
PAGE_NAME = "Crumb & Co. Bakery"
TOKEN = "EAAGm0PX4ZCpsBAKfakePageTokenZBZCxY7qW0dLrT9mNvU2kS8hJ3gF5aE1cB6dZA"
OTHER_PAGE_ID = "109998887776665"
OTHER_TOKEN = "EAAGm0PX4ZCpsBAKotherPageTokenQQ2xY7qW0dLrT9mNvU2kS8hJ3gF5aE1cZZ"
USER_TOKEN = "EAAGm0PX4ZCpsBAKaPersonsUserTokenZBZCxY7qW0dLrT9mNvU2kS8hJ3gF5aE1c"  # what Explorer shows first
ELSEWHERE = "https://graph.facebook.example"  # where paging.next points: a connector must never go there
_DEFAULTS = {
    "Page": ("name", "id"),
    "PagePost": ("created_time", "message", "id"),
    "Comment": ("created_time", "from", "message", "id"),
    "UnifiedThread": ("id",),
}


@dataclasses.dataclass(frozen=True)
class Exchange:
    """One request and the fake's answer; ``garbled`` answers are not Graph JSON on purpose."""

    method: str
    path: str
    node: str | None  # the spec node type the first path segment resolved to (Page, PagePost, Comment)
    edge: str | None
    params: dict[str, Any]
    status: int
    body: Any
    url: str
    authorization: str
    garbled: bool = False


@dataclasses.dataclass
class _Fault:
    status: int = 400
    payload: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    after: bool = False  # do the work first, then fail: the reply exists although the answer is lost
    garbled: bool = False  # a deliberately wrong shape: kept out of the contract's response checks


def graph_error(code: int, message: str, *, subcode: int | None = None, kind: str = "OAuthException") -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf12345GhIjK"}
    return {"error": error | ({"error_subcode": subcode} if subcode is not None else {})}


def out_of_reach(object_id: str) -> dict[str, Any]:
    """Graph's answer about an object that is deleted or that the token cannot reach (code 100, subcode 33)."""
    message = (
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded due to missing "
        "permissions, or does not support this operation."
    )
    return graph_error(100, message, subcode=33, kind="GraphMethodException")


def _split(path: str) -> tuple[str, str | None]:
    segments = path.removeprefix(f"/{VERSION}/").strip("/").split("/")
    return segments[0], (segments[1] if len(segments) > 1 else None)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _cursor(item_id: str) -> str:
    return base64.urlsafe_b64encode(item_id.encode()).decode().rstrip("=")


def _uncursor(text: str) -> str:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()


class FakeGraph:
    message_prefix = "m_"  # Messenger's message ids; Instagram's differ

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self.pages = {
            TOKEN: {"id": PAGE_ID, "name": PAGE_NAME, "category": "Bakery"},
            OTHER_TOKEN: {"id": OTHER_PAGE_ID, "name": "Rival Buns", "category": "Bakery"},
        }
        self.people = {USER_TOKEN: {"id": "10229384756102938", "name": "Olena Kovalenko"}}
        self.posts: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self.conversations: dict[str, dict[str, Any]] = {}  # by the customer's PSID
        self.traffic: list[Exchange] = []
        self.business_usage: dict[str, Any] | None = None
        self.app_usage: dict[str, Any] | None = None
        self._faults: dict[str, list[_Fault]] = {}
        self._ids = itertools.count(1_035_320_652_158_338)
        self._lock = threading.Lock()
        self._loopback = Loopback(_Handler, self)

    @property
    def api_base(self) -> str:
        return f"{self._loopback.url}/{VERSION}"

    def __enter__(self) -> FakeGraph:
        self._loopback.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._loopback.stop()

    # --- building the world ---------------------------------------------------------------------------------------

    def post(self, message: str = "Fresh sourdough this Saturday!", *, at: datetime | None = None) -> str:
        post_id = f"{PAGE_ID}_{next(self._ids)}"
        when = at or self.now()
        self.posts[post_id] = {"id": post_id, "message": message, "created_time": when, "updated_time": when}
        return post_id

    def comment(
        self,
        on: str,
        text: str | None = "Do you have rye bread?",
        *,
        who: tuple[str, str] = ("1148671018324630", "Olena Kovalenko"),
        at: datetime | None = None,
        hidden: bool = False,
        withhold_author: bool = False,
    ) -> str:
        """A comment on post ``on``, or a reply to the comment ``on`` (Graph keeps replies one level deep)."""
        parent = self.comments.get(on)
        post_id = parent["post_id"] if parent else on
        comment_id = f"{post_id.split('_')[1]}_{next(self._ids)}"
        when = at or self.now()
        record = {
            "id": comment_id,
            "post_id": post_id,
            "parent_id": on if parent else None,
            "message": text,
            "created_time": when,
            "from": None if withhold_author else {"id": who[0], "name": who[1]},
            "is_hidden": hidden,
            "deleted": False,
        }
        self.comments[comment_id] = record
        post = self.posts[post_id]
        post["updated_time"] = max(post["updated_time"], when)
        return comment_id

    def delete_comment(self, comment_id: str) -> None:
        self.comments[comment_id]["deleted"] = True

    def customer_writes(
        self,
        psid: str = "7712345678901234",
        text: str = "Hi! Are you open on Sunday?",
        *,
        name: str = "Marco Rossi",
        at: datetime | None = None,
    ) -> str:
        thread = self._thread_of(psid, name)
        return self._add_message(thread, {"id": psid, "name": name, "email": f"{psid}@facebook.com"}, text, at)

    def page_writes(self, psid: str, text: str, *, at: datetime | None = None) -> str:
        return self._add_message(self.conversations[psid], self._page_person(), text, at)

    def _thread_of(self, psid: str, name: str) -> dict[str, Any]:
        if psid not in self.conversations:
            self.conversations[psid] = {
                "id": f"t_{next(self._ids)}",
                "customer": {"name": name, "email": f"{psid}@facebook.com", "id": psid},
                "messages": [],
                "last_customer": None,
            }
        return self.conversations[psid]

    def _page_person(self) -> dict[str, str]:
        return {"name": PAGE_NAME, "email": f"{PAGE_ID}@facebook.com", "id": PAGE_ID}

    def _add_message(self, thread: dict[str, Any], who: dict[str, str], text: str, at: datetime | None) -> str:
        when = at or self.now()
        shop = self._page_person()  # the Page; for Instagram (fake_instagram) the professional account
        to = shop if who["id"] != shop["id"] else thread["customer"]
        message_id = f"{self.message_prefix}{_cursor(str(next(self._ids)))}-AG5Hz2U"
        thread["messages"].insert(0, {"id": message_id, "created_time": when, "from": who, "to": to, "message": text})
        if who["id"] != shop["id"]:
            thread["last_customer"] = when
        return message_id

    # --- faults and usage -------------------------------------------------------------------------------------------

    def fail(self, route: str, status: int = 400, payload: Any = None, **options: Any) -> None:
        """The next request to ``route`` ("GET feed", "GET comments", "POST comments", "GET conversations",
        "POST messages", "GET me", "GET node") fails; ``raw`` bytes answer with garbage, ``drop`` closes the
        connection, ``delay`` waits first, ``after`` does the work before failing."""
        self._faults.setdefault(route, []).append(_Fault(status=status, payload=payload, **options))

    def usage_headers(self) -> dict[str, str]:
        headers = {}
        if self.business_usage is not None:
            headers["X-Business-Use-Case-Usage"] = json.dumps({PAGE_ID: [{"type": "pages"} | self.business_usage]})
        if self.app_usage is not None:
            headers["X-App-Usage"] = json.dumps(self.app_usage)
        return headers

    def requests_to(self, route: str) -> list[Exchange]:
        return [e for e in self.traffic if route_of(e.method, e.path, e.edge) == route]

    # --- answering --------------------------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, params: dict[str, Any], auth: str
    ) -> tuple[int, Any, str | None, str | None]:
        """(status, body, node type, edge) for one request."""
        object_id, edge = _split(path)
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        page = self.pages.get(token)
        node = self._node(object_id)
        if token in self.people and object_id == "me":  # a person's token: /me is a User, which has no category
            fields = parse_fields(str(params.get("fields", ""))) if params.get("fields") else None
            if edge == "accounts" and method == "GET":  # the Pages this person manages, each with its own token
                managed = [{**page, "access_token": page_token} for page_token, page in self.pages.items()]
                return 200, self._list(managed, params, fields, "Page", "me/accounts"), "User", edge
            if fields is not None and any(f.name == "category" for f in fields):
                message = "(#100) Tried accessing nonexisting field (category) on node type (User)"
                return 400, graph_error(100, message, kind="OAuthException"), "User", edge
            return 200, {"id": self.people[token]["id"], "name": self.people[token]["name"]}, "User", edge
        if page is None:
            return 400, graph_error(190, "Invalid OAuth access token - Cannot parse access token"), node, edge
        if node is None or (node == "Comment" and self.comments[object_id]["deleted"]):
            message = f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist"
            return 400, graph_error(100, message, subcode=33, kind="GraphMethodException"), node or "Comment", edge
        fields = parse_fields(str(params.get("fields", ""))) if params.get("fields") else None
        with self._lock:
            return (*self._route(method, node, object_id, edge, params, fields, page), node, edge)

    def resolve(self, path: str) -> tuple[str | None, str | None]:
        object_id, edge = _split(path)
        return self._node(object_id), edge

    def _node(self, object_id: str) -> str | None:
        if object_id == "me" or object_id in (PAGE_ID, OTHER_PAGE_ID):
            return "Page"
        return "PagePost" if object_id in self.posts else "Comment" if object_id in self.comments else None

    def _route(
        self,
        method: str,
        node: str,
        object_id: str,
        edge: str | None,
        params: dict[str, Any],
        fields: tuple[FieldSelection, ...] | None,
        page: dict[str, str],
    ) -> tuple[int, Any]:
        if node == "Page" and object_id not in ("me", page["id"]):
            return 403, graph_error(200, "(#200) The Page token may not act for another Page", kind="OAuthException")
        if node == "Page" and edge is None and method == "GET":
            return 200, project(page, fields, "Page")
        if node == "Page" and edge == "feed" and method == "GET":
            posts = sorted(self.posts.values(), key=lambda p: p["created_time"], reverse=True)
            return 200, self._list([self._post_view(p) for p in posts], params, fields, "PagePost", f"{object_id}/feed")
        if node in ("PagePost", "Comment") and edge == "comments" and method == "GET":
            return 200, self._comment_list(object_id, node, params, fields)
        if node in ("PagePost", "Comment") and edge == "comments" and method == "POST":
            text = params.get("message")
            if not isinstance(text, str) or not text.strip():
                return 400, graph_error(100, "(#100) Missing message or attachment", kind="OAuthException")
            return 200, {"id": self.comment(object_id, text, who=(PAGE_ID, PAGE_NAME))}
        if node == "Comment" and edge is None and method == "GET":
            return 200, project(self._comment_view(self.comments[object_id]), fields, "Comment")
        if node == "Page" and edge == "conversations" and method == "GET":
            return 200, self._conversation_list(object_id, params, fields)
        if node == "Page" and edge == "messages" and method == "POST":
            return self._send_message(params)
        return 400, graph_error(100, f"(#100) Unknown path components: /{edge}", kind="OAuthException")

    def _post_view(self, post: dict[str, Any]) -> dict[str, Any]:
        link = f"https://www.facebook.com/{PAGE_ID}/posts/{post['id'].split('_')[1]}"
        times = {"created_time": stamp(post["created_time"]), "updated_time": stamp(post["updated_time"])}
        return {"id": post["id"], "message": post["message"], "permalink_url": link, **times}

    def _comment_view(self, record: dict[str, Any]) -> dict[str, Any]:
        view: dict[str, Any] = {"id": record["id"], "created_time": stamp(record["created_time"])}
        if record["message"] is not None:
            view["message"] = record["message"]
        if record["from"] is not None:
            view["from"] = record["from"]
        if record["parent_id"]:
            view["parent"] = {"id": record["parent_id"]}
        post_number = record["post_id"].split("_")[1]
        view["permalink_url"] = f"https://www.facebook.com/{PAGE_ID}/posts/{post_number}?comment_id={record['id']}"
        view["is_hidden"] = record["is_hidden"]
        return view

    def _comment_list(
        self, object_id: str, node: str, params: dict[str, Any], fields: tuple[FieldSelection, ...] | None
    ) -> dict[str, Any]:
        live = [c for c in self.comments.values() if not c["deleted"]]
        if node == "Comment":
            chosen = [c for c in live if c["parent_id"] == object_id]
        elif params.get("filter") == "stream":
            chosen = [c for c in live if c["post_id"] == object_id]
        else:
            chosen = [c for c in live if c["post_id"] == object_id and c["parent_id"] is None]
        newest_first = params.get("order") == "reverse_chronological"
        chosen.sort(key=lambda c: (c["created_time"], c["id"]), reverse=newest_first)
        views = [self._comment_view(c) for c in chosen]
        return self._list(views, params, fields, "Comment", f"{object_id}/comments")

    def _conversation_list(
        self, page_id: str, params: dict[str, Any], fields: tuple[FieldSelection, ...] | None
    ) -> dict[str, Any]:
        threads = [t for t in self.conversations.values() if t["messages"]]
        if params.get("user_id"):
            threads = [t for t in threads if t["customer"]["id"] == params["user_id"]]
        threads.sort(key=lambda t: (t["messages"][0]["created_time"], t["id"]), reverse=True)
        views = []
        for thread in threads:
            messages = [
                {
                    "id": m["id"],
                    "created_time": stamp(m["created_time"]),
                    "from": m["from"],
                    "to": {"data": [m["to"]]},
                    "message": m["message"],
                }
                for m in thread["messages"]
            ]
            views.append(
                {
                    "id": thread["id"],
                    "updated_time": stamp(thread["messages"][0]["created_time"]),
                    "participants": {"data": [thread["customer"], self._page_person()]},
                    "messages": {"data": messages, "paging": {"cursors": {"after": _cursor(messages[-1]["id"])}}},
                }
            )
        return self._list(views, params, fields, "UnifiedThread", f"{page_id}/conversations")

    def messenger_id_of(self, commenter: str) -> str:
        """The commenter's Messenger id (PSID): Facebook scopes a person's ids per product, so it differs from the
        id their comments carry."""
        return f"77{commenter[-14:]}"

    def _private_reply(self, comment_id: str, text: Any) -> tuple[int, Any]:
        """``recipient.comment_id``: the Page's one private reply to a comment, within 7 days; it opens the
        commenter's Messenger conversation, and the answer names their Messenger id."""
        record = self.comments.get(comment_id)
        if record is None or record["deleted"] or record["from"] is None:
            return 400, graph_error(100, "(#100) No matching comment found", subcode=2018001)
        if not isinstance(text, str) or not text:
            return 400, graph_error(100, "(#100) The parameter message is required")
        if record.get("private_reply") or self.now() - record["created_time"] > timedelta(days=7):
            return 400, graph_error(10, "(#10) This message is sent outside of allowed window.", subcode=2534022)
        record["private_reply"] = True
        psid = self.messenger_id_of(record["from"]["id"])
        self._thread_of(psid, record["from"]["name"])
        return 200, {"recipient_id": psid, "message_id": self.page_writes(psid, text)}

    def _send_message(self, params: dict[str, Any]) -> tuple[int, Any]:
        recipient = params.get("recipient") if isinstance(params.get("recipient"), dict) else {}
        if "comment_id" in recipient:
            message = params.get("message")
            return self._private_reply(
                str(recipient["comment_id"]), message.get("text") if isinstance(message, dict) else None
            )
        thread = self.conversations.get(str(recipient.get("id")))
        text = (params.get("message") or {}).get("text") if isinstance(params.get("message"), dict) else None
        if thread is None:
            return 400, graph_error(100, "(#100) No matching user found", subcode=2018001)
        if not isinstance(text, str) or not text:
            return 400, graph_error(100, "(#100) The parameter message is required")
        if thread["last_customer"] is None or self.now() - thread["last_customer"] > timedelta(hours=24):
            message = "(#10) This message is sent outside of allowed window."
            return 400, graph_error(10, message, subcode=2018278)
        message_id = self.page_writes(thread["customer"]["id"], text)
        return 200, {"recipient_id": thread["customer"]["id"], "message_id": message_id}

    def _list(
        self,
        views: list[dict[str, Any]],
        params: dict[str, Any],
        fields: tuple[FieldSelection, ...] | None,
        kind: str,
        path: str,
    ) -> dict[str, Any]:
        start = 0
        if params.get("after"):
            anchor = _uncursor(str(params["after"]))
            start = next((i + 1 for i, view in enumerate(views) if view["id"] == anchor), len(views))
        limit = int(params.get("limit") or 25)
        chunk = views[start : start + limit]
        body: dict[str, Any] = {"data": [project(view, fields, kind) for view in chunk]}
        if chunk:
            body["paging"] = {"cursors": {"before": _cursor(chunk[0]["id"]), "after": _cursor(chunk[-1]["id"])}}
            if start + limit < len(views):
                body["paging"]["next"] = f"{ELSEWHERE}/{VERSION}/{path}?limit={limit}&after={_cursor(chunk[-1]['id'])}"
        return body


def project(view: dict[str, Any], fields: tuple[FieldSelection, ...] | None, kind: str) -> dict[str, Any]:
    """Only what ``fields`` asks for (Graph's defaults without it), nested selections and ``.limit(n)`` honoured."""
    if fields is None:
        return {key: view[key] for key in _DEFAULTS.get(kind, ("id",)) if key in view}
    result: dict[str, Any] = {}
    for selection in fields:
        if selection.name not in view:
            continue
        value = view[selection.name]
        if isinstance(value, dict) and isinstance(value.get("data"), list):
            limit = next((int(m[6:-1]) for m in selection.modifiers if m.startswith("limit(")), len(value["data"]))
            items = [
                project(item, selection.nested or None, "") if selection.nested else item for item in value["data"]
            ]
            value = {**value, "data": items[:limit]}
        elif isinstance(value, dict) and selection.nested:
            value = project(value, selection.nested, "")
        result[selection.name] = value
    return result


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake: FakeGraph = self.server.fake  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        params: dict[str, Any] = dict(parse_qsl(parts.query))
        if "json" in (self.headers.get("Content-Type") or ""):
            params |= json.loads(raw or b"{}")
        elif raw:
            params |= dict(parse_qsl(raw.decode()))
        auth = self.headers.get("Authorization") or ""
        node, edge = fake.resolve(parts.path)
        queued = fake._faults.get(route_of(self.command, parts.path, edge))
        fault = queued.pop(0) if queued else None
        if fault is None or fault.after:
            status, body, node, edge = fake.handle(self.command, parts.path, params, auth)
        garbled = False
        headers = fake.usage_headers()
        if fault is not None:
            time.sleep(fault.delay)
            if fault.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            status, body, garbled = fault.status, fault.payload, fault.raw is not None or fault.garbled
            headers |= fault.headers
        exchange = Exchange(self.command, parts.path, node, edge, params, status, body, self.path, auth, garbled)
        fake.traffic.append(exchange)
        content = fault.raw if fault is not None and fault.raw is not None else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting: what a timeout test wants

    def log_message(self, format: str, *args: Any) -> None:
        pass


def route_of(method: str, path: str, edge: str | None) -> str:
    """The name faults and ``requests_to`` use: "GET feed", "POST messages", "GET me", "GET node" ..."""
    return f"{method} {edge or ('me' if path.rstrip('/').endswith('/me') else 'node')}"
