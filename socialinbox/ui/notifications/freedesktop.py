"""Notifications through the session bus's org.freedesktop.Notifications service (Linux and the BSDs), with jeepney.

Not QtDBus, which cannot send the `u` replaces_id, and not desktop-notifier, which never reports that nothing was
shown (and would pull dbus-fast into the lean Linux build).
"""

from __future__ import annotations

import contextlib
import html
import logging
import queue
import selectors
import socket
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from socialinbox.ui.notifications.base import APP_NAME, ActivationBridge, NotifierUnavailable

try:
    from jeepney import DBusAddress, HeaderFields, MatchRule, Message, MessageType, new_method_call
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import DBusConnection, open_dbus_connection
    from jeepney.wrappers import DBusErrorResponse, unwrap_msg
except ImportError:  # jeepney is a Linux-only dependency; elsewhere the freedesktop adapter reports itself unavailable
    _HAVE_JEEPNEY = False
else:
    _HAVE_JEEPNEY = True

_LOG = logging.getLogger(__name__)

_SERVICE = "org.freedesktop.Notifications"
_OBJECT_PATH = "/org/freedesktop/Notifications"
_OPEN_ACTIONS = ["default", "Open"]  # "default" is the click on the notification itself
_DONE_ACTION = ["mark-done", "Mark done"]
_SOUND_HINTS = {"sound-name": ("s", "message-new-instant")}  # a freedesktop sound-theme name
_SILENT_HINTS = {"suppress-sound": ("b", True)}
_HINTS = {"urgency": ("y", 1), "category": ("s", "im.received")}  # 1: normal urgency
_SERVER_DEFAULT_TIMEOUT = -1
_REMEMBERED_IDS = 256  # bounds the id map on servers that never send NotificationClosed


class FreedesktopNotifier:
    """Notifications through the session bus's org.freedesktop.Notifications service (jeepney, blocking I/O).

    The constructor asks the server for its name and capabilities (each call bounded by ``timeout`` seconds) and raises
    NotifierUnavailable when there is no bus or no server. After that all bus traffic happens on one daemon thread, so
    notify() only queues a message and returns.
    """

    name = "freedesktop"

    def __init__(
        self,
        bridge: ActivationBridge,
        *,
        bus_address: str | None = None,
        icon_path: str | None = None,
        timeout: float = 1.0,
    ) -> None:
        if not _HAVE_JEEPNEY:
            raise NotifierUnavailable("jeepney is not installed (it is a dependency on Linux only)")
        self._icon = icon_path or ""
        self._bridge = bridge  # the worker only holds its signal; keep the QObject itself alive
        connection = _open_connection(bus_address, timeout)
        try:
            server = _call(connection, "GetServerInformation", timeout=timeout)
            capabilities = _call(connection, "GetCapabilities", timeout=timeout)[0]
            _subscribe(connection, timeout)
        except BaseException:
            connection.close()
            raise
        # Servers with body-markup read the body as HTML: customer text must not become markup (or an <img>).
        self._escape_body = "body-markup" in capabilities
        # Buttons only where the server shows them (and someone listens for "Mark done").
        self._done_button = "actions" in capabilities and bridge.handles_done
        self.sound = False  # the owner's preference; set by the app
        _LOG.info("desktop notifications go to %s %s", server[0], server[2])
        self._worker = _BusWorker(connection, bridge.activated.emit, bridge.done.emit)
        self._worker.start()

    def notify(self, title: str, body: str, conversation_id: int | None = None) -> None:
        text = html.escape(body, quote=False) if self._escape_body else body
        # Without a conversation there is nothing to open, so the notification offers no action.
        actions = _OPEN_ACTIONS if conversation_id is not None else []
        if conversation_id is not None and self._done_button:
            actions = [*actions, *_DONE_ACTION]
        hints = {**_HINTS, **(_SOUND_HINTS if self.sound else _SILENT_HINTS)}
        arguments = (APP_NAME, 0, self._icon, title, text, actions, hints, _SERVER_DEFAULT_TIMEOUT)
        self._worker.submit(new_method_call(_address(), "Notify", "susssasa{sv}i", arguments), conversation_id)

    def close(self) -> None:
        self._worker.stop()


class _BusWorker:
    """One daemon thread owning the jeepney connection: it sends the queued Notify calls and reads what comes back.

    Why one thread for both jobs: the listener reads the socket anyway, so sending from the same thread and matching
    replies by serial keeps the connection single-threaded. An executor for sending would be a second extra thread, and
    a second connection would race the id -> conversation map against ActionInvoked. The thread sleeps in select() on
    the bus socket and a wake-up socket pair, so stop() and submit() take effect at once without polling.
    """

    def __init__(
        self,
        connection: DBusConnection,
        on_clicked: Callable[[int], None],
        on_done: Callable[[int], None] | None = None,
    ) -> None:
        self._connection = connection
        self._on_clicked = on_clicked
        self._on_done = on_done
        self._outbox: queue.SimpleQueue[tuple[Message, int | None]] = queue.SimpleQueue()
        self._pending: dict[int, int | None] = {}  # serial of a Notify call -> conversation id
        self._shown: OrderedDict[int, int] = OrderedDict()  # notification id -> conversation id
        self._stopping = threading.Event()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_writer.setblocking(False)
        self._thread = threading.Thread(target=self._run, name="freedesktop-notifications", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, message: Message, conversation_id: int | None) -> None:
        if self._stopping.is_set() or not self._thread.is_alive():
            _LOG.warning("a notification was dropped: the session bus connection is closed")
            return
        self._outbox.put((message, conversation_id))
        self._wake()

    def stop(self, timeout: float = 2.0) -> None:
        self._stopping.set()
        self._wake()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._wake_writer.close()
        self._wake_reader.close()

    def _wake(self) -> None:
        # BlockingIOError: the pair is full, so a wake-up is already pending. OSError: closed by stop().
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")

    def _run(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._connection.sock, selectors.EVENT_READ)
        selector.register(self._wake_reader, selectors.EVENT_READ)
        try:
            while not self._stopping.is_set():
                self._send_queued()
                self._read_available()
                for key, _ in selector.select():
                    if key.fileobj is self._wake_reader:
                        self._wake_reader.recv(4096)
        except OSError as error:  # the bus went away (ConnectionResetError and friends)
            _LOG.warning("desktop notifications stopped: lost the session bus (%s)", error)
        finally:
            selector.close()
            self._connection.close()

    def _send_queued(self) -> None:
        while True:
            try:
                message, conversation_id = self._outbox.get_nowait()
            except queue.Empty:
                return
            serial = next(self._connection.outgoing_serial)
            self._pending[serial] = conversation_id
            self._connection.send(message, serial=serial)

    def _read_available(self) -> None:
        # receive(timeout=0) returns what is buffered or readable now, then raises TimeoutError; a partial message stays
        # in jeepney's parser and the rest wakes select() later.
        while True:
            try:
                message = self._connection.receive(timeout=0)
            except TimeoutError:
                return
            self._handle(message)

    def _handle(self, message: Message) -> None:
        header = message.header
        if header.message_type in (MessageType.method_return, MessageType.error):
            self._handle_reply(message)
        elif header.message_type is MessageType.signal:
            self._handle_signal(header.fields.get(HeaderFields.member), message.body)

    def _handle_reply(self, message: Message) -> None:
        serial = message.header.fields.get(HeaderFields.reply_serial)
        if serial not in self._pending:
            return
        conversation_id = self._pending.pop(serial)
        if message.header.message_type is MessageType.error:
            error_name = message.header.fields.get(HeaderFields.error_name)
            _LOG.warning("the notification server refused a notification: %s", error_name)
        elif conversation_id is not None:
            self._shown[message.body[0]] = conversation_id
            while len(self._shown) > _REMEMBERED_IDS:
                self._shown.popitem(last=False)

    def _handle_signal(self, member: str | None, body: tuple[Any, ...]) -> None:
        # Signals of other applications' notifications arrive too; their ids are simply not in the map.
        if member == "ActionInvoked" and body[1] == "default" and body[0] in self._shown:
            try:
                self._on_clicked(self._shown[body[0]])
            except Exception:  # a bad id must not end the thread that serves every later notification
                _LOG.exception("could not hand a notification click to the GUI")
        elif member == "ActionInvoked" and body[1] == "mark-done" and body[0] in self._shown and self._on_done:
            try:
                self._on_done(self._shown[body[0]])
            except Exception:  # as above: the thread outlives one bad hand-over
                _LOG.exception("could not hand 'Mark done' to the GUI")
        elif member == "NotificationClosed":
            self._shown.pop(body[0], None)


def _address() -> DBusAddress:
    return DBusAddress(_OBJECT_PATH, bus_name=_SERVICE, interface=_SERVICE)


def _open_connection(bus_address: str | None, timeout: float) -> DBusConnection:
    try:
        return open_dbus_connection(bus_address or "SESSION", auth_timeout=timeout)
    except KeyError:  # jeepney reads DBUS_SESSION_BUS_ADDRESS
        raise NotifierUnavailable("no session bus: DBUS_SESSION_BUS_ADDRESS is not set") from None
    except (OSError, RuntimeError, ValueError) as error:  # no socket, refused, auth timeout, unsupported address
        raise NotifierUnavailable(f"cannot reach the session bus: {error}") from error


def _call(connection: DBusConnection, method: str, *, timeout: float) -> tuple[Any, ...]:
    try:
        reply = connection.send_and_get_reply(new_method_call(_address(), method), timeout=timeout)
        return tuple(unwrap_msg(reply))
    except DBusErrorResponse as error:  # ServiceUnknown when nobody owns the name
        raise NotifierUnavailable(f"no notification service on the session bus ({error.name})") from error
    except TimeoutError as error:
        raise NotifierUnavailable(f"the notification service did not answer {method} within {timeout} s") from error
    except OSError as error:
        raise NotifierUnavailable(f"lost the session bus: {error}") from error


def _subscribe(connection: DBusConnection, timeout: float) -> None:
    rule = MatchRule(type="signal", sender=_SERVICE, interface=_SERVICE, path=_OBJECT_PATH)
    try:
        unwrap_msg(connection.send_and_get_reply(message_bus.AddMatch(rule), timeout=timeout))
    except (DBusErrorResponse, OSError) as error:  # OSError includes TimeoutError
        raise NotifierUnavailable(f"cannot listen for notification clicks: {error}") from error
