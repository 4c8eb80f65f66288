"""An httpx handler served over real HTTP on 127.0.0.1: how the fake platforms reach a subprocess (the command line)
and the real client's sockets, timeouts and connection reuse."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Handler = Callable[[httpx.Request], httpx.Response]


class Loopback:
    """A ``ThreadingHTTPServer`` on 127.0.0.1 (a port the system picks), one thread per request, served from a
    thread of its own between ``start`` and ``stop``. Its handlers reach ``owner`` as ``self.server.fake``."""

    def __init__(
        self,
        handler_class: type[BaseHTTPRequestHandler],
        owner: object,
        server_class: type[ThreadingHTTPServer] = ThreadingHTTPServer,
    ) -> None:
        self.server = server_class(("127.0.0.1", 0), handler_class)
        self.server.daemon_threads = True
        self.server.fake = owner  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class LocalServer:
    """Serves ``handler`` on 127.0.0.1 (a port the system picks), one thread per request.

    The handler raises ``httpx.HTTPError`` to drop the connection without an answer (a fault it was told to play);
    an ``AssertionError`` (a contract violation) is answered with a 500 and kept in ``violations``.
    """

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.violations: list[AssertionError] = []
        self._loopback = Loopback(_Bridge, self)

    @property
    def url(self) -> str:
        return self._loopback.url

    def __enter__(self) -> LocalServer:
        self._loopback.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._loopback.stop()


class _Bridge(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would hold the body back 40 ms

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = httpx.Request(
            self.command, f"http://{self.headers['Host']}{self.path}", headers=dict(self.headers.items()), content=body
        )
        try:
            response = self.server.fake.handler(request)  # type: ignore[attr-defined]
        except httpx.HTTPError:
            self.close_connection = True  # the fake was told to fail: drop the connection without an answer
            return
        except AssertionError as violation:  # a contract violation: fail the test, not just this request
            self.server.fake.violations.append(violation)  # type: ignore[attr-defined]
            response = httpx.Response(500, text=f"contract violation: {violation}")
        content = response.read()
        try:
            self.send_response(response.status_code)
            for name, value in response.headers.multi_items():
                if name.lower() not in ("content-length", "transfer-encoding", "content-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting: exactly what a timeout test wants

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet
