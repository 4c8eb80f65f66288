"""The platforms the reliability suite runs every connector against, each behind the one fault layer.

``FakeMastodon`` is an in-memory Mastodon (a request handler): mention notifications newest first with ``max_id`` /
``min_id`` windows and ``Link`` headers, rate-limit headers on every answer, and ``POST /api/v1/statuses`` that honours
``Idempotency-Key`` as Mastodon does. Telegram runs on the existing fake Bot API server (``tests.connectors``).

A ``Live`` platform is what a test needs from any of them: where it answers, the account settings and token that
reach it, a way to make customers write, and the remote ids the app must end up storing. ``CONNECTORS`` lists every
connector the suite knows, with a skip reason for the ones not built yet.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from socialinbox.connectors import REGISTRY
from socialinbox.connectors.bluesky_session import create_session
from socialinbox.domain import Health, Platform
from tests.connectors.fake_bluesky import FakeBluesky
from tests.connectors.fake_bluesky_model import APP_PASSWORD, SHOP_HANDLE
from tests.connectors.fake_telegram import FakeTelegram
from tests.faults import BLUESKY, MASTODON, TELEGRAM, PlatformStyle

MASTODON_TOKEN = "mstdn-tok-9Qe2xV7pLr4sKw8ZbN3yHc6uJd1fTg5m"
SHOP_ACCOUNT_ID = "110000000000000001"
_FIRST_ID = 113_600_000_000_000_000


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeMastodon:
    """An in-memory Mastodon server: call it with an ``httpx.Request``."""

    def __init__(
        self,
        host: str = "social.example",
        token: str = MASTODON_TOKEN,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.host = host
        self.token = token
        self.now = now
        self.notifications: list[dict[str, Any]] = []  # oldest first
        self.statuses_by_key: dict[str, dict[str, Any]] = {}
        self.created: list[dict[str, Any]] = []  # every status the shop's replies created, duplicates included
        self.requests = 0
        self.post_attempts: Counter[str] = Counter()  # POSTs that reached the server, by Idempotency-Key
        self._ids = itertools.count(_FIRST_ID)
        self._lock = threading.Lock()

    # --- the world ------------------------------------------------------------------------------------------

    def customer_writes(
        self, count: int = 1, *, text: str | None = None, html: str | None = None, visibility: str = "public"
    ) -> list[str]:
        """``count`` new mentions from customers; returns their status ids (the app's remote ids)."""
        made = []
        with self._lock:
            for _ in range(count):
                number = next(self._ids)
                person = number % 17
                content = html if html is not None else f"<p>@cornerbakery {text or f'Question number {number}?'}</p>"
                status = self._status(
                    str(number), content, visibility, self._account(f"20000{person}", f"customer{person}")
                )
                self.notifications.append(
                    {
                        "id": str(number),
                        "type": "mention",
                        "created_at": status["created_at"],
                        "account": status["account"],
                        "status": status,
                    }
                )
                made.append(status["id"])
        return made

    def remote_ids(self) -> set[str]:
        with self._lock:
            return {n["status"]["id"] for n in self.notifications}

    def highest_notification_id(self) -> str | None:
        with self._lock:
            return self.notifications[-1]["id"] if self.notifications else None

    # --- serving --------------------------------------------------------------------------------------------

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests += 1
            path = request.url.path
            if path == "/api/v2/instance":
                return self._json({"domain": self.host, "configuration": {"statuses": {"max_characters": 500}}})
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                return self._json({"error": "The access token is invalid"}, 401)
            if path == "/api/v1/accounts/verify_credentials":
                return self._json(self._account(SHOP_ACCOUNT_ID, "cornerbakery", local=True))
            if path == "/api/v1/notifications" and request.method == "GET":
                return self._page(self.notifications, request.url.params, path)
            if path == f"/api/v1/accounts/{SHOP_ACCOUNT_ID}/statuses" and request.method == "GET":
                return self._page(self.created, request.url.params, path)  # the shop's own posts, replies included
            if path == "/api/v1/statuses" and request.method == "POST":
                return self._post_status(request)
            if path.startswith("/api/v1/statuses/") and request.method == "GET":
                return self._status_or_context(path.removeprefix("/api/v1/statuses/"))
            return self._json({"error": "Record not found"}, 404)

    def _status_or_context(self, rest: str) -> httpx.Response:
        status_id, _, what = rest.partition("/")
        known = {n["status"]["id"]: n["status"] for n in self.notifications} | {s["id"]: s for s in self.created}
        if status_id not in known or what not in ("", "context"):
            return self._json({"error": "Record not found"}, 404)
        if what == "context":
            answers = [s for s in self.created if s.get("in_reply_to_id") == status_id]
            return self._json({"ancestors": [], "descendants": answers})
        return self._json(known[status_id])

    def _page(self, items: list[dict[str, Any]], params: httpx.QueryParams, path: str) -> httpx.Response:
        limit = min(int(params.get("limit", "40")), 80)
        found = sorted(items, key=lambda n: -int(n["id"]))
        if "max_id" in params:
            found = [n for n in found if int(n["id"]) < int(params["max_id"])]
        if "min_id" in params:  # the oldest `limit` after min_id, still served newest first
            older_first = sorted((n for n in found if int(n["id"]) > int(params["min_id"])), key=lambda n: int(n["id"]))
            found = list(reversed(older_first[:limit]))
        chosen = found[:limit]
        headers = {}
        if chosen:
            base = f"https://{self.host}{path}"
            headers["Link"] = (
                f'<{base}?max_id={chosen[-1]["id"]}>; rel="next", <{base}?min_id={chosen[0]["id"]}>; rel="prev"'
            )
        return self._json(chosen, headers=headers)

    def _post_status(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("Idempotency-Key") or f"none-{len(self.created)}"
        self.post_attempts[key] += 1
        if key in self.statuses_by_key:  # Mastodon answers a repeated key with the status it already made
            return self._json(self.statuses_by_key[key])
        body = json.loads(request.content or b"{}")
        text = body.get("status") or ""
        if not text.strip():
            return self._json({"error": "Validation failed: Text can't be blank"}, 422)
        number = next(self._ids)
        status = self._status(
            str(number),
            f"<p>{text}</p>",
            body.get("visibility", "public"),
            self._account(SHOP_ACCOUNT_ID, "cornerbakery", local=True),
        )
        status["in_reply_to_id"] = body.get("in_reply_to_id")
        self.statuses_by_key[key] = status
        self.created.append(status)
        return self._json(status)

    # --- shapes ---------------------------------------------------------------------------------------------

    def _status(self, status_id: str, content: str, visibility: str, account: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": status_id,
            "created_at": iso(self.now()),
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": visibility,
            "language": "en",
            "uri": f"https://{self.host}/users/{account['username']}/statuses/{status_id}",
            "url": f"https://{self.host}/@{account['username']}/{status_id}",
            "content": content,
            "account": account,
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
        }

    def _account(self, account_id: str, username: str, *, local: bool = False) -> dict[str, Any]:
        return {
            "id": account_id,
            "username": username,
            "acct": username if local else f"{username}@knit.example",
            "display_name": username.title(),
            "followers_count": 12,
            "url": f"https://{self.host}/@{username}",
        }

    def _json(self, body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> httpx.Response:
        reset = iso(self.now() + timedelta(minutes=5))
        rate = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299", "X-RateLimit-Reset": reset}
        return httpx.Response(status, json=body, headers={**rate, **(headers or {})})


class TelegramPlatform:
    """The fake Bot API server with customers who write to the bot in private chats."""

    def __init__(self, server: FakeTelegram) -> None:
        self.server = server
        self._people = [server.user(5_000_000 + n, f"Customer{n}", f"customer_{n}") for n in range(7)]
        self._chats = [server.private_chat(person) for person in self._people]
        self._written: list[str] = []
        self.updates: dict[int, str] = {}  # update_id -> the remote id the app stores for it
        self._turn = itertools.count()

    def customer_writes(self, count: int = 1, *, text: str | None = None) -> list[str]:
        made = []
        for _ in range(count):
            n = next(self._turn)
            chat, person = self._chats[n % len(self._chats)], self._people[n % len(self._people)]
            message = self.server.message(chat, person, text or f"Hello, question {n}?")
            remote_id = f"{chat['id']}:{message['message_id']}"
            self.updates[self.server.push("message", message)] = remote_id
            made.append(remote_id)
        self._written += made
        return made

    def remote_ids(self) -> set[str]:
        return set(self._written)

    def forget(self) -> None:
        """Drop what was written from memory (a long run counts instead)."""
        self._written.clear()
        self.updates.clear()


@dataclasses.dataclass
class Live:
    """One running fake platform, as a test sees it."""

    platform: Platform
    host: str  # what FaultPlan rules name
    route: Callable[[httpx.Request], httpx.Response] | httpx.BaseTransport
    settings: dict[str, Any]
    token: str
    style: PlatformStyle
    customer_writes: Callable[..., list[str]]
    remote_ids: Callable[[], set[str]]
    fake: Any
    also: tuple[str, ...] = ()  # other hosts of the same fake (Bluesky's directory beside its PDS)


@dataclasses.dataclass(frozen=True)
class ConnectorCase:
    """A connector the suite runs: how to start its fake, and what the owner must see for each fault."""

    name: str
    platform: Platform
    start: Callable[[Callable[[], datetime], str], contextlib.AbstractContextManager[Live]] | None
    expected_health: Mapping[str, frozenset[Health]]


@contextlib.contextmanager
def mastodon_live(now: Callable[[], datetime], host: str = "social.example") -> Iterator[Live]:
    fake = FakeMastodon(host, now=now)
    settings = {"instance_url": f"https://{host}", "account_id": SHOP_ACCOUNT_ID, "handle": f"cornerbakery@{host}"}
    yield Live(
        Platform.MASTODON, host, fake, settings, fake.token, MASTODON, fake.customer_writes, fake.remote_ids, fake
    )


@contextlib.contextmanager
def telegram_live(now: Callable[[], datetime], host: str = "") -> Iterator[Live]:
    with FakeTelegram(now=lambda: now().timestamp()) as server:
        platform = TelegramPlatform(server)
        host = server.api_base.removeprefix("http://")
        settings = {"api_base": server.api_base, "long_poll_seconds": 0, "bot_username": "corner_bakery_bot"}
        transport = httpx.HTTPTransport()
        try:
            yield Live(
                Platform.TELEGRAM,
                host,
                transport,
                settings,
                server.token,
                TELEGRAM,
                platform.customer_writes,
                platform.remote_ids,
                server,
            )
        finally:
            transport.close()


@contextlib.contextmanager
def bluesky_live(now: Callable[[], datetime], host: str = "") -> Iterator[Live]:
    """The fake PDS, directory and chat service; the account signed in with the app password, as the app does."""
    with FakeBluesky(None, now) as server:
        people = [server.customer(f"customer{n}.bsky.social") for n in range(5)]
        written: list[str] = []

        def customer_writes(count: int = 1, *, text: str | None = None, **_: Any) -> list[str]:
            made = [
                server.mention(people[len(written) % len(people)], text or f"Is order {len(written)} ready?").uri
                for _ in range(count)
            ]
            written.extend(made)
            return made

        with httpx.Client() as client:
            session = create_session(client, server.url, SHOP_HANDLE, APP_PASSWORD, plc_url=server.url, now=now())
        transport = httpx.HTTPTransport()
        try:
            yield Live(
                Platform.BLUESKY,
                server.pds_endpoint.removeprefix("http://"),
                transport,
                {"handle": SHOP_HANDLE, "plc_url": server.url},
                session.to_token(),
                BLUESKY,
                customer_writes,
                lambda: set(written),
                server,
                also=(server.url.removeprefix("http://"),),
            )
        finally:
            transport.close()


_TRANSIENT = frozenset({Health.TRANSIENT_ERROR})
_RECONNECT = frozenset({Health.NEEDS_RECONNECT})
_COMMON = {
    "401": _RECONNECT,
    "429": frozenset({Health.RATE_LIMITED}),
    "404": _TRANSIENT,
    "500": _TRANSIENT,
    "502": _TRANSIENT,
    "503": _TRANSIENT,
    "timeout": _TRANSIENT,
    "connect_timeout": _TRANSIENT,
    "refused": _TRANSIENT,
    "reset": _TRANSIENT,
    "cut_body": _TRANSIENT,
    "malformed_json": _TRANSIENT,
    "truncated_json": _TRANSIENT,
    "html_error_page": _TRANSIENT,
    "huge_body": _TRANSIENT,
    "invalid_utf8": _TRANSIENT,
}
CONNECTORS = (
    ConnectorCase(
        "mastodon",
        Platform.MASTODON,
        mastodon_live,
        # Mastodon answers 403 for a token without the scope: only signing in again gives it. Data sent as
        # text/plain is refused rather than guessed at.
        {**_COMMON, "403": _RECONNECT, "wrong_content_type": _TRANSIENT},
    ),
    ConnectorCase(
        "telegram",
        Platform.TELEGRAM,
        telegram_live,
        # A 403 on getUpdates is not a revoked token (that is 401); the body is JSON whatever the header says.
        {**_COMMON, "403": _TRANSIENT, "wrong_content_type": frozenset({Health.CONNECTED})},
    ),
    ConnectorCase(
        "bluesky",
        Platform.BLUESKY,
        bluesky_live,
        # A 403 names what was refused (a scope, a blocked account); a revoked sign-in is 401 or ExpiredToken.
        {**_COMMON, "403": _TRANSIENT, "wrong_content_type": _TRANSIENT},
    ),
    ConnectorCase("email", Platform.EMAIL, None, {}),
)
# Connectors that do not speak HTTP: their R2 and R3 rows run through a fault layer of their own.
OWN_FAULT_LAYER = {
    Platform.EMAIL: (
        "e-mail speaks IMAP and SMTP, not HTTP: its rows run in tests/reliability/test_r2_mail.py and "
        "test_r3_mail.py, through the fault-injecting proxy of tests/mail_faults.py"
    ),
}


def runnable(case: ConnectorCase) -> str:
    """Why ``case`` cannot run yet (empty when it can)."""
    if case.platform not in REGISTRY:
        return f"the {case.name} connector is not built yet (not in connectors.REGISTRY): this row cannot hold yet"
    if case.platform in OWN_FAULT_LAYER:
        return OWN_FAULT_LAYER[case.platform]
    if case.start is None:
        return (
            f"the {case.name} connector exists but the reliability suite has no fake {case.name} platform for it yet: "
            "add one to tests/reliability/platforms.py"
        )
    return ""
