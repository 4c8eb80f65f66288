"""The loopback half of the fault layer (tests/faults.py): a real HTTP/1.1 server on 127.0.0.1 that serves a platform
fake through a ``FaultPlan``, with each fault realised on the socket itself (a TCP reset, an early close, a hang)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from tests.faults import HUGE_BODY_BYTES, FaultPlan, Handler, Kind, huge_body, without_length
from tests.local_server import Loopback


class FaultServer:
    """Serves ``target`` over real HTTP on 127.0.0.1 through the plan's faults, realised on the socket itself.

    ``refused`` and ``connect_timeout`` cannot happen once a connection is accepted: they become a reset before the
    request is read (the platform never sees it). ``timeout`` holds the answer for ``hang_s`` seconds.
    """

    def __init__(self, target: Handler, plan: FaultPlan | None = None, *, hang_s: float = 3.0) -> None:
        self.target = target
        self.plan = plan or FaultPlan()
        self.hang_s = hang_s
        self._stopping = threading.Event()
        self._loopback = Loopback(_FaultRequestHandler, self, server_class=_QuietServer)

    @property
    def host(self) -> str:
        return self._loopback.url.removeprefix("http://")

    @property
    def base_url(self) -> str:
        return self._loopback.url

    def __enter__(self) -> FaultServer:
        self._loopback.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._loopback.stop()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients killed or timed out mid-request are what these tests do on purpose


class _FaultRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        server: FaultServer = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = [(k, v) for k, v in self.headers.items() if k.lower() != "host"]
        request = httpx.Request(self.command, f"http://{server.host}{self.path}", headers=headers, content=body)
        fault = server.plan.fault_for(request)
        server.plan.record(request, fault, fault is None or fault.reaches_platform)
        if fault is not None and fault.kind in (Kind.REFUSE, Kind.CONNECT_TIMEOUT):
            return self._reset()
        if fault is not None and fault.kind is Kind.RESPOND:
            if fault.reaches_platform:  # a gateway that gave up after passing the request on
                server.target(request).read()
            return self._answer(fault.status, dict(fault.headers), fault.body)
        if fault is not None and fault.kind is Kind.HUGE_BODY:
            return self._stream_huge(server, dict(fault.headers))
        answer = server.target(request)
        answer.read()
        if fault is None:
            return self._answer(answer.status_code, without_length(answer), answer.content)
        if fault.kind is Kind.TIMEOUT:
            server._stopping.wait(server.hang_s)
            return self._reset()
        if fault.kind is Kind.RESET:
            return self._reset()
        if fault.kind is Kind.CUT_BODY:
            self._answer(answer.status_code, without_length(answer), answer.content, cut=True)
            self.close_connection = True  # an orderly close after half the promised bytes
            return None
        assert fault.transform is not None
        changed = fault.transform(answer)
        return self._answer(changed.status_code, without_length(changed), changed.content)

    def _answer(self, status: int, headers: dict[str, str], body: bytes, *, cut: bool = False) -> None:
        try:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("transfer-encoding", "connection", "server", "date"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if cut else body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _stream_huge(self, server: FaultServer, headers: dict[str, str]) -> None:
        try:
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(HUGE_BODY_BYTES + 40))
            self.end_headers()
            for chunk in huge_body(server.plan.huge_bytes_served):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def _reset(self) -> None:
        """Close with SO_LINGER 0: the peer sees a TCP reset, as when a server or middlebox drops a connection."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def finish(self) -> None:
        with contextlib.suppress(OSError):  # the socket was reset on purpose
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet tests
