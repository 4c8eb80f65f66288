"""Signing in to a Mastodon server: app registration, PKCE authorization, code exchange, and the loopback listener.

The whole flow, as the "Add account" dialog or ``socialinbox accounts add mastodon`` runs it::

    app = register_app(client, instance, [LOOPBACK_REDIRECT_URI, OOB_REDIRECT_URI])  # once per server; cache it
    state = new_state()
    with LoopbackRedirectListener(state) as listener:
        request = authorization_url(instance, app.client_id, listener.redirect_uri, state=state)
        ...open the system browser on request.url...
        code = listener.wait(timeout=SIGN_IN_TIMEOUT_S)
    token = exchange_code(client, instance, app, code, listener.redirect_uri, request.code_verifier)

The app is registered with a port-less loopback address: servers must accept any port on a loopback redirect
(RFC 8252 §7.3; Mastodon's Doorkeeper does), so the cached registration serves every later sign-in. Where no browser
can reach the listener, the fallback is ``OOB_REDIRECT_URI``: the server shows the code, the owner pastes it, and the
same ``exchange_code`` finishes. Mastodon tokens do not expire and have no refresh token; a 401 means sign in again.

The listener is a door into the laptop, so it lets in only the answer it waits for: it binds 127.0.0.1 (never all
interfaces) on a port the system picks, answers only ``GET /callback`` carrying the ``state`` it was given, takes one
answer and refuses the rest, and never logs a request line (which carries the code).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import re
import secrets
import socketserver
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from socialinbox.connectors.base import AuthError, TransientError
from socialinbox.connectors.http import call_json
from socialinbox.connectors.mastodon import NAME, normalize_instance_url
from socialinbox.domain import Clock

# Read mentions and who we are; post replies. read:statuses is for re-reading a status (edits, deletions, thread
# context): scopes are fixed when the app is registered, so asking later would mean reconnecting every account.
SCOPES = "read:accounts read:notifications read:statuses write:statuses"
OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob"
CALLBACK_PATH = "/callback"
LOOPBACK_HOST = "127.0.0.1"
LOOPBACK_REDIRECT_URI = f"http://{LOOPBACK_HOST}{CALLBACK_PATH}"
SIGN_IN_TIMEOUT_S = 300.0
CLIENT_NAME = "Social Inbox"

_ERROR_CODE = re.compile(r"[a-z_]{1,40}")
_CODE = re.compile(r"[\x21-\x7e]{1,512}")  # printable ASCII: what an authorization code can be

PAGE_DONE = "Social Inbox is connected. You can close this tab and go back to the app.\n"
PAGE_DECLINED = "The sign-in was cancelled. You can close this tab.\n"
PAGE_REFUSED = "This address only takes the sign-in answer Social Inbox is waiting for.\n"


@dataclasses.dataclass(frozen=True, slots=True)
class AppCredentials:
    """What the server issued when the app registered; the secret belongs in the keyring, cached per server."""

    client_id: str
    client_secret: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    url: str  # the page to open in the browser; holds no secret
    state: str
    redirect_uri: str
    code_verifier: str = dataclasses.field(repr=False)  # stays in this process until the code exchange


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_code_verifier() -> str:
    return secrets.token_urlsafe(64)  # 86 characters, inside PKCE's 43-128


def code_challenge(verifier: str) -> str:
    """PKCE S256: base64url of the SHA-256 of the verifier, without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def loopback_redirect_uri(port: int) -> str:
    return f"http://{LOOPBACK_HOST}:{port}{CALLBACK_PATH}"


def register_app(
    client: httpx.Client,
    instance_url: str,
    redirect_uris: Sequence[str],
    scopes: str = SCOPES,
    *,
    website: str | None = None,
    clock: Clock | None = None,
) -> AppCredentials:
    """``POST /api/v1/apps``: this app's client id and secret on one server. Caching them is the caller's job."""
    body: dict[str, Any] = {"client_name": CLIENT_NAME, "redirect_uris": list(redirect_uris), "scopes": scopes}
    if website:
        body["website"] = website
    url = normalize_instance_url(instance_url) + "/api/v1/apps"
    data, response = call_json(client, "POST", url, now=_now(clock), platform_name=NAME, json_body=body, accept=(422,))
    if response.status_code == 422:
        raise AuthError(f"{response.url.host} refused to register Social Inbox ({_error_code(data) or 'HTTP 422'}).")
    client_id = data.get("client_id") if isinstance(data, dict) else None
    client_secret = data.get("client_secret") if isinstance(data, dict) else None
    if not isinstance(client_id, str) or not isinstance(client_secret, str) or not client_id or not client_secret:
        raise TransientError(f"{response.url.host} answered the app registration in an unexpected shape.")
    return AppCredentials(client_id=client_id, client_secret=client_secret)


def authorization_url(
    instance_url: str,
    client_id: str,
    redirect_uri: str,
    scopes: str = SCOPES,
    *,
    state: str | None = None,
    force_login: bool = False,
) -> AuthorizationRequest:
    """The server's authorize page with a fresh PKCE verifier (S256) and ``state``.

    ``force_login`` makes the server ask who is signing in: needed to add a second account on the same server.
    """
    state = state or new_state()
    verifier = new_code_verifier()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scopes,
        "state": state,
        "code_challenge": code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    if force_login:
        query["force_login"] = "true"
    url = f"{normalize_instance_url(instance_url)}/oauth/authorize?{urlencode(query)}"
    return AuthorizationRequest(url=url, state=state, redirect_uri=redirect_uri, code_verifier=verifier)


def exchange_code(
    client: httpx.Client,
    instance_url: str,
    app: AppCredentials,
    code: str,
    redirect_uri: str,
    code_verifier: str | None,
    *,
    clock: Clock | None = None,
) -> str:
    """``POST /oauth/token``: the access token for an authorization code (pasted, or from the listener)."""
    form = {
        "grant_type": "authorization_code",
        "code": code.strip(),
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": redirect_uri,
    }
    if code_verifier:
        form["code_verifier"] = code_verifier
    url = normalize_instance_url(instance_url) + "/oauth/token"
    data, response = call_json(
        client, "POST", url, now=_now(clock), platform_name=NAME, form=form, accept=(400, 401, 403, 422)
    )
    if response.status_code != 200:
        # Typically invalid_grant: a mistyped, expired or already used code. Only the error's code word is shown.
        reason = _error_code(data) or f"HTTP {response.status_code}"
        raise AuthError(f"{response.url.host} did not accept the sign-in code ({reason}). Please sign in again.")
    token = data.get("access_token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token:
        raise TransientError(f"{response.url.host} answered the sign-in in an unexpected shape.")
    return token


def _now(clock: Clock | None) -> datetime:
    return clock.now() if clock is not None else datetime.now(UTC)


def _error_code(data: Any) -> str:
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, str) and _ERROR_CODE.fullmatch(error) else ""


# --- the loopback listener ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Outcome:
    code: str | None = dataclasses.field(default=None, repr=False)
    declined: bool = False


class LoopbackRedirectListener:
    """Waits on ``http://127.0.0.1:<random port>/callback`` for the one browser redirect that carries ``state``."""

    def __init__(self, state: str, *, path: str = CALLBACK_PATH) -> None:
        self._state = state.encode("utf-8")
        self._path = path
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._outcome: _Outcome | None = None
        self._server = _Server(self)
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def address(self) -> str:
        return str(self._server.server_address[0])

    @property
    def redirect_uri(self) -> str:
        return f"http://{LOOPBACK_HOST}:{self.port}{self._path}"

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="sign-in-listener", daemon=True
            )
            self._thread.start()

    def wait(self, timeout: float = SIGN_IN_TIMEOUT_S) -> str:
        """The authorization code; the listener is closed afterwards, whatever happened."""
        self.start()
        try:
            answered = self._done.wait(timeout)
        finally:
            self.close()
        outcome = self._outcome
        if not answered:
            raise AuthError("No sign-in answer arrived from the browser in time. Please try again.")
        if outcome is None:
            raise AuthError("The sign-in was stopped before the browser answered.")  # close() from another thread
        if outcome.declined or outcome.code is None:
            raise AuthError("The sign-in was cancelled in the browser.")
        return outcome.code

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
        self._done.set()  # wakes a wait() in progress: the owner gave up on the browser (cancel, or pasted a code)

    def __enter__(self) -> LoopbackRedirectListener:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def receive(self, target: str, host: str) -> tuple[int, str]:
        """Judge one request (its target and Host header): the HTTP status and the page to answer with."""
        parts = urlsplit(target)
        try:
            query = parse_qs(parts.query, keep_blank_values=True, max_num_fields=10)
        except ValueError:
            return 400, PAGE_REFUSED
        states = query.get("state", [])
        # The Host check turns away pages that reach this port under another name (DNS rebinding).
        if (
            parts.path != self._path
            or host != f"{LOOPBACK_HOST}:{self.port}"
            or len(states) != 1
            or not hmac.compare_digest(states[0].encode("utf-8"), self._state)
        ):
            return 400, PAGE_REFUSED
        outcome = _read_outcome(query)
        if outcome is None:
            return 400, PAGE_REFUSED
        with self._lock:
            if self._outcome is not None or self._closed:
                return 400, PAGE_REFUSED  # one answer only: a replayed or second callback gets nothing
            self._outcome = outcome
        self._done.set()
        return 200, PAGE_DECLINED if outcome.declined else PAGE_DONE


def _read_outcome(query: dict[str, list[str]]) -> _Outcome | None:
    codes, errors = query.get("code", []), query.get("error", [])
    if errors and not codes:
        return _Outcome(declined=True)  # the owner pressed "deny" on the server's page
    if len(codes) == 1 and not errors and _CODE.fullmatch(codes[0]):
        return _Outcome(code=codes[0])
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # on Windows SO_REUSEADDR would let another program take over the port

    def __init__(self, listener: LoopbackRedirectListener) -> None:
        self.listener = listener
        super().__init__((LOOPBACK_HOST, 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind also looks up the host's DNS name, which can stall for seconds; nothing needs it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = LOOPBACK_HOST, int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay silent: the default prints a traceback, and nothing from a request may reach a log."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # a connection that sends nothing must not hold a thread for long
    server_version = "SocialInbox"
    sys_version = ""

    def do_GET(self) -> None:
        status, page = self.server.listener.receive(self.path, self.headers.get("Host", ""))
        body = page.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'none'")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Never log: the request line carries the authorization code."""
