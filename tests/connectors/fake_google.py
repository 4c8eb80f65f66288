"""A local fake of the Google APIs the reviews channel uses: OAuth (consent page and token endpoint), Account
Management v1, Business Information v1 and Business Profile v4 reviews, with the documented shapes.

One server on 127.0.0.1 plays every host: ``/o/oauth2/v2/auth`` (redirects the "browser" back to the app's loopback
listener with a code, or with ``error=access_denied``), ``POST /token`` (checks the PKCE verifier against the challenge,
the client's secret and the redirect), ``GET /v1/accounts``, ``GET /v1/{account}/locations`` (``readMask`` required),
``GET /v4/{account}/{location}/reviews`` (``updateTime desc``, ``pageSize``/``pageToken``), ``GET .../reviews/{id}``
and ``PUT .../reviews/{id}/reply``. Access tokens last an hour on the test's clock; a lapsed or unknown one gets
Google's 401 envelope. Every request and every answer is checked against ``google_contract``; a violation is answered
with a 500 and kept in ``violations`` for the test to fail on. Faults: ``fail(route, ...)``.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.connectors import google_contract as contract
from tests.local_server import Loopback

CLIENT_ID = "1234567890-abcdefghijklmnop.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-fakeDesktopClientSecret42"
ACCOUNT = "accounts/112233445566778899001"
LOCATION = "locations/9876543210123456789"
TITLE = "Crumb & Co. Bakery"
OTHER_LOCATION = "locations/5555555555555555555"
OTHER_TITLE = "Crumb & Co. Harbour Street"
SCOPE = "https://www.googleapis.com/auth/business.manage"


@dataclasses.dataclass(frozen=True)
class Exchange:
    method: str
    route: str
    path: str
    params: dict[str, str]
    body: Any
    status: int
    answer: Any
    authorization: str
    url: str


@dataclasses.dataclass
class _Fault:
    status: int = 500
    payload: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    drop: bool = False
    delay: float = 0.0
    after: bool = False  # do the work first, then fail: the reply exists although the answer is lost


def rpc_error(code: int, status: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status, "details": details or []}}


def quota_zero() -> dict[str, Any]:
    """What Google answers a project whose Business Profile API access was never approved (its quota is 0)."""
    info = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "RATE_LIMIT_EXCEEDED",
        "domain": "googleapis.com",
        "metadata": {"quota_limit_value": "0", "service": "mybusiness.googleapis.com", "consumer": "projects/42"},
    }
    message = "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service 'mybusiness'."
    return rpc_error(429, "RESOURCE_EXHAUSTED", message, [info])


def stamp(moment: datetime) -> str:
    """Google's RFC 3339 "Zulu" form, with nine fractional digits when there is a fraction."""
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{moment.microsecond:06d}000Z" if moment.microsecond else f"{base}Z"


class FakeGoogle:
    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self.clients = {CLIENT_ID: CLIENT_SECRET}
        self.locations = {ACCOUNT: [(LOCATION, TITLE)]}
        self.reviews: dict[str, dict[str, Any]] = {}  # by reviewId, for LOCATION
        self.access: dict[str, datetime] = {}  # access token -> when it lapses
        self.refresh_tokens: set[str] = set()
        self.revoked: set[str] = set()
        self.decline = False
        self.forge_state = False  # answer with another state than the one asked: a forged redirect
        self.reply_bumps_update_time = False  # whether a reply moves the review's updateTime (undocumented)
        self.traffic: list[Exchange] = []
        self.violations: list[str] = []
        self._codes: dict[str, dict[str, str]] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._loopback = Loopback(_Handler, self)

    @property
    def url(self) -> str:
        return self._loopback.url

    @property
    def auth_url(self) -> str:
        return f"{self.url}/o/oauth2/v2/auth"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    def __enter__(self) -> FakeGoogle:
        self._loopback.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._loopback.stop()

    # --- building the world -------------------------------------------------------------------------------------

    def sign_in(self, lifetime: timedelta = timedelta(hours=1)) -> dict[str, Any]:
        """A session as if the owner had signed in: the stored blob's fields."""
        access, refresh = self._new_access(lifetime), f"1//0refresh-{next(self._ids)}"
        self.refresh_tokens.add(refresh)
        expires = self.access[access].isoformat()
        return {"client_secret": CLIENT_SECRET, "refresh_token": refresh, "access_token": access, "expires_at": expires}

    def review(
        self,
        comment: str | None = "Lovely sourdough, friendly staff.",
        rating: str = "FIVE",
        *,
        who: str | None = "Olena Kovalenko",
        anonymous: bool = False,
        at: datetime | None = None,
    ) -> str:
        review_id = f"AIe9_BG{next(self._ids):06d}xQ-r"
        when = at or self.now()
        record: dict[str, Any] = {"reviewId": review_id, "starRating": rating, "createTime": when, "updateTime": when}
        record["reviewer"] = {"isAnonymous": True} if anonymous else {"displayName": who, "isAnonymous": False}
        if comment is not None:
            record["comment"] = comment
        self.reviews[review_id] = record
        return review_id

    def edit(self, review_id: str, comment: str, rating: str | None = None, *, at: datetime | None = None) -> None:
        record = self.reviews[review_id]
        record["comment"] = comment
        record["starRating"] = rating or record["starRating"]
        record["updateTime"] = at or self.now()

    def reply_in_google(self, review_id: str, comment: str, *, at: datetime | None = None) -> None:
        when = at or self.now()
        self.reviews[review_id]["reviewReply"] = {"comment": comment, "updateTime": when}
        if self.reply_bumps_update_time:
            self.reviews[review_id]["updateTime"] = when

    def fail(self, route: str, status: int = 500, payload: Any = None, **options: Any) -> None:
        """The next request to ``route`` ("GET reviews", "GET review", "PUT reply", "POST token", "GET accounts",
        "GET locations") fails."""
        self._faults.setdefault(route, []).append(_Fault(status=status, payload=payload, **options))

    def requests_to(self, route: str) -> list[Exchange]:
        return [e for e in self.traffic if f"{e.method} {e.route}" == route]

    def _new_access(self, lifetime: timedelta = timedelta(hours=1)) -> str:
        token = f"ya29.fake-access-{next(self._ids)}"
        self.access[token] = self.now() + lifetime
        return token

    # --- answering ----------------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict[str, str], body: Any, auth: str) -> tuple[int, Any]:
        route = route_of(method, path)
        if route == "GET authorize":
            return self._authorize(params)
        if route == "POST token":
            return self._token(body)
        token = auth.removeprefix("Bearer ")
        if not auth.startswith("Bearer ") or self.access.get(token, self.now()) <= self.now():
            return 401, rpc_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        with self._lock:
            return self._api(route, path, params, body)

    def _authorize(self, params: dict[str, str]) -> tuple[int, Any]:
        contract.check_params(params, contract.AUTHORIZE_PARAMS, contract.AUTHORIZE_REQUIRED, "authorize")
        assert params["client_id"] in self.clients, "an unknown OAuth client"
        assert params["redirect_uri"].startswith("http://127.0.0.1:"), "a desktop client redirects to the loopback"
        expected = {"response_type": "code", "scope": SCOPE, "code_challenge_method": "S256"}
        expected |= {"access_type": "offline", "prompt": "consent"}
        assert {key: params.get(key) for key in expected} == expected, params
        if self.decline:
            answer = {"error": "access_denied", "state": params["state"]}
        else:
            code = f"4/0Ab{next(self._ids)}fakeCode"
            self._codes[code] = params
            state = "forged-" + params["state"] if self.forge_state else params["state"]
            answer = {"code": code, "scope": SCOPE, "state": state}
        return 302, {"Location": f"{params['redirect_uri']}?{urlencode(answer)}"}

    def _token(self, form: dict[str, str]) -> tuple[int, Any]:
        grant = form.get("grant_type", "")
        contract.check_params(form, contract.TOKEN_FORMS.get(grant, set()), contract.TOKEN_FORMS.get(grant, set()))
        if self.clients.get(form["client_id"]) != form["client_secret"]:
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        if grant == "authorization_code":
            asked = self._codes.pop(form["code"], None)
            verifier = form["code_verifier"].encode()
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
            if asked is None or asked["redirect_uri"] != form["redirect_uri"] or asked["code_challenge"] != challenge:
                return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
            session = self.sign_in()
            return 200, {
                "access_token": session["access_token"],
                "expires_in": 3599,
                "refresh_token": session["refresh_token"],
                "scope": SCOPE,
                "token_type": "Bearer",
            }
        if form["refresh_token"] not in self.refresh_tokens or form["refresh_token"] in self.revoked:
            return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
        return 200, {"access_token": self._new_access(), "expires_in": 3599, "scope": SCOPE, "token_type": "Bearer"}

    def _api(self, route: str, path: str, params: dict[str, str], body: Any) -> tuple[int, Any]:
        if route == "GET accounts":
            contract.check_params(params, contract.LIST_ACCOUNTS_PARAMS, where=route)
            accounts = [{"name": name, "accountName": "Crumb & Co.", "type": "PERSONAL"} for name in self.locations]
            return 200, {"accounts": accounts}
        if route == "GET locations":
            contract.check_params(params, contract.LIST_LOCATIONS_PARAMS, {"readMask"}, route)
            assert set(params["readMask"].split(",")) <= {"name", "title"}, params["readMask"]
            account = path.removeprefix("/v1/").removesuffix("/locations")
            return self._page(
                [{"name": n, "title": t} for n, t in self.locations.get(account, [])], params, "locations"
            )
        parents = {f"{account}/{name}" for account, names in self.locations.items() for name, _ in names}
        if not any(path.startswith(f"/v4/{parent}/reviews") for parent in parents):
            return 404, rpc_error(404, "NOT_FOUND", "Requested entity was not found.")
        if route == "GET reviews":
            contract.check_params(params, contract.LIST_REVIEWS_PARAMS, where=route)
            assert params.get("orderBy", "updateTime desc") in contract.ORDER_BY, params
            newest = sorted(self.reviews.values(), key=lambda r: (r["updateTime"], r["reviewId"]), reverse=True)
            listed = self._page([self._view(r) for r in newest], params, "reviews")
            return listed[0], {**listed[1], "averageRating": 4.5, "totalReviewCount": len(newest)}
        review_id = path.split("/reviews/")[1].removesuffix("/reply")
        if review_id not in self.reviews:
            return 404, rpc_error(404, "NOT_FOUND", "Requested entity was not found.")
        if route == "GET review":
            return 200, self._view(self.reviews[review_id])
        if route == "PUT reply":
            contract.check(body, contract.REPLY_BODY, "reply body")
            assert isinstance(body.get("comment"), str), "a reply needs its comment"
            self.reply_in_google(review_id, body["comment"])
            return 200, self._view(self.reviews[review_id])["reviewReply"]
        return 400, rpc_error(400, "INVALID_ARGUMENT", f"Unknown route {route}.")

    def _view(self, record: dict[str, Any]) -> dict[str, Any]:
        view = {key: value for key, value in record.items() if key not in ("createTime", "updateTime", "reviewReply")}
        view |= {"name": f"{ACCOUNT}/{LOCATION}/reviews/{record['reviewId']}"}
        view |= {"createTime": stamp(record["createTime"]), "updateTime": stamp(record["updateTime"])}
        if "reviewReply" in record:
            reply = record["reviewReply"]
            view["reviewReply"] = {"comment": reply["comment"], "updateTime": stamp(reply["updateTime"])}
        return view

    def _page(self, items: list[dict[str, Any]], params: dict[str, str], key: str) -> tuple[int, Any]:
        start = int(params.get("pageToken") or 0)
        size = int(params.get("pageSize") or 50)
        chunk = items[start : start + size]
        answer: dict[str, Any] = {key: chunk} if chunk else {}  # Google leaves an empty list out
        if start + size < len(items):
            answer["nextPageToken"] = str(start + size)
        return 200, answer


def route_of(method: str, path: str) -> str:
    if path.endswith("/o/oauth2/v2/auth"):
        return "GET authorize"
    if path == "/token":
        return f"{method} token"
    if path == "/v1/accounts":
        return f"{method} accounts"
    if path.startswith("/v1/") and path.endswith("/locations"):
        return f"{method} locations"
    if path.endswith("/reply"):
        return f"{method} reply"
    return f"{method} review" if "/reviews/" in path else f"{method} reviews"


def answer_schema(route: str, status: int) -> Any:
    if route == "POST token":
        return contract.TOKEN_ANSWER if status == 200 else contract.TOKEN_ERROR
    if status >= 400:
        return contract.ERROR
    return {
        "GET reviews": contract.LIST_REVIEWS,
        "GET review": contract.REVIEW,
        "PUT reply": contract.REVIEW_REPLY,
        "GET accounts": contract.LIST_ACCOUNTS,
        "GET locations": contract.LIST_LOCATIONS,
    }[route]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake: FakeGoogle = self.server.fake  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        params = dict(parse_qsl(parts.query))
        kind = self.headers.get("Content-Type") or ""
        body: Any = json.loads(raw) if "json" in kind else dict(parse_qsl(raw.decode())) if raw else None
        route = route_of(self.command, parts.path)
        queued = fake._faults.get(route)
        fault = queued.pop(0) if queued else None
        status, answer = 500, None
        try:
            if fault is None or fault.after:
                status, answer = fake.handle(
                    self.command, parts.path, params, body, self.headers.get("Authorization", "")
                )
            if fault is None and route != "GET authorize":
                contract.check(answer, answer_schema(route, status), f"{route} answer")
        except AssertionError as violation:
            fake.violations.append(f"{route}: {violation}")
            status, answer = 500, rpc_error(500, "INTERNAL", "contract violation")
        headers = {"Content-Type": "application/json; charset=UTF-8"}
        if fault is not None:
            time.sleep(fault.delay)
            if fault.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            status, answer = fault.status, fault.payload
            headers |= fault.headers
        auth = self.headers.get("Authorization", "")
        fake.traffic.append(
            Exchange(self.command, route.split()[1], parts.path, params, body, status, answer, auth, self.path)
        )
        if status == 302:
            headers, content = {"Location": answer["Location"]}, b""
        else:
            content = fault.raw if fault is not None and fault.raw is not None else json.dumps(answer).encode()
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass
