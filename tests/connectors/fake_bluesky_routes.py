"""The fake Bluesky's XRPC methods and PLC directory: one request in, ``(status, JSON answer, headers)`` out."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx

from tests.connectors.fake_bluesky_model import APP_PASSWORD, REFRESH_GRACE, Json, iso

if TYPE_CHECKING:
    from tests.connectors.fake_bluesky import FakeBluesky

Answer = tuple[int, Any, dict[str, str]]
_NO_AUTH = frozenset({"com.atproto.server.createSession", "com.atproto.identity.resolveHandle"})


def route(fake: FakeBluesky, request: httpx.Request) -> Answer:
    from tests.connectors.fake_bluesky import Exchange

    path = request.url.path
    if not path.startswith("/xrpc/"):
        return _plc(fake, unquote(path.lstrip("/")))
    nsid = path.removeprefix("/xrpc/")
    try:
        body = json.loads(request.content) if request.content else None
    except ValueError:
        body = None
    fake.wait_if_delayed(nsid)  # outside the lock: other requests go on meanwhile
    with fake._lock:
        status, answer, headers = _dispatch(fake, nsid, request, body)
        fake.traffic.append(
            Exchange(request.method, nsid, _params(request), dict(request.headers), body, status, answer)
        )
    fake.check(request, nsid, status, answer)
    return status, answer, {**fake.rate_headers(), **headers}


def _plc(fake: FakeBluesky, did: str) -> Answer:
    if did in fake.actors:
        return 200, fake.did_doc(did), {}
    return 404, {"message": f"DID not registered: {did}"}, {}


def _dispatch(fake: FakeBluesky, nsid: str, request: httpx.Request, body: Any) -> Answer:
    fake.rate_remaining -= 1
    if fake.rate_remaining < 0:
        return 429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, {}
    fault = fake.take_fault(nsid)
    if fault is not None:
        return fault
    if nsid == "com.atproto.server.createSession":
        return _create_session(fake, body or {})
    if nsid == "com.atproto.server.refreshSession":
        return _refresh_session(fake, request)
    if nsid == "com.atproto.identity.resolveHandle":
        return _resolve_handle(fake, request.url.params)
    auth = _authenticate(fake, request, kind="access")
    if isinstance(auth, tuple):
        return auth
    did, scope = auth["claims"]["sub"], auth["claims"]["scope"]
    if nsid.startswith("chat.bsky."):
        return fake.chat.handle(nsid, request, body, scope)
    handler = _METHODS.get(nsid)
    if handler is None:
        return 501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"}, {}
    answer: Answer = handler(fake, did, request.url.params, body)
    return answer


# --- sessions --------------------------------------------------------------------------------------


def _create_session(fake: FakeBluesky, body: Json) -> Answer:
    fake.sessions_created += 1
    if fake.sessions_created > fake.session_limit:
        return 429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, {}
    identifier = str(body.get("identifier", "")).lower()
    actor = next((a for a in fake.actors.values() if identifier in (a.handle, a.did)), None)
    if actor is None or actor.did != fake.shop.did or body.get("password") != APP_PASSWORD:
        return 401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, {}
    scope = "com.atproto.appPassPrivileged" if fake.dm_access else "com.atproto.appPass"
    return 200, fake.issue(actor.did, scope), {}


def _refresh_session(fake: FakeBluesky, request: httpx.Request) -> Answer:
    state = _authenticate(fake, request, kind="refresh")
    if isinstance(state, tuple):
        return state
    if state["revoked"]:
        return 400, {"error": "ExpiredToken", "message": "Token has been revoked"}, {}
    now = fake.now()
    # As the reference PDS: the old token lives on for a grace period, and reusing it yields the same successor.
    state["claims"]["exp"] = min(state["claims"]["exp"], int((now + REFRESH_GRACE).timestamp()))
    state["next"] = state["next"] or f"r-next-{state['claims']['jti']}"
    return 200, fake.issue(state["claims"]["sub"], state["scope"], jti=state["next"]), {}


def _authenticate(fake: FakeBluesky, request: httpx.Request, *, kind: str) -> Json | Answer:
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        return 401, {"error": "AuthMissing", "message": "Authentication Required"}, {}
    state = fake.token_state(header.removeprefix("Bearer "))
    if state is None:
        return 400, {"error": "InvalidToken", "message": "Token could not be verified"}, {}
    if state["kind"] != kind:
        return 400, {"error": "InvalidToken", "message": "Invalid token type"}, {}
    if state["claims"]["exp"] <= fake.now().timestamp():
        return 400, {"error": "ExpiredToken", "message": "Token has expired"}, {}
    return state


# --- reading ---------------------------------------------------------------------------------------


def _page(items: list[Json], params: httpx.QueryParams, key: str, cap: int) -> Json:
    """Newest-first paging with an opaque ``<indexedAt>::<cid>`` cursor, as the AppView pages notifications."""
    if "cursor" in params:
        at, _, cid = params["cursor"].partition("::")
        items = [item for item in items if (_sort_key(item)[0], _sort_key(item)[1]) < (at, cid)]
    page = items[: min(int(params.get("limit", "50")), cap)]
    answer: Json = {key: page}
    if page:  # the AppView hands out a cursor whenever it returned something; the page after the last is empty
        at, cid = _sort_key(page[-1])
        answer["cursor"] = f"{at}::{cid}"
    return answer


def _sort_key(item: Json) -> tuple[str, str]:
    view = item.get("post", item)
    return str(view["indexedAt"]), str(view["cid"])


def _list_notifications(fake: FakeBluesky, did: str, params: httpx.QueryParams, body: Any) -> Answer:
    reasons = params.get_list("reasons")
    items = [n for n in fake.notifications() if not reasons or n["reason"] in reasons]
    answer = _page(items, params, "notifications", fake.page_size_cap)
    return 200, answer | {"priority": False, "seenAt": iso(fake.now() - timedelta(days=1))}, {}


def _author_feed(fake: FakeBluesky, did: str, params: httpx.QueryParams, body: Any) -> Answer:
    actor = params.get("actor", "")
    posts = [p for p in fake.posts.values() if actor in (p.author.did, p.author.handle)]
    posts.sort(key=lambda p: (iso(p.indexed_at), p.cid), reverse=True)
    return 200, _page([{"post": p.view()} for p in posts], params, "feed", fake.page_size_cap), {}


def _get_posts(fake: FakeBluesky, did: str, params: httpx.QueryParams, body: Any) -> Answer:
    wanted = params.get_list("uris")
    return 200, {"posts": [fake.posts[uri].view() for uri in wanted if uri in fake.posts]}, {}


def _resolve_handle(fake: FakeBluesky, params: httpx.QueryParams) -> Answer:
    handle = params.get("handle", "").lower()
    actor = next((a for a in fake.actors.values() if a.handle == handle), None)
    if actor is None:
        return 400, {"error": "InvalidRequest", "message": "Unable to resolve handle"}, {}
    return 200, {"did": actor.did}, {}


def _get_session(fake: FakeBluesky, did: str, params: httpx.QueryParams, body: Any) -> Answer:
    actor = fake.actors[did]
    return 200, {"handle": actor.handle, "did": did, "active": True, "emailConfirmed": True}, {}


# --- writing ---------------------------------------------------------------------------------------


def _create_record(fake: FakeBluesky, did: str, params: httpx.QueryParams, body: Any) -> Answer:
    fake.created.append(body)
    if body.get("repo") not in (did, fake.actors[did].handle):
        return 400, {"error": "InvalidRequest", "message": "Can not create records in another repo"}, {}
    if body.get("collection") != "app.bsky.feed.post":
        return 400, {"error": "InvalidRequest", "message": "Unsupported collection"}, {}
    record = dict(body["record"])
    post = fake.add_post(fake.actors[did], record)
    post.record = record  # exactly as sent (add_post fills in defaults the sender already gave)
    commit = {"cid": post.cid, "rev": post.uri.rsplit("/", 1)[-1]}
    return 200, {"uri": post.uri, "cid": post.cid, "commit": commit, "validationStatus": "valid"}, {}


def _params(request: httpx.Request) -> dict[str, list[str]]:
    params = request.url.params
    return {name: params.get_list(name) for name in dict.fromkeys(params.keys())}


_METHODS: dict[str, Any] = {
    "app.bsky.notification.listNotifications": _list_notifications,
    "app.bsky.feed.getAuthorFeed": _author_feed,
    "app.bsky.feed.getPosts": _get_posts,
    "com.atproto.server.getSession": _get_session,
    "com.atproto.repo.createRecord": _create_record,
}
