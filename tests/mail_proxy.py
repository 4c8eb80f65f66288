"""``MailFaultProxy``: a loopback TCP proxy in front of a real IMAP or SMTP server that puts tests/mail_faults.py's
faults on the wire. It relays bytes both ways and reads what the client sends line by line; the fault set with
``inject`` (or drawn per connection with ``chaos``) applies to connections opened while it is set.
"""

from __future__ import annotations

import contextlib
import random
import re
import socket
import struct
import threading
from collections.abc import Sequence

from tests.mail_faults import HUGE_BYTES, MailFault

_HOLD_S = 30.0  # a stalled connection is held at most this long (the client gives up well before)
_FORWARD, _SKIP, _STOP = "forward", "skip", "stop"


class MailFaultProxy:
    """A loopback TCP proxy to ``upstream_port``; use as a context manager. ``port`` is where clients connect."""

    def __init__(self, upstream_port: int, *, seed: int = 0) -> None:
        self.upstream_port = upstream_port
        self.fault: MailFault | None = None
        self.met: list[str] = []  # the faults that struck, in order
        self.to_client_bytes: list[int] = []  # per connection: bytes the client was sent
        self._mix: Sequence[tuple[MailFault, float]] = ()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._connections: list[_Connection] = []
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()
        self.port = 0

    # --- the plan ---------------------------------------------------------------------------------

    def inject(self, fault: MailFault) -> None:
        with self._lock:
            self.fault, self._mix = fault, ()
            if fault.action == "refuse":  # no connection will tell: it never reaches the proxy
                self.met.append(fault.name)
        self._listen(fault.action != "refuse")

    def chaos(self, mix: Sequence[tuple[MailFault, float]]) -> None:
        """Each new connection draws its fault: ``(fault, probability)``; the rest of the time none."""
        with self._lock:
            self.fault, self._mix = None, tuple(mix)
        self._listen(True)

    def clear(self) -> None:
        with self._lock:
            self.fault, self._mix = None, ()
        self._listen(True)

    def _draw(self) -> MailFault | None:
        with self._lock:
            if self.fault is not None:
                return self.fault
            roll = self._random.random()
            for fault, weight in self._mix:
                if roll < weight:
                    return fault
                roll -= weight
            return None

    # --- running ------------------------------------------------------------------------------------

    def __enter__(self) -> MailFaultProxy:
        self._listen(True)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._listen(False)
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.done.set()
            connection._close()

    def _listen(self, on: bool) -> None:
        """Open or close the listening socket, always on the same port (closed: connections are refused)."""
        with self._lock:
            if on and self._listener is None:
                listener = socket.socket()
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind(("127.0.0.1", self.port))
                listener.listen(16)
                self.port = listener.getsockname()[1]
                self._listener = listener
                threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
            elif not on and self._listener is not None:
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        connection = _Connection(self, client, self._draw())
        self._track(connection)
        with self._lock:
            self.to_client_bytes.append(0)
            connection.index = len(self.to_client_bytes) - 1
        connection.run()

    def _track(self, connection: _Connection) -> None:
        with self._lock:  # finished ones are let go: a long run opens thousands
            self._connections = [c for c in self._connections if not c.done.is_set()] + [connection]

    def _count(self, index: int, sent: int) -> None:
        with self._lock:
            self.to_client_bytes[index] += sent

    def _struck(self, fault: MailFault) -> None:
        with self._lock:
            self.met.append(fault.name)


class _Connection:
    """One client connection and its upstream, with at most one fault."""

    def __init__(self, proxy: MailFaultProxy, client: socket.socket, fault: MailFault | None) -> None:
        self.proxy = proxy
        self.client = client
        self.fault = fault
        self.index = 0
        self.server: socket.socket | None = None
        self.armed: MailFault | None = None  # a fault that now acts on the server's answer
        self.done = threading.Event()

    def run(self) -> None:
        try:
            if self.fault is not None and self.fault.trigger is None:
                self._strike(self.fault, b"")
                return
            self.server = socket.create_connection(("127.0.0.1", self.proxy.upstream_port), timeout=10)
            self.server.settimeout(None)
            threading.Thread(target=self._pump_server, daemon=True).start()
            self._pump_client()
        except OSError:
            pass
        finally:
            if self._stalled():
                self._drain_client()
            self.done.set()
            self._close()

    def _stalled(self) -> bool:
        fault = self.armed or self.fault
        return fault is not None and fault.action == "stall" and not self.proxy._stopping.is_set()

    def _drain_client(self) -> None:
        """A stalled server says nothing; the connection ends when the client gives up and closes it."""
        with contextlib.suppress(OSError):
            self.client.settimeout(_HOLD_S)
            while not self.done.is_set() and self.client.recv(65536):
                pass

    def _pump_client(self) -> None:
        assert self.server is not None
        buffer = b""
        while not self.done.is_set():
            data = self.client.recv(65536)
            if not data:
                return
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                line += b"\n"
                verdict = _FORWARD
                if self.fault is not None and self.armed is None and self.fault.matches(line):
                    verdict = self._strike(self.fault, line)
                if verdict == _STOP:
                    return
                if verdict == _FORWARD:
                    self.server.sendall(line)
                if self.armed is not None and self.armed.action == "stall":
                    return  # the line went to the server (or not); nothing more is relayed
            if len(buffer) > 1 << 20:  # a long literal without line ends: relay as it comes
                self.server.sendall(buffer)
                buffer = b""

    def _strike(self, fault: MailFault, line: bytes) -> str:
        """Act on ``line`` (the trigger): whether to forward it, skip it or stop relaying the client."""
        self.proxy._struck(fault)
        self.armed = fault
        tag = line.split(b" ", 1)[0].strip() if line else b"*"
        if fault.action == "answer":
            self._send_client(fault.reply.replace(b"{tag}", tag))
            if fault.close:
                return _STOP
            self.armed = None
            return _SKIP
        if fault.action == "huge_literal":
            self._huge_literal(tag, line)
            return _STOP
        if fault.action in ("reset", "refuse"):  # refuse: set while a connection was being accepted
            self._reset()
            return _STOP
        if fault.action == "stall":
            return _FORWARD if fault.reaches_server else _SKIP
        return _FORWARD  # cut, cut_reset, garble, swallow_reset: the server gets the line, the answer is spoilt

    def _huge_literal(self, tag: bytes, line: bytes) -> None:
        """Answer a FETCH with a 50 MB literal, whatever part of the mail was asked for (a broken or hostile server)."""
        uid = re.search(rb"FETCH (\d+)", line)
        head = b"* 1 FETCH (UID %s RFC822.SIZE 1000 BODY[] {%d}\r\n" % (uid.group(1) if uid else b"1", HUGE_BYTES)
        chunk = b"X" * 65535 + b"\n"
        with contextlib.suppress(OSError):
            self._send_client(head)
            for _ in range(HUGE_BYTES // len(chunk)):
                self._send_client(chunk)
            self._send_client(b")\r\n" + tag + b" OK Fetch completed.\r\n")
        self.done.set()

    def _pump_server(self) -> None:
        assert self.server is not None
        sent_after = 0
        try:
            while not self.done.is_set():
                data = self.server.recv(65536)
                if not data:
                    break
                fault = self.armed
                if fault is None:
                    self._send_client(data)
                    continue
                if fault.action == "stall":
                    continue
                if fault.action == "garble":
                    self._send_client(fault.reply)
                    break
                if fault.action == "swallow_reset":
                    self._reset()
                    break
                room = fault.keep - sent_after
                self._send_client(data[: max(room, 0)])
                sent_after += len(data)
                if sent_after >= fault.keep:
                    if fault.action == "cut_reset":
                        self._reset()
                    break
        except OSError:
            pass
        if not self._stalled():
            self.done.set()
            with contextlib.suppress(OSError):
                self.client.shutdown(socket.SHUT_RDWR)

    def _send_client(self, data: bytes) -> None:
        if data:
            self.client.sendall(data)
            self.proxy._count(self.index, len(data))

    def _reset(self) -> None:
        """Close with SO_LINGER 0: the kernel sends a RST, as a dropped connection does."""
        with contextlib.suppress(OSError):
            self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # A thread blocked in recv keeps the socket alive past close(); SHUT_RD wakes it (and sends nothing).
            self.client.shutdown(socket.SHUT_RD)
            self.client.close()
        self.done.set()

    def _close(self) -> None:
        for sock in (self.client, self.server):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()
