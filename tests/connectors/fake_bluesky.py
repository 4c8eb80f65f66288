"""A local fake Bluesky: PDS, AppView views, PLC directory and chat service on 127.0.0.1, with the real shapes.

Served on 127.0.0.1 by ``tests.local_server.LocalServer`` (so a subprocess can use it too):

- sign-in: ``createSession`` (app password; a 30-per-window limit), ``refreshSession`` (rotation with the reference
  PDS's two-hour grace for the old refresh token), ``getSession``; JWT-shaped tokens with ``exp`` and ``scope``;
  expired access tokens answer ``400 ExpiredToken``, unknown ones ``400 InvalidToken``, none ``401 AuthMissing``;
- the PLC directory: ``GET /<did>`` answers the DID document, whose PDS endpoint is ``pds_endpoint``;
- ``listNotifications`` (newest first, ``<indexedAt>::<cid>`` cursors, ``reasons`` filter), ``getAuthorFeed``,
  ``getPosts``, ``resolveHandle``, ``createRecord`` (stores the post, as the shop's);
- ``chat.bsky.convo.*`` (in ``fake_bluesky_chat``), only with ``atproto-proxy: did:web:api.bsky.chat#bsky_chat``
  and a token whose scope allows direct messages;
- ``RateLimit-*`` headers on every answer (epoch reset), ``429 RateLimitExceeded`` once the budget is spent;
- fault injection: ``fail_next(nsid, status, error)``.

Every request and every answer is checked against the lexicons when a ``LexiconContract`` is given; problems are
collected in ``violations`` (the server thread cannot fail the test itself), and ``traffic`` keeps each exchange.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.connectors.fake_bluesky_chat import ChatService
from tests.connectors.fake_bluesky_model import (
    ACCESS_LIFETIME,
    REFRESH_LIFETIME,
    SHOP_DID,
    SHOP_HANDLE,
    Actor,
    Json,
    Post,
    cid_of,
    did_for,
    fixture,
    iso,
    tid,
)
from tests.connectors.fake_bluesky_routes import route
from tests.lexicon_contract import LexiconContract
from tests.local_server import LocalServer


@dataclasses.dataclass
class Exchange:
    method: str
    nsid: str
    params: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int
    answer: Any


class FakeBluesky:
    def __init__(self, contract: LexiconContract | None, now: Callable[[], datetime], *, dm_access: bool = True):
        self.contract = contract
        self.now = now
        self.dm_access = dm_access
        self.shop = Actor(SHOP_DID, SHOP_HANDLE, "Crumb & Co. Bakery")
        self.actors: dict[str, Actor] = {SHOP_DID: self.shop}
        self.posts: dict[str, Post] = {}
        self.deleted: set[str] = set()
        self.chat = ChatService(self)
        self.traffic: list[Exchange] = []
        self.violations: list[str] = []
        self.created: list[Json] = []  # createRecord bodies, as sent
        self.did_doc_in_session = True
        self.sessions_created = 0
        self.session_limit = 30
        self.rate_remaining = 3000
        self.page_size_cap = 100
        self._tokens: dict[str, Json] = {}  # jti -> claims and state
        self._faults: dict[str, list[tuple[int, Json, dict[str, str]]]] = {}
        self._delays: dict[str, list[float]] = {}
        self._counter = itertools.count(1)
        self._lock = threading.RLock()
        self._server: LocalServer | None = None

    # --- lifecycle --------------------------------------------------------------------------------

    def __enter__(self) -> FakeBluesky:
        self._server = LocalServer(self._answer).__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.__exit__(*exc)

    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.url

    def _answer(self, request: httpx.Request) -> httpx.Response:
        try:
            status, answer, headers = route(self, request)
        except AssertionError as problem:  # kept where the tests look; the server answers 500
            self.violations.append(str(problem))
            raise
        content_type = {"Content-Type": "application/json; charset=utf-8"}
        return httpx.Response(status, content=json.dumps(answer).encode(), headers={**content_type, **headers})

    @property
    def pds_endpoint(self) -> str:
        """What the DID document names: another spelling of this server, to prove the connector follows it."""
        return self.url.replace("127.0.0.1", "localhost")

    # --- the world --------------------------------------------------------------------------------

    def customer(self, handle: str, display_name: str = "") -> Actor:
        actor = Actor(did_for(handle), handle, display_name or handle.split(".")[0].title())
        self.actors[actor.did] = actor
        return actor

    def add_post(self, author: Actor, record: Json, *, indexed_at: datetime | None = None) -> Post:
        with self._lock:
            record = {"$type": "app.bsky.feed.post", "createdAt": iso(indexed_at or self.now()), **record}
            uri = f"at://{author.did}/app.bsky.feed.post/{tid(next(self._counter))}"
            post = Post(uri, cid_of(record | {"uri": uri}), author, record, indexed_at or self.now())
            self.posts[uri] = post
            return post

    def mention(self, author: Actor, text: str, **options: Any) -> Post:
        tag = f"@{SHOP_HANDLE}"
        text = text if tag in text else f"{tag} {text}"
        start = len(text[: text.index(tag)].encode())
        facet = {
            "index": {"byteStart": start, "byteEnd": start + len(tag.encode())},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": SHOP_DID}],
        }
        return self.add_post(author, {"text": text, "facets": [facet]}, **options)

    def reply(self, author: Actor, parent: Post, text: str, **options: Any) -> Post:
        parent_ref = {"uri": parent.uri, "cid": parent.cid}
        root = parent.record.get("reply", {}).get("root", parent_ref)
        return self.add_post(author, {"text": text, "reply": {"root": root, "parent": parent_ref}}, **options)

    def quote(self, author: Actor, quoted: Post, text: str, **options: Any) -> Post:
        embed = {"$type": "app.bsky.embed.record", "record": {"uri": quoted.uri, "cid": quoted.cid}}
        return self.add_post(author, {"text": text, "embed": embed}, **options)

    def delete(self, post: Post) -> None:
        with self._lock:
            self.posts.pop(post.uri, None)
            self.deleted.add(post.uri)

    def notifications(self) -> list[Json]:
        found = []
        for post in self.posts.values():
            reason = self._reason(post)
            if reason is not None:
                item = {
                    "uri": post.uri,
                    "cid": post.cid,
                    "author": post.author.profile(),
                    "reason": reason,
                    "record": post.record,
                    "isRead": False,
                    "indexedAt": iso(post.indexed_at),
                    "labels": [],
                }
                found.append(item)
        return sorted(found, key=lambda n: (n["indexedAt"], n["cid"]), reverse=True)

    def _reason(self, post: Post) -> str | None:
        if post.author.did == SHOP_DID:
            return None
        reply = post.record.get("reply") or {}
        if any(str(reply.get(k, {}).get("uri", "")).startswith(f"at://{SHOP_DID}/") for k in ("parent", "root")):
            return "reply"
        features = [f for facet in post.record.get("facets", []) for f in facet["features"]]
        if any(f.get("did") == SHOP_DID for f in features):
            return "mention"
        quoted = post.record.get("embed", {}).get("record", {}).get("uri", "")
        return "quote" if str(quoted).startswith(f"at://{SHOP_DID}/") else None

    # --- sessions ---------------------------------------------------------------------------------

    def issue(self, did: str, scope: str, *, jti: str | None = None) -> Json:
        now = self.now()
        access = self._jwt(
            {
                "scope": scope,
                "sub": did,
                "aud": "did:web:pds.test",
                "iat": int(now.timestamp()),
                "exp": int((now + ACCESS_LIFETIME).timestamp()),
            },
            kind="access",
        )
        refresh = self._jwt(
            {
                "scope": "com.atproto.refresh",
                "sub": did,
                "aud": "did:web:pds.test",
                "jti": jti or f"r{next(self._counter)}",
                "iat": int(now.timestamp()),
                "exp": int((now + REFRESH_LIFETIME).timestamp()),
            },
            kind="refresh",
            access_scope=scope,
        )
        actor = self.actors[did]
        session = {"accessJwt": access, "refreshJwt": refresh, "handle": actor.handle, "did": did, "active": True}
        if self.did_doc_in_session:
            session["didDoc"] = self.did_doc(did)
        return session

    def did_doc(self, did: str) -> Json:
        doc: Json = fixture("did_doc.json")
        text = json.dumps(doc).replace("did:plc:placeholder", did)
        text = text.replace("placeholder.bsky.social", self.actors[did].handle)
        doc = json.loads(text.replace("https://placeholder.example", self.pds_endpoint))
        return doc

    def expire_access_tokens(self) -> None:
        with self._lock:
            for state in self._tokens.values():
                if state["kind"] == "access":
                    state["claims"]["exp"] = int((self.now() - timedelta(seconds=1)).timestamp())

    def revoke_sessions(self) -> None:
        with self._lock:
            for state in self._tokens.values():
                state["revoked"] = True

    def _jwt(self, claims: Json, *, kind: str, access_scope: str = "") -> str:
        header = {"typ": "at+jwt" if kind == "access" else "refresh+jwt", "alg": "ES256K"}
        parts = [base64.urlsafe_b64encode(json.dumps(p).encode()).decode().rstrip("=") for p in (header, claims)]
        token = ".".join([*parts, base64.urlsafe_b64encode(hashlib.sha256(parts[1].encode()).digest()).decode()])
        self._tokens[token] = {"kind": kind, "claims": claims, "revoked": False, "next": None, "scope": access_scope}
        return token

    def token_state(self, token: str) -> Json | None:
        return self._tokens.get(token)

    # --- faults -----------------------------------------------------------------------------------

    def fail_next(self, nsid: str, status: int, error: str, message: str = "", **headers: str) -> None:
        body = {"error": error, **({"message": message} if message else {})}
        self._faults.setdefault(nsid, []).append((status, body, headers))

    def delay_next(self, nsid: str, seconds: float) -> None:
        self._delays.setdefault(nsid, []).append(seconds)

    def wait_if_delayed(self, nsid: str) -> None:
        with self._lock:
            queue = self._delays.get(nsid)
            seconds = queue.pop(0) if queue else 0.0
        time.sleep(seconds)

    def take_fault(self, nsid: str) -> tuple[int, Json, dict[str, str]] | None:
        queue = self._faults.get(nsid)
        return queue.pop(0) if queue else None

    def rate_headers(self) -> dict[str, str]:
        reset = int((self.now() + timedelta(minutes=5)).timestamp())
        return {
            "RateLimit-Limit": "3000",
            "RateLimit-Remaining": str(max(self.rate_remaining, 0)),
            "RateLimit-Reset": str(reset),
            "RateLimit-Policy": "3000;w=300",
        }

    # --- contract ---------------------------------------------------------------------------------

    def check(self, request: httpx.Request, nsid: str, status: int, answer: Any) -> None:
        contract = self.contract
        if contract is None or not request.url.path.startswith("/xrpc/"):
            return
        try:
            contract.check_request(request)
            contract.check_response(nsid, status, answer)
        except AssertionError as problem:
            self.violations.append(str(problem))

    def exchanges(self, nsid: str) -> Iterator[Exchange]:
        return (exchange for exchange in self.traffic if exchange.nsid == nsid)
