"""Mastodon sign-in: app registration, PKCE, code exchange, and the loopback door that receives the code.

The listener is exercised as a real server on 127.0.0.1 with a real HTTP client playing the browser; the Mastodon
side is an in-memory fake whose requests and answers are checked against the OpenAPI description where present.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from socialinbox.connectors.base import AuthError, TransientError
from socialinbox.connectors.http import make_client
from socialinbox.connectors.mastodon_auth import (
    LOOPBACK_REDIRECT_URI,
    OOB_REDIRECT_URI,
    SCOPES,
    AppCredentials,
    LoopbackRedirectListener,
    authorization_url,
    code_challenge,
    exchange_code,
    new_state,
    register_app,
)
from tests.openapi_contract import OpenApiContract

FIXTURES = Path(__file__).parent / "fixtures" / "mastodon"
INSTANCE = "https://social.example"
APP = AppCredentials(client_id="fixture-client-id-4f1c2a", client_secret="fixture-client-secret-9d8e7f")
CODE = "kV3q_authorization-code_Zp81"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class FakeOAuthServer:
    """/api/v1/apps and /oauth/token as Mastodon answers them, including the PKCE check on the verifier."""

    def __init__(self, contract: OpenApiContract | None) -> None:
        self.contract = contract
        self.requests: list[httpx.Request] = []
        self.challenge: str | None = None  # what the authorize page was given
        self.canned: list[httpx.Response] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.contract is not None:
            self.contract.check_request(request)
        response = self.canned.pop(0) if self.canned else self.route(request)
        if self.contract is not None and self.contract.declares_status(
            request.method, request.url, response.status_code
        ):
            self.contract.check_response(request, response)
        return response

    def route(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/apps":
            return httpx.Response(200, json=fixture("app.json"))
        form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
        verifier = form.get("code_verifier", "")
        pkce_ok = self.challenge is None or code_challenge(verifier) == self.challenge
        if form.get("code") != CODE or form.get("client_secret") != APP.client_secret or not pkce_ok:
            return httpx.Response(400, json=fixture("error_invalid_grant.json"))
        return httpx.Response(200, json=fixture("token.json"))


@pytest.fixture(scope="module")
def contract() -> OpenApiContract | None:
    try:
        return OpenApiContract.load("mastodon", "openapi.json")
    except pytest.skip.Exception:
        return None


@pytest.fixture
def server(contract: OpenApiContract | None) -> FakeOAuthServer:
    return FakeOAuthServer(contract)


@pytest.fixture
def client(server: FakeOAuthServer) -> Iterator[httpx.Client]:
    with make_client(httpx.MockTransport(server)) as built:
        yield built


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    """A real HTTP client on the loopback interface, playing the owner's browser (no proxies from the environment)."""
    with httpx.Client(trust_env=False, timeout=5) as built:
        yield built


@pytest.fixture
def listener() -> Iterator[LoopbackRedirectListener]:
    with LoopbackRedirectListener("the-real-state") as started:
        yield started


def callback(
    browser: httpx.Client, listener: LoopbackRedirectListener, query: str, path: str = "/callback"
) -> httpx.Response:
    return browser.get(f"http://127.0.0.1:{listener.port}{path}?{query}")


# --- registration, authorization URL, exchange ---------------------------------------------------


def test_register_app_asks_only_for_the_needed_scopes(client, server) -> None:
    app = register_app(client, "social.example", [LOOPBACK_REDIRECT_URI, OOB_REDIRECT_URI])

    (request,) = server.requests
    assert json.loads(request.content) == {
        "client_name": "Social Inbox",
        "redirect_uris": ["http://127.0.0.1/callback", "urn:ietf:wg:oauth:2.0:oob"],
        "scopes": "read:accounts read:notifications read:statuses write:statuses",
    }
    assert "Authorization" not in request.headers
    assert app == APP
    assert APP.client_secret not in repr(app)


def test_register_app_refusal_is_an_auth_error(client, server) -> None:
    server.canned = [httpx.Response(422, json={"error": "Validation failed: Redirect URI must be an absolute URI."})]

    with pytest.raises(AuthError, match="refused to register"):
        register_app(client, INSTANCE, ["not a uri"])


def test_authorization_url_uses_pkce_s256_and_a_fresh_state(contract) -> None:
    first = authorization_url(INSTANCE, APP.client_id, "http://127.0.0.1:53682/callback")
    second = authorization_url(INSTANCE, APP.client_id, "http://127.0.0.1:53682/callback")

    query = {key: values[0] for key, values in parse_qs(urlsplit(first.url).query).items()}
    expected = base64.urlsafe_b64encode(hashlib.sha256(first.code_verifier.encode()).digest()).rstrip(b"=").decode()
    assert first.url.startswith("https://social.example/oauth/authorize?")
    assert query["code_challenge"] == expected
    assert query["code_challenge_method"] == "S256"
    assert query["state"] == first.state and query["scope"] == SCOPES and query["response_type"] == "code"
    assert first.code_verifier not in first.url and first.code_verifier not in repr(first)
    assert 43 <= len(first.code_verifier) <= 128
    assert first.state != second.state and first.code_verifier != second.code_verifier
    if contract is not None:
        contract.check_request(httpx.Request("GET", first.url))


def test_code_challenge_matches_the_rfc_7636_example() -> None:
    assert (
        code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_exchange_code_sends_the_verifier_and_returns_the_token(client, server) -> None:
    request = authorization_url(INSTANCE, APP.client_id, OOB_REDIRECT_URI)
    server.challenge = parse_qs(urlsplit(request.url).query)["code_challenge"][0]

    token = exchange_code(client, INSTANCE, APP, f"  {CODE}\n", OOB_REDIRECT_URI, request.code_verifier)

    assert token == "fixture-access-token-1b2c3d"
    form = parse_qs(server.requests[0].content.decode())
    assert server.requests[0].headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form["grant_type"] == ["authorization_code"] and form["redirect_uri"] == [OOB_REDIRECT_URI]
    assert form["code"] == [CODE] and form["code_verifier"] == [request.code_verifier]


def test_wrong_verifier_is_refused(client, server) -> None:
    server.challenge = code_challenge("the-verifier-the-browser-was-given-0123456789-abcdefgh")

    with pytest.raises(AuthError):
        exchange_code(client, INSTANCE, APP, CODE, OOB_REDIRECT_URI, "another-verifier-0123456789-0123456789-abcdef")


def test_rejected_code_is_an_auth_error_that_shows_neither_code_nor_secret(client) -> None:
    with pytest.raises(AuthError, match="invalid_grant") as raised:
        exchange_code(client, INSTANCE, APP, "wrong-code-123", OOB_REDIRECT_URI, None)

    assert "wrong-code-123" not in str(raised.value) and APP.client_secret not in str(raised.value)


def test_unreadable_token_answer_is_transient(client, server) -> None:
    server.canned = [httpx.Response(200, text="<html>captive portal</html>", headers={"Content-Type": "text/html"})]

    with pytest.raises(TransientError):
        exchange_code(client, INSTANCE, APP, CODE, OOB_REDIRECT_URI, None)


# --- the loopback listener ------------------------------------------------------------------------


def test_listener_binds_loopback_only_on_a_port_the_system_picked(listener) -> None:
    assert listener.address == "127.0.0.1"
    assert listener.port > 0
    assert listener.redirect_uri == f"http://127.0.0.1:{listener.port}/callback"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        host_ips = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {
            "127.0.0.1"
        }
        for ip in host_ips:  # the machine's other addresses must not answer
            assert probe.connect_ex((ip, listener.port)) != 0


def test_real_callback_completes_and_tells_the_owner_to_close_the_tab(listener, browser) -> None:
    response = callback(browser, listener, f"code={CODE}&state=the-real-state")

    assert response.status_code == 200
    assert "close this tab" in response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert listener.wait(timeout=5) == CODE


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/callback", f"code={CODE}&state=a-forged-state"),
        ("/callback", f"code={CODE}"),
        ("/callback", f"code={CODE}&state=the-real-state&state=another"),
        ("/callback", "state=the-real-state"),
        ("/callback", f"code={CODE}&code=second&state=the-real-state"),
        ("/elsewhere", f"code={CODE}&state=the-real-state"),
        ("/callback/", f"code={CODE}&state=the-real-state"),
        ("/callback", "code=has%20a%20space&state=the-real-state"),
    ],
)
def test_forged_callbacks_are_refused_and_the_real_one_still_completes(listener, browser, path, query) -> None:
    forged = callback(browser, listener, query, path)

    assert forged.status_code == 400
    assert callback(browser, listener, f"code={CODE}&state=the-real-state").status_code == 200
    assert listener.wait(timeout=5) == CODE


def test_callback_under_another_host_name_is_refused(listener, browser) -> None:
    rebound = browser.get(f"{listener.redirect_uri}?code={CODE}&state=the-real-state", headers={"Host": "evil.example"})

    assert rebound.status_code == 400


def test_second_callback_after_success_is_refused_and_the_listener_shuts_down(listener, browser) -> None:
    assert callback(browser, listener, f"code={CODE}&state=the-real-state").status_code == 200
    replay = callback(browser, listener, "code=attacker-code&state=the-real-state")

    assert replay.status_code == 400
    assert listener.wait(timeout=5) == CODE
    with pytest.raises(httpx.ConnectError):
        callback(browser, listener, f"code={CODE}&state=the-real-state")


def test_other_methods_are_refused(listener, browser) -> None:
    assert browser.post(listener.redirect_uri, data={"code": CODE, "state": "the-real-state"}).status_code >= 400


def test_declined_sign_in_is_an_auth_error(listener, browser) -> None:
    assert callback(browser, listener, "error=access_denied&state=the-real-state").status_code == 200

    with pytest.raises(AuthError, match="cancelled"):
        listener.wait(timeout=5)


def test_listener_gives_up_after_the_timeout_and_closes_its_port() -> None:
    listener = LoopbackRedirectListener(new_state())
    port = listener.port

    with pytest.raises(AuthError, match="in time"):
        listener.wait(timeout=0.2)

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_listener_never_logs_the_code(listener, browser, capfd, caplog) -> None:
    caplog.set_level(logging.DEBUG)

    callback(browser, listener, "code=forged-code-7&state=wrong")
    callback(browser, listener, f"code={CODE}&state=the-real-state")
    listener.wait(timeout=5)

    captured = capfd.readouterr()
    # httpx, playing the browser here, logs the URLs it fetches; only what the listener side wrote counts.
    server_side = [r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    for secret in (CODE, "forged-code-7"):
        assert secret not in captured.out + captured.err + "\n".join(server_side)


# --- the whole flow -------------------------------------------------------------------------------


def test_sign_in_end_to_end_through_the_loopback_redirect(client, server, browser) -> None:
    app = register_app(client, INSTANCE, [LOOPBACK_REDIRECT_URI, OOB_REDIRECT_URI])
    state = new_state()
    with LoopbackRedirectListener(state) as listener:
        request = authorization_url(INSTANCE, app.client_id, listener.redirect_uri, state=state)
        # The server's authorize page: it keeps the challenge and sends the browser back with the code and state.
        asked = {key: values[0] for key, values in parse_qs(urlsplit(request.url).query).items()}
        server.challenge = asked["code_challenge"]
        page = browser.get(f"{asked['redirect_uri']}?code={CODE}&state={asked['state']}")
        code = listener.wait(timeout=5)

    token = exchange_code(client, INSTANCE, app, code, listener.redirect_uri, request.code_verifier)

    assert page.status_code == 200
    assert token == "fixture-access-token-1b2c3d"
    assert parse_qs(server.requests[-1].content.decode())["redirect_uri"] == [listener.redirect_uri]
