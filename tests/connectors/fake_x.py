"""A local fake X API v2: mentions, the shop's posts, direct messages, OAuth 2.0 with PKCE and rotating refresh tokens.

Served over real HTTP on 127.0.0.1 (``tests/local_server``). Routes: ``GET /i/oauth2/authorize`` (the consent page:
sends the "browser" back to the loopback redirect with a code, or ``error=access_denied``), ``POST /2/oauth2/token``
(authorization_code with S256 PKCE, codes good for 30 s; refresh_token, single use), ``GET /2/users/me``,
``GET /2/users/{id}/mentions`` and ``/tweets`` (``since_id``, ``max_results``, ``pagination_token`` paging older),
``GET /2/tweets/{id}`` (a deleted post is ``errors[]`` inside a 200), ``POST /2/tweets`` (refused with 403 when the
author did not mention the shop), ``GET /2/dm_events`` (newest first, no ``since_id``), ``GET /2/dm_events/{id}``,
``GET /2/dm_conversations/{id}/dm_events``, ``POST /2/dm_conversations/{id}/messages``. Every answer carries
``x-rate-limit-*`` headers from a per-route budget. Shapes follow the recordings quoted in platform-apis.md section 4
(the classic ``referenced_tweets`` / ``edit_history_tweet_ids`` names); nothing is copied from them.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import itertools
import json
import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from tests.local_server import LocalServer

SHOP_ID = "1590000000000000001"
SHOP = "crumbandco"
CLIENT_ID = "Q2xpZW50SWRGb3JUaGVCYWtlcnk6MTpjaQ"
CUSTOMERS = {
    "1480000000000000007": ("olenak", "Olena Kovalenko"),
    "1480000000000000042": ("marco_r", "Marco Rossi"),
    "1590000000000000009": ("rivalbuns", "Rival Buns"),
}
_EPOCH_MS = 1_288_834_974_657
NOT_SUMMONED_DETAIL = (
    "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the "
    "author of the post you are replying to."
)


def snowflake(moment: datetime, sequence: int) -> str:
    return str(((int(moment.timestamp() * 1000) - _EPOCH_MS) << 22) | (sequence % 4096))


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": kind, "status": status}


@dataclasses.dataclass
class Fault:
    status: int = 500
    payload: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    drop: bool = False
    after: bool = False  # do the work first, then fail: the reply exists although the answer is lost


@dataclasses.dataclass(frozen=True)
class Exchange:
    request: httpx.Request
    response: httpx.Response
    route: str
    garbled: bool = False


class FakeX:
    def __init__(self, now: Callable[[], datetime], *, shop_id: str = SHOP_ID, username: str = SHOP) -> None:
        self.now = now
        self.users = {shop_id: (username, "Crumb & Co. Bakery"), **CUSTOMERS}
        self.closed_dms: set[str] = set()  # users who take direct messages only from people they follow
        self.groups: dict[str, set[str]] = {}  # group conversation id -> its members
        self.signed_in_as = shop_id
        self.posts: dict[str, dict[str, Any]] = {}
        self.dm_events: list[dict[str, Any]] = []
        self.access_tokens: dict[str, datetime] = {}
        self.refresh_tokens: set[str] = set()
        self.codes: dict[str, dict[str, Any]] = {}
        self.deny = False  # the owner presses "Cancel" on the consent page
        self.give_refresh_token = True
        self.traffic: list[Exchange] = []
        self.limits: dict[str, int] = {}  # route -> requests allowed per 15-minute window (default 300)
        self.used: dict[str, int] = {}
        self.v1_rate_limit_body = True
        self._faults: dict[str, list[Fault]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._server = LocalServer(self.handle)

    @property
    def api_base(self) -> str:
        return self._server.url

    def __enter__(self) -> FakeX:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.__exit__()
        if self._server.violations:
            raise self._server.violations[0]

    # --- the world --------------------------------------------------------------------------------------------

    def new_id(self, at: datetime | None = None) -> str:
        return snowflake(at or self.now(), next(self._ids))

    def sign_in(self, *, lifetime: timedelta = timedelta(hours=2)) -> dict[str, Any]:
        """A fresh pair, as the token endpoint hands it out (also what a test stores as the account's sign-in)."""
        access, refresh = f"acc-{self.new_id()}-{next(self._ids)}", f"ref-{self.new_id()}-{next(self._ids)}"
        self.access_tokens[access] = self.now() + lifetime
        self.refresh_tokens.add(refresh)
        pair = {"token_type": "bearer", "expires_in": int(lifetime.total_seconds()), "access_token": access}
        pair["scope"] = "tweet.read users.read tweet.write dm.read dm.write offline.access"
        if self.give_refresh_token:
            pair["refresh_token"] = refresh
        return pair

    def stored_token(self, *, lifetime: timedelta = timedelta(hours=2)) -> str:
        pair = self.sign_in(lifetime=lifetime)
        expires = (self.now() + lifetime).isoformat()
        return json.dumps(
            {"access_token": pair["access_token"], "refresh_token": pair["refresh_token"], "expires_at": expires}
        )

    def post(
        self,
        text: str,
        *,
        by: str = "1480000000000000007",
        reply_to: str | None = None,
        at: datetime | None = None,
        edit_of: str | None = None,
    ) -> str:
        when = at or self.now()
        post_id = self.new_id(when)
        parent = self.posts.get(reply_to) if reply_to else None
        record: dict[str, Any] = {
            "id": post_id,
            "text": text,
            "author_id": by,
            "created_at": when,
            "conversation_id": parent["conversation_id"] if parent else post_id,
            "edit_history_tweet_ids": [*self.posts[edit_of]["edit_history_tweet_ids"], post_id]
            if edit_of
            else [post_id],
            "deleted": False,
        }
        if parent:
            record["in_reply_to_user_id"] = parent["author_id"]
            record["referenced_tweets"] = [{"type": "replied_to", "id": parent["id"]}]
        if edit_of:
            self.posts[edit_of]["deleted"] = True  # the timeline shows the newest version only
        self.posts[post_id] = record
        return post_id

    def message(
        self, text: str, *, by: str = "1480000000000000042", to: str | None = None, at: datetime | None = None
    ) -> str:
        when = at or self.now()
        other = to if by == self.signed_in_as else by
        low, high = sorted([self.signed_in_as, other or by], key=int)
        event_id = self.new_id(when)
        self.dm_events.append(
            {
                "id": event_id,
                "event_type": "MessageCreate",
                "text": text,
                "sender_id": by,
                "dm_conversation_id": f"{low}-{high}",
                "created_at": when,
            }
        )
        return event_id

    def fail(self, route: str, status: int = 500, payload: Any = None, **options: Any) -> None:
        """The next request to ``route`` ("GET mentions", "POST tweets", "GET dm_events", "POST messages", "POST
        token", ...) fails; ``raw`` answers garbage, ``drop`` cuts the connection, ``after`` does the work first."""
        self._faults.setdefault(route, []).append(Fault(status=status, payload=payload, **options))

    def requests_to(self, route: str) -> list[Exchange]:
        return [e for e in self.traffic if e.route == route]

    # --- answering --------------------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        route = route_of(request.method, request.url.path)
        with self._lock:
            queued = self._faults.get(route)
            fault = queued.pop(0) if queued else None
            if fault is None or fault.after:
                response = self._answer(request, route)
            if fault is not None:
                if fault.drop:
                    raise httpx.RemoteProtocolError("connection cut on purpose")
                response = self._faulty(fault)
            self.traffic.append(Exchange(request, response, route, garbled=fault is not None and fault.raw is not None))
            return response

    def _faulty(self, fault: Fault) -> httpx.Response:
        if fault.raw is not None:
            return httpx.Response(
                fault.status, content=fault.raw, headers={"content-type": "application/json", **fault.headers}
            )
        payload = (
            fault.payload if fault.payload is not None else problem(fault.status, "Service Unavailable", "Try again.")
        )
        return _json(fault.status, payload, fault.headers)

    def _answer(self, request: httpx.Request, route: str) -> httpx.Response:
        if route == "GET authorize":
            return self._authorize(request.url.params)
        if route == "POST token":
            return self._token(dict(parse_qsl(request.content.decode())))
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if self.access_tokens.get(token, self.now()) <= self.now():
            return _json(401, problem(401, "Unauthorized", "Unauthorized"))
        headers = self._spend(route)
        if headers.get("x-rate-limit-remaining") == "-1":
            headers["x-rate-limit-remaining"] = "0"
            body = (
                {"errors": [{"code": 88, "message": "Rate limit exceeded"}]}
                if self.v1_rate_limit_body
                else problem(429, "Too Many Requests", "Too Many Requests")
            )
            return _json(429, body, headers)
        status, body = self._route(request, route)
        return _json(status, body, headers)

    def _spend(self, route: str) -> dict[str, str]:
        limit = self.limits.get(route, 300)
        self.used[route] = self.used.get(route, 0) + 1
        reset = int((self.now() + timedelta(minutes=15)).timestamp())
        return {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(limit - self.used[route]),
            "x-rate-limit-reset": str(reset),
        }

    def _route(self, request: httpx.Request, route: str) -> tuple[int, Any]:
        params = request.url.params
        segments = request.url.path.strip("/").split("/")
        if route == "GET me":
            username, name = self.users[self.signed_in_as]
            return 200, {"data": {"id": self.signed_in_as, "username": username, "name": name}}
        if route == "GET mentions":
            mine = f"@{self.users[segments[2]][0]}".lower()
            chosen = [p for p in self._live() if mine in p["text"].lower()]
            return 200, self._page(chosen, params, self._post_view)
        if route == "GET tweets":
            chosen = [p for p in self._live() if p["author_id"] == segments[2]]
            return 200, self._page(chosen, params, self._post_view)
        if route == "GET tweet":
            post = self.posts.get(segments[2])
            if post is None or post["deleted"]:
                return 200, {"errors": [self._not_found(segments[2], "tweet")]}
            return 200, {"data": self._post_view(post, params)}
        if route == "POST tweets":
            return self._create_post(json.loads(request.content))
        if route == "GET dm_events":
            return 200, self._page(self.dm_events, params, self._event_view, since=False)
        if route == "GET dm_event":
            found = [e for e in self.dm_events if e["id"] == segments[2]]
            if not found:
                return 200, {"errors": [self._not_found(segments[2], "dm_event")]}
            return 200, {"data": self._event_view(found[0], params)}
        if route == "GET conversation events":
            chosen = [e for e in self.dm_events if e["dm_conversation_id"] == segments[2]]
            return 200, self._page(chosen, params, self._event_view, since=False)
        if route == "POST messages":
            return self._create_message(segments[2], json.loads(request.content))
        if route == "GET participant events":
            with_them = self.one_to_one(segments[3])
            chosen = [e for e in self.dm_events if e["dm_conversation_id"] == with_them]
            return 200, self._page(chosen, params, self._event_view, since=False)
        if route == "POST messages with":
            if segments[3] in self.closed_dms:  # takes messages only from people they follow
                return 403, problem(403, "Forbidden", "You cannot send messages to this user.")
            return self._create_message(self.one_to_one(segments[3]), json.loads(request.content))
        return 404, problem(404, "Not Found Error", f"no route {request.url.path}")

    def _live(self) -> list[dict[str, Any]]:
        return [p for p in self.posts.values() if not p["deleted"]]

    def _page(
        self,
        chosen: list[dict[str, Any]],
        params: httpx.QueryParams,
        view: Callable[..., dict[str, Any]],
        since: bool = True,
    ) -> dict[str, Any]:
        newest_first = sorted(chosen, key=lambda item: int(item["id"]), reverse=True)
        if since and params.get("since_id"):
            newest_first = [item for item in newest_first if int(item["id"]) > int(params["since_id"])]
        start = _offset(params["pagination_token"]) if params.get("pagination_token") else 0
        size = int(params.get("max_results") or 10)
        page = newest_first[start : start + size]
        body: dict[str, Any] = {"meta": {"result_count": len(page)}}
        if page:
            body["data"] = [view(item, params) for item in page]
            body["meta"] |= {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
            people = {item.get("author_id") or item.get("sender_id") for item in page}
            if "author_id" in params.get("expansions", "") or "sender_id" in params.get("expansions", ""):
                body["includes"] = {"users": [self._user_view(uid) for uid in sorted(people) if uid in self.users]}
        if start + size < len(newest_first):
            body["meta"]["next_token"] = _token_for(start + size)
        return body

    def _user_view(self, user_id: str) -> dict[str, Any]:
        username, name = self.users[user_id]
        return {"id": user_id, "username": username, "name": name}

    def _post_view(self, post: dict[str, Any], params: httpx.QueryParams) -> dict[str, Any]:
        asked = set(_fields(params, "tweet.fields", "post.fields"))
        view = {"id": post["id"], "text": post["text"], "edit_history_tweet_ids": post["edit_history_tweet_ids"]}
        for name in asked & {"author_id", "conversation_id", "in_reply_to_user_id", "referenced_tweets"}:
            if name in post:
                view[name] = post[name]
        if "created_at" in asked:
            view["created_at"] = stamp(post["created_at"])
        urls = [m for m in re.finditer(r"https://t\.co/\w+", post["text"])]
        if "entities" in asked and urls:
            view["entities"] = {
                "urls": [
                    {
                        "start": m.start(),
                        "end": m.end(),
                        "url": m.group(),
                        "expanded_url": "https://crumb.example/rye",
                        "display_url": "crumb.example/rye",
                    }
                    for m in urls
                ]
            }
        return view

    def _event_view(self, event: dict[str, Any], params: httpx.QueryParams) -> dict[str, Any]:
        asked = set(_fields(params, "dm_event.fields")) or {"id", "text", "event_type"}
        view = {key: value for key, value in event.items() if key in asked and key != "created_at"}
        if "created_at" in asked:
            view["created_at"] = stamp(event["created_at"])
        return view | {"id": event["id"], "event_type": event["event_type"]}

    def _not_found(self, item_id: str, kind: str) -> dict[str, Any]:
        return {
            "value": item_id,
            "detail": f"Could not find {kind} with id: [{item_id}].",
            "title": "Not Found Error",
            "resource_type": kind,
            "parameter": "id",
            "resource_id": item_id,
            "type": "https://api.x.com/2/problems/resource-not-found",
        }

    def _create_post(self, body: dict[str, Any]) -> tuple[int, Any]:
        original = self.posts.get(body.get("reply", {}).get("in_reply_to_tweet_id", ""))
        if original is None or original["deleted"]:
            return 400, problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                "https://api.x.com/2/problems/invalid-request",
            )
        if (
            f"@{self.users[self.signed_in_as][0]}" not in original["text"]
            and original["author_id"] != self.signed_in_as
        ):
            return 403, problem(403, "Forbidden", NOT_SUMMONED_DETAIL)
        post_id = self.post(body["text"], by=self.signed_in_as, reply_to=original["id"])
        return 201, {"data": {"id": post_id, "text": body["text"], "edit_history_tweet_ids": [post_id]}}

    def one_to_one(self, other: str) -> str:
        """X's id of the one-to-one conversation between the signed-in account and ``other``: "small-large"."""
        low, high = sorted([self.signed_in_as, other], key=int)
        return f"{low}-{high}"

    def _create_message(self, conversation: str, body: dict[str, Any]) -> tuple[int, Any]:
        members = self.groups.get(conversation) or set(conversation.split("-"))
        if self.signed_in_as not in members:
            return 403, problem(403, "Forbidden", "You are not a participant in this conversation.")
        if conversation in self.groups:
            event_id = self.new_id(self.now())
            self.dm_events.append(
                {
                    "id": event_id,
                    "event_type": "MessageCreate",
                    "text": body["text"],
                    "sender_id": self.signed_in_as,
                    "dm_conversation_id": conversation,
                    "created_at": self.now(),
                }
            )
        else:
            other = next(p for p in conversation.split("-") if p != self.signed_in_as)
            event_id = self.message(body["text"], by=self.signed_in_as, to=other)
        return 201, {"data": {"dm_conversation_id": conversation, "dm_event_id": event_id}}

    # --- OAuth ------------------------------------------------------------------------------------------------

    def _authorize(self, params: httpx.QueryParams) -> httpx.Response:
        assert params["response_type"] == "code" and params["code_challenge_method"] == "S256", params
        assert set(params["scope"].split()) >= {"tweet.read", "users.read", "offline.access", "dm.read"}, params
        back = {"state": params["state"]}
        if self.deny:
            back["error"] = "access_denied"
        else:
            code = f"code-{self.new_id()}"
            self.codes[code] = {
                "challenge": params["code_challenge"],
                "redirect_uri": params["redirect_uri"],
                "client_id": params["client_id"],
                "issued": self.now(),
            }
            back["code"] = code
        return httpx.Response(302, headers={"location": f"{params['redirect_uri']}?{urlencode(back)}"})

    def _token(self, form: dict[str, str]) -> httpx.Response:
        refused = {"error": "invalid_request", "error_description": "Value passed for the token was invalid."}
        if form.get("client_id") != CLIENT_ID:
            return _json(
                401, {"error": "unauthorized_client", "error_description": "Missing valid authorization header"}
            )
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return _json(400, refused)
            self.refresh_tokens.discard(form["refresh_token"])  # single use
            return _json(200, self.sign_in())
        grant = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (
            grant is None
            or self.now() - grant["issued"] > timedelta(seconds=30)
            or grant["challenge"] != challenge
            or grant["redirect_uri"] != form.get("redirect_uri")
            or form.get("grant_type") != "authorization_code"
        ):
            return _json(
                400,
                {
                    "error": "invalid_request",
                    "error_description": "Value passed for the authorization code was invalid.",
                },
            )
        return _json(200, self.sign_in())


def _fields(params: httpx.QueryParams, *names: str) -> list[str]:
    return [value for name in names for value in (params.get(name) or "").split(",") if value]


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    kind = (
        "application/problem+json"
        if isinstance(body, dict) and "title" in body and "errors" not in body
        else "application/json"
    )
    return httpx.Response(
        status, content=json.dumps(body).encode(), headers={"content-type": f"{kind}; charset=utf-8", **(headers or {})}
    )


def _token_for(offset: int) -> str:
    """A next_token as opaque and as long as X's (the spec wants at least 16 characters): the offset, encoded."""
    return base64.b32encode(f"page{offset:012d}".encode()).decode().lower().rstrip("=")


def _offset(token: str) -> int:
    padded = token.upper() + "=" * (-len(token) % 8)
    return int(base64.b32decode(padded).decode().removeprefix("page"))


def route_of(method: str, path: str) -> str:
    parts = path.strip("/").split("/")
    table = [
        (r"i/oauth2/authorize", "authorize"),
        (r"2/oauth2/token", "token"),
        (r"2/users/me", "me"),
        (r"2/users/\d+/mentions", "mentions"),
        (r"2/users/\d+/tweets", "tweets"),
        (r"2/tweets/\d+", "tweet"),
        (r"2/tweets", "tweets"),
        (r"2/dm_events/\d+", "dm_event"),
        (r"2/dm_events", "dm_events"),
        (r"2/dm_conversations/with/\d+/dm_events", "participant events"),
        (r"2/dm_conversations/with/\d+/messages", "messages with"),
        (r"2/dm_conversations/[\d-]+/dm_events", "conversation events"),
        (r"2/dm_conversations/[\d-]+/messages", "messages"),
    ]
    joined = "/".join(parts)
    return f"{method} " + next((name for pattern, name in table if re.fullmatch(pattern, joined)), joined)
