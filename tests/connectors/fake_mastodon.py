"""A fake Mastodon server with the real paging, headers, entity shapes and OAuth sign-in.

``FakeMastodon`` is an httpx handler (request -> response): hand it to ``httpx.MockTransport`` for in-process
tests, or serve it on 127.0.0.1 with ``LocalServer`` for the command line in a subprocess and for the real loopback
sign-in. It serves notifications and the shop's own statuses newest first with ``max_id``/``min_id`` windows, ``Link``
and ``X-RateLimit-*`` headers; ``/api/v1/apps``, ``/oauth/authorize`` (redirects the "browser" back with a code, or
shows the code for the paste flow) and ``/oauth/token`` with the PKCE check; and ``POST /api/v1/statuses`` honouring
``Idempotency-Key``. Every request and every answer it builds itself is checked against the OpenAPI description when
one is given.
"""

from __future__ import annotations

import html
import itertools
import json
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import pytest

from socialinbox.connectors.mastodon_auth import OOB_REDIRECT_URI, code_challenge
from tests.local_server import LocalServer
from tests.openapi_contract import OpenApiContract

FIXTURES = Path(__file__).parent / "fixtures" / "mastodon"
INSTANCE = "https://social.example"
TOKEN = "tok-3f9a1c-never-in-a-message"
SHOP_ID = "110000000000000001"
RESET = "2026-11-23T09:05:00.000Z"
FIRST_POSTED_ID = 113520000000000404


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def status(template: str = "status_public.json", status_id: str | None = None, **changes: Any) -> dict[str, Any]:
    entity = fixture(template)
    entity.update(changes, **({"id": status_id} if status_id else {}))
    return entity  # type: ignore[no-any-return]


def notification(notification_id: int, entity: dict[str, Any] | None) -> dict[str, Any]:
    account = entity["account"] if entity else fixture("account_remote.json")
    return {
        "id": str(notification_id),
        "type": "mention",
        "created_at": "2026-11-23T08:41:08.120Z",
        "group_key": f"ungrouped-{notification_id}",
        "account": account,
        "status": entity,
    }


def mentions(first: int, last: int) -> list[dict[str, Any]]:
    return [notification(n, status(status_id=str(113520000000000000 + n))) for n in range(first, last + 1)]


def signed_in_account(username: str, account_id: str) -> dict[str, Any]:
    """verify_credentials as another local user would get it."""
    return fixture("credentials.json") | {"id": account_id, "username": username, "acct": username}


def shop_reply(status_id: str, in_reply_to: str, created_at: str, text: str = "Thanks, sorted!") -> dict[str, Any]:
    """A status the shop posted from another app (its own account, answering ``in_reply_to``)."""
    return status(
        "status_posted.json",
        status_id,
        in_reply_to_id=in_reply_to,
        created_at=created_at,
        content=f"<p>{html.escape(text)}</p>",
        visibility="public",
        application={"name": "Mastodon for Android", "website": None},
    )


class FakeMastodon:
    """Answers like one Mastodon server; the world it serves is plain lists the tests fill in."""

    def __init__(self, contract: OpenApiContract | None, base_url: str = INSTANCE) -> None:
        self.contract = contract
        self.base_url = base_url  # what Link headers point at; LocalServer sets its own address
        self.notifications: list[dict[str, Any]] = []
        self.own_statuses: list[dict[str, Any]] = []  # the shop's statuses, any order
        self.requests: list[httpx.Request] = []
        self.canned: list[httpx.Response | Exception] = []  # served first, in order, unchecked (deliberately odd)
        self.tokens: dict[str, dict[str, Any]] = {TOKEN: fixture("credentials.json")}  # token -> its account
        self.sign_in_as: dict[str, Any] = fixture("credentials.json")  # whom the next sign-in is for
        self.registrations = 0
        self.now: Callable[[], datetime] | None = None  # the time posted statuses get; None: the fixture's
        self._codes: dict[str, tuple[str, str | None]] = {}  # code -> (redirect_uri, PKCE challenge)
        self._posted: dict[str, dict[str, Any]] = {}  # Idempotency-Key -> the status it created
        self._ids = itertools.count(FIRST_POSTED_ID)
        self._issued = itertools.count(1)
        self._lock = threading.Lock()  # a served fake answers on several threads

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            if self.contract is not None:
                self.contract.check_request(request)
            if self.canned:
                answer = self.canned.pop(0)
                if isinstance(answer, Exception):
                    raise answer
                return answer
            response = self.route(request)
            if self.contract is not None and self.contract.declares_status(
                request.method, request.url, response.status_code
            ):
                self.contract.check_response(request, response)
            return response

    # --- routes ------------------------------------------------------------------------------------

    def route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        public = {
            "/api/v2/instance": lambda: self.json(fixture("instance.json")),
            "/api/v1/apps": self._register,
            "/oauth/authorize": lambda: self._authorize(request.url.params),
            "/oauth/token": lambda: self._token(request),
        }
        if path in public:
            return public[path]()
        account = self.tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if account is None:
            return self.json(fixture("error_401.json"), status=401)
        if path == "/api/v1/accounts/verify_credentials":
            return self.json(account)
        if path == "/api/v1/statuses" and request.method == "POST":
            return self.json(self._post(request))
        if path == "/api/v1/notifications":
            wanted = request.url.params.get_list("types[]")
            found = [n for n in self.notifications if not wanted or n["type"] in wanted]
            return self.page(found, request.url.params, path)
        if path == f"/api/v1/accounts/{account['id']}/statuses":
            return self.page(self.own_statuses, request.url.params, path)
        return self.json({"error": "Record not found"}, status=404)

    def page(self, items: list[dict[str, Any]], params: httpx.QueryParams, path: str) -> httpx.Response:
        found = sorted(items, key=lambda n: -int(n["id"]))
        limit = min(int(params.get("limit", "40")), 80)
        if "max_id" in params:
            found = [n for n in found if int(n["id"]) < int(params["max_id"])]
        if "min_id" in params:  # the oldest `limit` after min_id, still served newest first
            found = sorted((n for n in found if int(n["id"]) > int(params["min_id"])), key=lambda n: int(n["id"]))
            found = list(reversed(found[:limit]))
        chosen = found[:limit]
        headers = {}
        if chosen:
            base = f"{self.base_url}{path}"
            kept = urlencode([(k, v) for k, v in params.multi_items() if k not in ("max_id", "min_id", "limit")])
            headers["Link"] = (
                f'<{base}?max_id={chosen[-1]["id"]}&{kept}>; rel="next", '
                f'<{base}?min_id={chosen[0]["id"]}&{kept}>; rel="prev"'
            )
        return self.json(chosen, headers=headers)

    def _register(self) -> httpx.Response:
        self.registrations += 1
        return self.json(fixture("app.json"))

    def _authorize(self, params: httpx.QueryParams) -> httpx.Response:
        """The owner approved: back to the app with a code, or (paste flow) a page that shows the code."""
        code = f"code-{next(self._issued)}-Zp81"
        self._codes[code] = (params["redirect_uri"], params.get("code_challenge"))
        if params["redirect_uri"] == OOB_REDIRECT_URI:
            page = f"<html><body><p>Copy this code into the app:</p><code>{code}</code></body></html>"
            return httpx.Response(200, text=page, headers={"Content-Type": "text/html"})
        target = f"{params['redirect_uri']}?{urlencode({'code': code, 'state': params['state']})}"
        return httpx.Response(302, headers={"Location": target})

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
        redirect_uri, challenge = self._codes.pop(form.get("code", ""), ("", None))
        app = fixture("app.json")
        verifier_ok = challenge is None or code_challenge(form.get("code_verifier", "")) == challenge
        if (
            form.get("redirect_uri") != redirect_uri
            or form.get("client_id") != app["client_id"]
            or form.get("client_secret") != app["client_secret"]
            or not verifier_ok
        ):
            return self.json(fixture("error_invalid_grant.json"), status=400)
        token = fixture("token.json")
        token["access_token"] = f"{token['access_token']}-{len(self.tokens)}"
        self.tokens[token["access_token"]] = self.sign_in_as
        return self.json(token)

    def _post(self, request: httpx.Request) -> dict[str, Any]:
        key = request.headers.get("Idempotency-Key", "")
        if key and key in self._posted:
            return self._posted[key]  # a retried send: the same status, not a second one
        body = json.loads(request.content)
        posted = status("status_posted.json", str(next(self._ids)))
        posted["content"] = f"<p>{html.escape(body['status'])}</p>"
        posted["visibility"] = body.get("visibility", "public")
        posted["in_reply_to_id"] = body.get("in_reply_to_id")
        if self.now is not None:
            posted["created_at"] = self.now().isoformat().replace("+00:00", "Z")
        self.own_statuses.append(posted)
        if key:
            self._posted[key] = posted
        return posted

    @staticmethod
    def json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
        rate = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "296", "X-RateLimit-Reset": RESET}
        return httpx.Response(status, json=body, headers={**rate, **(headers or {})})

    def requests_to(self, path: str) -> list[httpx.QueryParams]:
        return [r.url.params for r in self.requests if r.url.path == path]


class ServedMastodon:
    """A ``FakeMastodon`` on a real loopback port: ``with ServedMastodon(contract) as fake: fake.url ...``."""

    def __init__(self, contract: OpenApiContract | None) -> None:
        self.fake = FakeMastodon(contract)
        self._server = LocalServer(self.fake)
        self.url = self._server.url
        self.fake.base_url = self.url

    def __enter__(self) -> FakeMastodon:
        self._server.__enter__()
        return self.fake

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self._server.__exit__(kind, *exc)
        if kind is None and self._server.violations:
            raise self._server.violations[0]


def load_contract() -> OpenApiContract | None:
    """The Mastodon OpenAPI contract, or None where the shared specs are absent (behaviour tests still run)."""
    try:
        return OpenApiContract.load("mastodon", "openapi.json")
    except pytest.skip.Exception:
        return None
