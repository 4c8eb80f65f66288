"""One fault-injecting HTTP layer for every connector's tests: what real networks and real servers do to an app.

A platform fake is a plain function ``httpx.Request -> httpx.Response`` (or any httpx transport). Faults are put
between it and the connector in one of two ways, with the same ``FaultPlan``:

- ``FaultTransport``: an httpx transport (fast, in-process; hand it to ``make_client``);
- ``FaultServer`` (``tests/fault_server.py``): a real HTTP/1.1 server on 127.0.0.1, for a connector in another
  process (``socialinbox sync``) and for what only sockets do (a reset, a body cut mid-way, a server that never
  answers).

Each fault says whether the platform got the request (``reaches_platform``): a refused connection never left the
laptop; a reset or a read timeout happens after the platform acted, which is what makes sending a reply hard.
``faults_for(style)`` is the catalogue every connector is run against, with each platform's own error and
rate-limit style (headers and bodies differ: Mastodon's ISO reset time, Bluesky's epoch ``RateLimit-Reset``,
Telegram's ``parameters.retry_after``, X's ``x-rate-limit-reset``).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

Handler = Callable[[httpx.Request], httpx.Response]
HUGE_BODY_BYTES = 50 * 1024 * 1024
_CHUNK = 64 * 1024


class Kind(enum.Enum):
    RESPOND = "respond"  # an answer instead of the platform's (a gateway, a proxy, the platform's own error)
    REFUSE = "refuse"  # the connection is refused: nothing left the laptop
    CONNECT_TIMEOUT = "connect-timeout"  # no connection in time: nothing left the laptop
    TIMEOUT = "timeout"  # the platform got the request; its answer never came
    RESET = "reset"  # the platform got the request; the connection was reset before the answer
    CUT_BODY = "cut-body"  # the platform's answer, its body cut off mid-way (Content-Length promised more)
    TRANSFORM = "transform"  # the platform's answer, changed on the way (type, bytes)
    HUGE_BODY = "huge-body"  # a 50 MB answer that never ends as JSON


@dataclasses.dataclass(frozen=True)
class Fault:
    name: str
    kind: Kind
    status: int = 200
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    body: bytes = b""
    reaches_platform: bool = False
    transform: Callable[[httpx.Response], httpx.Response] | None = None

    def __post_init__(self) -> None:
        if self.kind in (Kind.TIMEOUT, Kind.RESET, Kind.CUT_BODY, Kind.TRANSFORM):
            object.__setattr__(self, "reaches_platform", True)


# --- each platform's way of saying no ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PlatformStyle:
    """How one platform words its errors and signals its rate limit."""

    name: str
    error_body: Callable[[int, str], Any]
    rate_limit: Callable[[float, datetime], tuple[dict[str, str], Any]]  # (headers, body) for "wait this long"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


MASTODON = PlatformStyle(
    "mastodon",
    lambda status, message: {"error": message},
    lambda wait, now: (
        {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": _iso(now + timedelta(seconds=wait)),
        },
        {"error": "Too many requests"},
    ),
)
BLUESKY = PlatformStyle(
    "bluesky",
    lambda status, message: {"error": "InternalServerError" if status >= 500 else "InvalidRequest", "message": message},
    lambda wait, now: (
        {
            "RateLimit-Limit": "3000",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(int((now + timedelta(seconds=wait)).timestamp())),
            "RateLimit-Policy": "3000;w=300",
        },
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
    ),
)
TELEGRAM = PlatformStyle(
    "telegram",
    lambda status, message: {"ok": False, "error_code": status, "description": message},
    lambda wait, now: (
        {},
        {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {int(wait)}",
            "parameters": {"retry_after": int(wait)},
        },
    ),
)
X = PlatformStyle(
    "x",
    lambda status, message: {"title": message, "detail": message, "type": "about:blank", "status": status},
    lambda wait, now: (
        {
            "x-rate-limit-limit": "300",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(int((now + timedelta(seconds=wait)).timestamp())),
        },
        {"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
    ),
)
GENERIC = PlatformStyle(
    "generic",
    lambda status, message: {"error": message},
    lambda wait, now: ({"Retry-After": str(int(wait))}, {"error": "Too many requests"}),
)
STYLES = {style.name: style for style in (MASTODON, BLUESKY, TELEGRAM, X, GENERIC)}

_MESSAGES = {
    401: "The access token is invalid",
    403: "This action is not allowed",
    404: "Not Found",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
HTML_ERROR_PAGE = (
    b"<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
    b"<center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>"
)
CATALOGUE = (
    "401 403 404 429 500 502 503 timeout connect_timeout refused reset cut_body malformed_json truncated_json "
    "html_error_page wrong_content_type huge_body invalid_utf8"
).split()


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _retyped(response: httpx.Response) -> httpx.Response:
    return _rebuilt(response, response.content, "text/plain; charset=utf-8")


def _truncated(response: httpx.Response) -> httpx.Response:
    body = response.content
    return _rebuilt(response, body[: max(1, len(body) // 2)])  # a complete HTTP answer whose JSON stops half-way


def _invalid_utf8(response: httpx.Response) -> httpx.Response:
    body = response.content
    at = body.find(b'"') + 1  # inside the first string: the JSON is well-formed except for its encoding
    return _rebuilt(response, body[:at] + b"\xff\xfe\xc3(" + body[at:])


def _rebuilt(response: httpx.Response, body: bytes, content_type: str | None = None) -> httpx.Response:
    headers = without_length(response)
    if content_type:
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"} | {"Content-Type": content_type}
    return httpx.Response(response.status_code, headers=headers, content=body)


def faults_for(style: PlatformStyle, now: datetime, retry_after: float = 37.0) -> dict[str, Fault]:
    """Every fault of ``CATALOGUE``, in ``style``'s words; a 429 asks to wait ``retry_after`` seconds from ``now``."""
    json_type = {"Content-Type": "application/json; charset=utf-8"}
    faults = {
        str(status): Fault(str(status), Kind.RESPOND, status, json_type, _json(style.error_body(status, message)))
        for status, message in _MESSAGES.items()
    }
    limit_headers, limit_body = style.rate_limit(retry_after, now)
    faults["429"] = Fault("429", Kind.RESPOND, 429, {**json_type, **limit_headers}, _json(limit_body))
    faults |= {
        "timeout": Fault("timeout", Kind.TIMEOUT),
        "connect_timeout": Fault("connect_timeout", Kind.CONNECT_TIMEOUT),
        "refused": Fault("refused", Kind.REFUSE),
        "reset": Fault("reset", Kind.RESET),
        "cut_body": Fault("cut_body", Kind.CUT_BODY),
        "malformed_json": Fault("malformed_json", Kind.RESPOND, 200, json_type, b"{'result': [1, 2,, }"),
        "truncated_json": Fault("truncated_json", Kind.TRANSFORM, transform=_truncated),
        "html_error_page": Fault(
            "html_error_page", Kind.RESPOND, 503, {"Content-Type": "text/html", "Server": "nginx"}, HTML_ERROR_PAGE
        ),
        "wrong_content_type": Fault("wrong_content_type", Kind.TRANSFORM, transform=_retyped),
        "huge_body": Fault("huge_body", Kind.HUGE_BODY, 200, json_type),
        "invalid_utf8": Fault("invalid_utf8", Kind.TRANSFORM, transform=_invalid_utf8),
    }
    assert set(faults) == set(CATALOGUE)
    return faults


def gateway_timeout_after(style: PlatformStyle) -> Fault:
    """A 504 from a gateway that passed the request on and gave up waiting: the platform may well have acted."""
    body = _json(style.error_body(504, "Gateway Time-out"))
    return Fault("gateway_timeout_after", Kind.RESPOND, 504, {"Content-Type": "application/json"}, body, True)


def huge_body(served: list[int]) -> Iterator[bytes]:
    """50 MB that starts like JSON and never closes; ``served[0]`` counts what the reader actually pulled."""
    yield b'{"ok": true, "result": [{"padding": "'
    chunk = b"x" * _CHUNK
    for _ in range(HUGE_BODY_BYTES // _CHUNK):
        served[0] += len(chunk)
        yield chunk


# --- the plan: which request meets which fault ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Seen:
    method: str
    host: str
    path: str
    fault: str | None  # the fault it met, None when it went through untouched
    reached_platform: bool


@dataclasses.dataclass
class _Rule:
    faults: Sequence[tuple[Fault, float]]  # one fault with weight 1.0, or a random mix (weights may sum below 1)
    host: str | None
    method: str | None
    path: str | None
    remaining: int | None  # None: until cleared
    skip: int = 0  # matching requests still to let through untouched


class FaultPlan:
    """Which requests meet which faults. Thread-safe: the app polls from worker threads."""

    def __init__(self, seed: int = 0, *, keep_seen: bool = True) -> None:
        self.seen: list[Seen] = []  # every request, when ``keep_seen`` (a long run keeps only the counts)
        self.met: Counter[str] = Counter()  # how many requests met each fault
        self.keep_seen = keep_seen
        self.huge_bytes_served = [0]
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._rng = random.Random(seed)

    def inject(
        self,
        fault: Fault,
        *,
        host: str | None = None,
        method: str | None = None,
        path: str | None = None,
        times: int | None = None,
        skip: int = 0,
    ) -> None:
        """Every matching request meets ``fault`` (``times`` of them, or until ``clear``), after the first ``skip``
        matching ones went through. Host: ``host[:port]``."""
        with self._lock:
            self._rules.append(_Rule([(fault, 1.0)], host, method, path, times, skip))

    def chaos(self, mix: Sequence[tuple[Fault, float]], *, host: str | None = None, method: str | None = None) -> None:
        """Each matching request meets one fault of ``mix`` drawn at random by weight, or none for the remainder."""
        with self._lock:
            self._rules.append(_Rule(list(mix), host, method, None, None))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def fault_for(self, request: httpx.Request) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if _matches(rule, request):
                    if rule.skip > 0:
                        rule.skip -= 1
                        return None
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining <= 0:
                            self._rules.remove(rule)
                    return self._draw(rule.faults)
        return None

    def record(self, request: httpx.Request, fault: Fault | None, reached: bool) -> None:
        with self._lock:
            if fault is not None:
                self.met[fault.name] += 1
            if not self.keep_seen:
                return
            self.seen.append(
                Seen(request.method, _host_key(request.url), request.url.path, fault and fault.name, reached)
            )

    def _draw(self, mix: Sequence[tuple[Fault, float]]) -> Fault | None:
        roll = self._rng.random()
        for fault, weight in mix:
            if roll < weight:
                return fault
            roll -= weight
        return None


def _host_key(url: httpx.URL) -> str:
    return f"{url.host}:{url.port}" if url.port else url.host


def _matches(rule: _Rule, request: httpx.Request) -> bool:
    url = request.url
    return (
        (rule.host is None or rule.host in (url.host, _host_key(url)))
        and (rule.method is None or rule.method == request.method)
        and (rule.path is None or rule.path in url.path)
    )


# --- in process: an httpx transport --------------------------------------------------------------------------


class UnexpectedRequest(AssertionError):
    """A request went somewhere no fake serves: in these tests nothing may reach the real network."""


class FaultTransport(httpx.BaseTransport):
    """Routes each request by host (``host`` or ``host:port``) to its fake, through the plan's faults.

    A request to a host with no route is recorded and refused with ``UnexpectedRequest``: a test can assert that
    nothing tried to go anywhere else (``plan.seen``), and the real network is never touched.
    """

    def __init__(self, routes: Mapping[str, Handler | httpx.BaseTransport], plan: FaultPlan | None = None) -> None:
        self.routes = dict(routes)
        self.plan = plan or FaultPlan()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = self.routes.get(_host_key(request.url)) or self.routes.get(request.url.host)
        if target is None:
            self.plan.record(request, None, False)
            raise UnexpectedRequest(f"request to {request.url.host} which no fake serves: {request.method}")
        fault = self.plan.fault_for(request)
        self.plan.record(request, fault, fault is None or fault.reaches_platform)
        if fault is None:
            return _forward(target, request)
        return self._apply(fault, target, request)

    def _apply(self, fault: Fault, target: Handler | httpx.BaseTransport, request: httpx.Request) -> httpx.Response:
        if fault.kind is Kind.REFUSE:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if fault.kind is Kind.CONNECT_TIMEOUT:
            raise httpx.ConnectTimeout("timed out", request=request)
        if fault.kind is Kind.RESPOND:
            if fault.reaches_platform:  # a gateway that gave up after passing the request on
                _forward(target, request).read()
            return httpx.Response(fault.status, headers=dict(fault.headers), content=fault.body)
        if fault.kind is Kind.HUGE_BODY:
            return httpx.Response(200, headers=dict(fault.headers), content=huge_body(self.plan.huge_bytes_served))
        answer = _forward(target, request)  # the platform acts on it, whatever happens to the answer
        answer.read()
        if fault.kind is Kind.TIMEOUT:
            raise httpx.ReadTimeout("timed out", request=request)
        if fault.kind is Kind.RESET:
            raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
        if fault.kind is Kind.CUT_BODY:
            return httpx.Response(answer.status_code, headers=without_length(answer), content=_cut(answer.content))
        assert fault.transform is not None
        return fault.transform(answer)


def _forward(target: Handler | httpx.BaseTransport, request: httpx.Request) -> httpx.Response:
    if isinstance(target, httpx.BaseTransport):
        return target.handle_request(request)
    return target(request)


def without_length(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}


def _cut(body: bytes) -> Iterator[bytes]:
    yield body[: len(body) // 2]
    raise httpx.RemoteProtocolError(
        f"peer closed connection without sending complete message body (received {len(body) // 2} bytes, "
        f"expected {len(body)})"
    )
