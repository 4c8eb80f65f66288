"""IMAP IDLE's exchange against a scripted server on a real socket pair: the cases Dovecot will not show on demand.

(Dovecot itself: tests/integration/test_email_idle.py.) The scripted end answers ``<tag> IDLE`` and ``DONE`` with
the bytes each test gives, all at once, so several responses arrive in one packet as real servers send them.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from socialinbox.connectors.base import TransientError
from socialinbox.connectors.email_idle import ImapIdle, supports_idle
from socialinbox.connectors.email_imap import ImapSession, Security, ServerSettings

SETTINGS = ServerSettings("127.0.0.1", 143, Security.PLAIN, "shop@example.org", timeout_s=2)


class ScriptedConnection:
    """The parts of ``imaplib.IMAP4`` the IDLE code uses, over a socket pair whose far end plays the server."""

    def __init__(self, on_idle: bytes, on_done: bytes = b"{tag} OK Idle completed.\r\n") -> None:
        self.sock, self._server = socket.socketpair()
        self.sock.settimeout(2)
        self.file = self.sock.makefile("rb")
        self.capabilities = ("IMAP4REV1", "IDLE")
        self.heard: list[bytes] = []
        self._answers = {b"IDLE": on_idle, b"DONE": on_done}
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def readline(self) -> bytes:
        return self.file.readline()

    def read(self, size: int) -> bytes:
        return self.file.read(size)

    def logout(self) -> None:
        self.sock.close()

    def hang_up(self) -> None:
        self._server.shutdown(socket.SHUT_RDWR)

    def _serve(self) -> None:
        tag = b""
        with self._server.makefile("rb") as commands:
            for line in commands:
                self.heard.append(line.rstrip(b"\r\n"))
                words = line.split()
                if len(words) == 2 and words[1] == b"IDLE":
                    tag = words[0]
                key = b"IDLE" if words[-1:] == [b"IDLE"] else b"DONE"
                answer = self._answers[key].replace(b"{tag}", tag)
                if answer:
                    self._server.sendall(answer)


@pytest.fixture
def connections() -> Iterator[list[ScriptedConnection]]:
    made: list[ScriptedConnection] = []
    yield made
    for connection in made:
        connection.logout()


def idle_on(connections: list[ScriptedConnection], on_idle: bytes, **kw: Any) -> tuple[ImapIdle, ScriptedConnection]:
    connection = ScriptedConnection(on_idle, **kw)
    connections.append(connection)
    watch = ImapIdle(ImapSession(connection, SETTINGS), SETTINGS)  # type: ignore[arg-type]
    assert watch.wait(0) is True  # the first wait after connecting always asks for one poll
    return watch, connection


def timed_wait(watch: ImapIdle, timeout_s: float) -> tuple[bool, float]:
    started = time.monotonic()
    return watch.wait(timeout_s), time.monotonic() - started


def test_exists_sent_with_the_continuation_in_one_packet_is_seen_at_once(connections) -> None:
    # After reading "+ idling", the rest sits in imaplib's buffer where select() cannot see it.
    watch, connection = idle_on(connections, b"+ idling\r\n* 1 EXPUNGE\r\n* 4 EXISTS\r\n")
    new, took = timed_wait(watch, 3)
    assert new is True and took < 0.5
    assert connection.heard == [b"sidle1 IDLE", b"DONE"]  # tagged, and ended with DONE before the tag's OK


def test_flag_changes_keepalives_and_expunges_are_not_new_mail(connections) -> None:
    watch, _ = idle_on(
        connections, b"+ idling\r\n* OK Still here\r\n* 3 FETCH (FLAGS (\\Seen))\r\n* 2 EXPUNGE\r\n* 1 RECENT\r\n"
    )
    new, took = timed_wait(watch, 0.3)
    assert new is False and took >= 0.3


def test_a_literal_is_read_whole_and_what_it_contains_is_not_a_response(connections) -> None:
    literal = b"* 9 EXISTS\r\n"
    watch, _ = idle_on(connections, b"+ idling\r\n* 2 FETCH (BODY[] {%d}\r\n%b)\r\n" % (len(literal), literal))
    assert timed_wait(watch, 0.3)[0] is False
    assert watch.wait(0.1) is False  # and the stream is still in step: the next IDLE goes through


def test_exists_in_the_answer_to_done_still_counts(connections) -> None:
    watch, _ = idle_on(connections, b"+ idling\r\n", on_done=b"* 7 EXISTS\r\n{tag} OK Idle completed.\r\n")
    assert timed_wait(watch, 0.2)[0] is True


@pytest.mark.parametrize(
    ("on_idle", "said"),
    [
        (b"{tag} BAD Unknown command\r\n", "refused to wait"),
        (b"+ idling\r\n* BYE Server shutting down\r\n", "ended the connection"),
    ],
)
def test_a_refused_idle_or_a_goodbye_is_a_transient_error(connections, on_idle: bytes, said: str) -> None:
    watch, _ = idle_on(connections, on_idle)
    with pytest.raises(TransientError, match=said):
        watch.wait(2)


def test_a_connection_that_drops_while_waiting_is_a_transient_error(connections) -> None:
    watch, connection = idle_on(connections, b"+ idling\r\n")
    threading.Timer(0.2, connection.hang_up).start()
    with pytest.raises(TransientError, match="closed the connection"):
        watch.wait(3)


def test_interrupt_before_the_wait_makes_it_return_at_once(connections) -> None:
    watch, connection = idle_on(connections, b"+ idling\r\n")
    watch.interrupt()
    new, took = timed_wait(watch, 3)
    assert new is False and took < 0.5
    assert connection.heard == [b"sidle1 IDLE", b"DONE"]  # still ended properly, ready to log out


class CapabilityConnection:
    def __init__(self, before: tuple[str, ...], after: bytes) -> None:
        self.capabilities = before
        self._after = after

    def capability(self) -> tuple[str, list[bytes]]:
        return "OK", [self._after]

    def read(self, size: int) -> bytes:
        raise AssertionError("nothing is read here")


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (("IMAP4REV1", "IDLE"), b"", True),
        (("IMAP4REV1", "AUTH=PLAIN"), b"IMAP4rev1 LITERAL+ Idle", True),  # listed once signed in
        (("IMAP4REV1", "AUTH=PLAIN"), b"IMAP4rev1 LITERAL+ IDLEX", False),
    ],
)
def test_idle_is_used_only_where_the_server_advertises_it(before, after, expected) -> None:
    session = ImapSession(CapabilityConnection(before, after), SETTINGS)  # type: ignore[arg-type]
    assert supports_idle(session, SETTINGS) is expected
