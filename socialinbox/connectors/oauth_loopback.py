"""Signing in through the system browser to a server that sends the browser back to this computer (RFC 8252).

What every such sign-in shares, whatever the platform (Mastodon, X): PKCE (S256) and ``state`` values, and the
loopback listener that waits for the one redirect carrying the authorization code.

The listener is a door into the laptop, so it lets in only the answer it waits for: it binds 127.0.0.1 (never all
interfaces), answers only ``GET <path>`` carrying the ``state`` it was given, takes one answer and refuses the rest,
and never logs a request line (which carries the code). By default the system picks the port (servers that accept
any loopback port, as RFC 8252 §7.3 asks); ``port`` fixes it for servers that match the redirect exactly (X).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import os
import re
import secrets
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from socialinbox.connectors.base import AuthError

CALLBACK_PATH = "/callback"
LOOPBACK_HOST = "127.0.0.1"
SIGN_IN_TIMEOUT_S = 300.0

_CODE = re.compile(r"[\x21-\x7e]{1,512}")  # printable ASCII: what an authorization code can be

PAGE_DONE = "Social Inbox is connected. You can close this tab and go back to the app.\n"
PAGE_DECLINED = "The sign-in was cancelled. You can close this tab.\n"
PAGE_REFUSED = "This address only takes the sign-in answer Social Inbox is waiting for.\n"


@dataclasses.dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    url: str  # the page to open in the browser; holds no secret
    state: str
    redirect_uri: str
    code_verifier: str = dataclasses.field(repr=False)  # stays in this process until the code exchange


def pkce_request(
    page: str, client_id: str, redirect_uri: str, scope: str, state: str, **extra: str
) -> AuthorizationRequest:
    """The authorize ``page`` with this client's query, a fresh PKCE verifier (S256) and ``state``."""
    verifier = new_code_verifier()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": code_challenge(verifier),
        "code_challenge_method": "S256",
        **extra,
    }
    return AuthorizationRequest(f"{page}?{urlencode(query)}", state, redirect_uri, verifier)


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_code_verifier() -> str:
    return secrets.token_urlsafe(64)  # 86 characters, inside PKCE's 43-128


def code_challenge(verifier: str) -> str:
    """PKCE S256: base64url of the SHA-256 of the verifier, without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# --- the loopback listener ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Outcome:
    code: str | None = dataclasses.field(default=None, repr=False)
    declined: bool = False


class LoopbackRedirectListener:
    """Waits on ``http://127.0.0.1:<port>/callback`` for the one browser redirect that carries ``state``."""

    def __init__(self, state: str, *, path: str = CALLBACK_PATH, port: int = 0) -> None:
        """``port`` 0: one the system picks. A fixed port that another program holds raises ``AuthError``."""
        self._state = state.encode("utf-8")
        self._path = path
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._outcome: _Outcome | None = None
        try:
            self._server = _Server(self, port)
        except OSError:
            raise AuthError(
                f"Port {port} on this computer is taken by another program, so the browser cannot come back to "
                "Social Inbox. Close that program (or another sign-in still waiting) and try again."
            ) from None
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

    def __init__(self, listener: LoopbackRedirectListener, port: int) -> None:
        self.listener = listener
        self._fixed_port = port != 0
        super().__init__((LOOPBACK_HOST, port), _Handler)

    def server_bind(self) -> None:
        # A fixed port must be usable again at once: the last sign-in's closed connections keep it in TIME_WAIT for a
        # minute, which blocks a plain bind on POSIX. SO_REUSEADDR allows that there and still refuses a second
        # listener; on Windows it would let another program take the port over, so Windows gets exclusive use.
        if self._fixed_port and os.name != "nt":
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        elif self._fixed_port and hasattr(socket, "SO_EXCLUSIVEADDRUSE"):
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
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
