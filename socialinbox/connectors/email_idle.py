"""IMAP IDLE (RFC 2177) on the inbox folder: told within a second that new mail arrived, instead of every poll.

imaplib (before Python 3.14) has no IDLE, so it is spoken here on imaplib's own connection: ``<tag> IDLE``, the
server's ``+`` continuation, untagged responses as they come, then ``DONE`` and the tagged ``OK``. Each ``wait``
is one IDLE command of at most ``IDLE_RENEW_S`` (RFC 2177 asks to re-issue it before 29 minutes).

Waiting uses ``select`` on the socket and on a wake-up socket pair (for ``interrupt``), never a socket timeout:
after one timed-out read, Python's socket file refuses every later read. What imaplib's buffered reader already
holds (a server may send two lines in one packet) is peeked at first, with the socket briefly non-blocking.

Only ``EXISTS`` (the folder's message count grew) counts as new mail; EXPUNGE, FETCH (flag changes) and keep-alive
``* OK`` lines are read and ignored. Nothing is stored from here: the caller runs the normal poll.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re
import select
import socket
import ssl
import threading
import time
from typing import cast

from socialinbox.connectors.base import TransientError
from socialinbox.connectors.email_imap import ImapSession, ServerSettings, translated_errors

IDLE_RENEW_S = 10 * 60  # well before RFC 2177's 29 minutes, and before many home routers forget a quiet connection
_EXISTS = re.compile(rb"^\* \d+ EXISTS\b", re.IGNORECASE)
_LITERAL = re.compile(rb"\{(\d+)\+?\}\r?\n$")


class ImapIdle:
    """One signed-in connection with the inbox folder open, waiting in IDLE (a ``NewContentWatch``)."""

    def __init__(self, session: ImapSession, settings: ServerSettings) -> None:
        self._session = session
        self._conn = session.connection
        self._settings = settings
        self._tags = itertools.count(1)
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_lock = threading.Lock()
        # Mail that came between the last poll and this connection's EXAMINE raises no EXISTS here: the first
        # wait says "new" at once, so a (re)connect always costs one poll rather than risking a missed mail.
        self._first = True

    @classmethod
    def open(cls, settings: ServerSettings, password: str, auth_hint: str, folder: str) -> ImapIdle | None:
        """Sign in and open ``folder`` read-only; None when the server has no IDLE or the folder is missing."""
        session = ImapSession.open(settings, password, auth_hint)
        try:
            if not supports_idle(session, settings) or session.examine(folder) is None:
                session.close()
                return None
        except BaseException:
            session.close()
            raise
        return cls(session, settings)

    def __repr__(self) -> str:
        return f"ImapIdle({self._session!r})"

    def wait(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + max(0.0, min(timeout_s, IDLE_RENEW_S))
        if self._first:
            self._first = False
            return True
        with translated_errors(self._settings, "waiting for new mail"):
            tag = f"sidle{next(self._tags)}".encode()  # lower case: never one of imaplib's own tags
            new = self._start(tag)
            if not new:
                new = self._listen(deadline)
            return self._finish(tag) or new

    def interrupt(self) -> None:
        with self._wake_lock, contextlib.suppress(OSError):  # closed already: nothing is waiting
            self._wake_writer.send(b"!")

    def close(self) -> None:
        self._session.close()
        with self._wake_lock:
            self._wake_reader.close()
            self._wake_writer.close()

    # --- the exchange -----------------------------------------------------------------------------

    def _start(self, tag: bytes) -> bool:
        """Send IDLE and read up to the ``+`` continuation; True when EXISTS came before it."""
        self._conn.send(tag + b" IDLE\r\n")
        new = False
        while True:
            line = self._line()
            if line.startswith(b"+"):
                return new
            if line.startswith(tag + b" "):
                raise TransientError(f"The mail server {self._settings.label} refused to wait for new mail.")
            new = new or _is_exists(line)

    def _listen(self, deadline: float) -> bool:
        """Read what the server says while idling, until EXISTS (True), the deadline or an interrupt (False)."""
        sock = self._conn.sock
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if not self._buffered():
                readable, _, _ = select.select([sock, self._wake_reader], [], [], remaining)
                if self._wake_reader in readable:
                    self._wake_reader.recv(64)
                    return False
                if sock not in readable:
                    continue
            line = self._line()
            if _is_exists(line):
                return True
            if line.upper().startswith(b"* BYE"):
                raise TransientError(f"The mail server {self._settings.label} ended the connection; will retry.")

    def _finish(self, tag: bytes) -> bool:
        """Send DONE and read up to the tagged answer; True when EXISTS came meanwhile."""
        self._conn.send(b"DONE\r\n")
        new = False
        while True:
            line = self._line()
            if line.startswith(tag + b" "):
                if not line[len(tag) + 1 :].upper().startswith(b"OK"):
                    raise TransientError(f"The mail server {self._settings.label} refused to stop waiting.")
                return new
            new = new or _is_exists(line)

    def _line(self) -> bytes:
        """One response line, with any literal it announces read into it (FETCH may carry one)."""
        line = self._conn.readline()
        if not line:
            raise TransientError(f"The mail server {self._settings.label} closed the connection; will retry.")
        while match := _LITERAL.search(line):
            line = line + self._conn.read(int(match.group(1))) + self._conn.readline()
        return line

    def _buffered(self) -> bool:
        """Whether imaplib's reader (or TLS) already holds bytes that ``select`` on the socket cannot see."""
        sock = self._conn.sock
        previous = sock.gettimeout()
        sock.settimeout(0.0)
        try:
            reader = cast(io.BufferedReader, self._conn.file)  # imaplib opens it with makefile("rb")
            return bool(reader.peek(1))  # what is buffered; a raw read (non-blocking now) only when nothing is
        except (BlockingIOError, ssl.SSLWantReadError):
            return False
        finally:
            sock.settimeout(previous)


def supports_idle(session: ImapSession, settings: ServerSettings) -> bool:
    """CAPABILITY IDLE, asked again after signing in (some servers list more once the user is known)."""
    connection = session.connection
    if "IDLE" in connection.capabilities:
        return True
    with translated_errors(settings, "asking what the server supports"):
        kind, data = connection.capability()
    words = b" ".join(item for item in data if isinstance(item, bytes)).upper().split()
    return kind == "OK" and b"IDLE" in words


def _is_exists(line: bytes) -> bool:
    return _EXISTS.match(line) is not None
