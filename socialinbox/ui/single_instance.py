"""One running copy per data folder: a second start hands its request to the first one and exits.

Whether a copy runs is told by the folder's lock (``instance_lock``), before the first paint. The first copy listens
on a QLocalServer (a user-only Unix socket, or a named pipe on Windows) whose name is derived from the user and the
data folder; it opens it once its window has painted, so this module (and QtNetwork) is imported after the paint, or
at once by a start that found the lock held. That start connects, sends one line and waits for ``ok``. Only known
commands with validated arguments are accepted; anything else is answered ``error`` and dropped:

    show                     bring the window forward
    demo                     connect the demo shop (``--demo``) and bring the window forward
    open-conversation <id>   bring the window forward on that conversation (id: a positive decimal integer)
"""

from __future__ import annotations

import dataclasses
import getpass
import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

from socialinbox.paths import AppPaths

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 64  # the longest valid line is "open-conversation " and 19 digits
COMMANDS = frozenset({"show", "demo", "open-conversation"})
_MAX_ID = 2**63 - 1  # SQLite's integer range
TIMEOUT_MS = 1000
HAND_OVER_WAIT_S = 10.0  # a copy holding the lock listens once its window has painted, and on a slow start
RETRY_S = 0.1


@dataclasses.dataclass(frozen=True)
class Request:
    command: str
    conversation_id: int | None = None

    def encode(self) -> bytes:
        text = self.command if self.conversation_id is None else f"{self.command} {self.conversation_id}"
        return text.encode("ascii") + b"\n"


def decode(data: bytes) -> Request:
    """Parse one request line; raise ValueError for anything that is not exactly a known command."""
    if len(data) > MAX_LINE_BYTES or not data.endswith(b"\n"):
        raise ValueError("not one short line")
    try:
        words = data[:-1].decode("ascii").split(" ")
    except UnicodeDecodeError:
        raise ValueError("not ASCII") from None
    command, arguments = words[0], words[1:]
    if command not in COMMANDS:
        raise ValueError("unknown command")
    if command != "open-conversation":
        if arguments:
            raise ValueError(f"{command} takes no argument")
        return Request(command)
    if len(arguments) != 1 or not arguments[0].isdigit() or not arguments[0].isascii():
        raise ValueError("open-conversation takes one conversation id")
    conversation_id = int(arguments[0])
    if not 0 < conversation_id <= _MAX_ID:
        raise ValueError("conversation id out of range")
    return Request(command, conversation_id)


def server_name(data_dir: Path) -> str:
    """Unique per user and data folder, so two shops (``--data-dir``) or two users never meet."""
    key = f"{getpass.getuser()}\0{data_dir.expanduser().resolve()}"
    return "socialinbox-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def send_to_running(name: str, request: Request, timeout_ms: int = TIMEOUT_MS) -> bool:
    """Hand ``request`` to a running copy; True when it answered ``ok``, False when none is running."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    try:
        socket.write(request.encode())
        if not socket.waitForBytesWritten(timeout_ms) or not socket.waitForReadyRead(timeout_ms):
            return False
        return bytes(socket.readLine(16).data()) == b"ok\n"
    finally:
        socket.disconnectFromServer()


class SingleInstance(QObject):
    """The listening side, owned by the first copy once it is whole (``listen_for_later_starts``).

    Signals:
        request_received(Request): a later start asked for something valid (GUI thread).
    """

    request_received = Signal(object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_new_connection)

    def listen(self) -> bool:
        """Start listening; False when another copy already does, or when the name cannot be listened on."""
        # Asked first because on Unix, with UserAccessOption, Qt's listen() replaces a live socket file instead of
        # failing, which would leave the other copy deaf.
        if _answers(self.name):
            log.info("another copy is listening on %s", self.name)
            return False
        if self._server.listen(self.name):
            return True
        if self._server.serverError() == QAbstractSocket.SocketError.AddressInUseError:
            # A socket file left behind by a copy that crashed: nobody answered on it above, so it can go.
            QLocalServer.removeServer(self.name)
            return self._server.listen(self.name)
        log.warning("cannot listen on %s: %s", self.name, self._server.errorString())
        return False

    def close(self) -> None:
        self._server.close()

    @Slot()
    def _on_new_connection(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._on_ready_read(s))
            socket.disconnected.connect(socket.deleteLater)

    def _on_ready_read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine() and socket.bytesAvailable() <= MAX_LINE_BYTES:
            return  # wait for the rest of the line
        data = bytes(socket.readLine(MAX_LINE_BYTES + 1).data())
        try:
            request = decode(data)
        except ValueError as error:
            log.warning("ignored a malformed request from another start (%s)", error)
            socket.write(b"error\n")
            socket.disconnectFromServer()
            return
        socket.write(b"ok\n")
        socket.flush()
        socket.disconnectFromServer()
        self.request_received.emit(request)


def _answers(name: str) -> bool:
    probe = QLocalSocket()
    probe.connectToServer(name)
    connected = probe.waitForConnected(200)
    probe.abort()
    return connected


def startup_request(*, demo: bool = False, open_conversation: int | None = None) -> Request:
    if open_conversation is not None:
        return Request("open-conversation", open_conversation)
    return Request("demo") if demo else Request("show")


def hand_over(paths: AppPaths, request: Request, *, wait_s: float = HAND_OVER_WAIT_S) -> bool:
    """Hand ``request`` to the copy that holds the folder's lock; True once it answered ``ok``. That copy listens from
    its first paint on, so a start in the same moment waits up to ``wait_s`` for it; False when it never answered."""
    name = server_name(paths.data_dir)
    deadline = time.monotonic() + wait_s
    while not send_to_running(name, request):
        if time.monotonic() >= deadline:
            return False
        time.sleep(RETRY_S)  # before any window exists: nothing waits on this thread
    log.info("handed %r to the copy that is already running", request.command)
    return True


def listen_for_later_starts(paths: AppPaths, on_request: Callable[[Request], None]) -> SingleInstance:
    """The first copy's server, handing each later start's request to ``on_request`` from now on. Should listening
    fail, the app runs without it: a later start that finds the lock held then waits for nobody and opens a window of
    its own."""
    instance = SingleInstance(server_name(paths.data_dir))
    instance.request_received.connect(on_request)
    if not instance.listen():
        log.warning("could not listen for later starts (%s); running without the single-instance check", instance.name)
    return instance
