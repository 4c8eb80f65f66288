"""Desktop notifications: one Notifier protocol, adapters tried in order, a log line as the last resort.

The shape is qutebrowser's notification adapters: an adapter that cannot work here raises NotifierUnavailable from its
constructor and build_notifier() moves on to the next one, logging why.

1. FreedesktopNotifier: org.freedesktop.Notifications over jeepney. Not QtDBus, which cannot send the `u` replaces_id,
   and not desktop-notifier, which never reports that nothing was shown.
2. TrayNotifier: QSystemTrayIcon.showMessage. Without a tray host it shows nothing and raises nothing, so the adapter
   refuses when isSystemTrayAvailable() is false.
3. LogNotifier: always works, so a notification is never lost without a trace.

To add an adapter (Windows toasts, the macOS notification centre): write a class that satisfies Notifier and raises
NotifierUnavailable when it cannot work, and add one entry to _candidates(). The other adapters do not change.

A click may be noticed on any thread; ActivationBridge, a QObject living on the GUI thread, turns it into a queued call
of on_activated there. Message text is customer data: nothing here logs a body above DEBUG.
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
from functools import partial
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QSystemTrayIcon

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

APP_NAME = "Social Inbox"
_SERVICE = "org.freedesktop.Notifications"
_OBJECT_PATH = "/org/freedesktop/Notifications"
_OPEN_ACTIONS = ["default", "Open"]  # "default" is the click on the notification itself
_DONE_ACTION = ["mark-done", "Mark done"]
_SOUND_HINTS = {"sound-name": ("s", "message-new-instant")}  # a freedesktop sound-theme name
_SILENT_HINTS = {"suppress-sound": ("b", True)}
_HINTS = {"urgency": ("y", 1), "category": ("s", "im.received")}  # 1: normal urgency
_SERVER_DEFAULT_TIMEOUT = -1
_REMEMBERED_IDS = 256  # bounds the id map on servers that never send NotificationClosed
_TRAY_MESSAGE_MS = 10_000


class NotifierUnavailable(Exception):
    """This adapter cannot work on this machine; the chain tries the next one."""


class Notifier(Protocol):
    """Shows a notification; a click on it opens the conversation. Call notify() and close() on the GUI thread."""

    name: str

    def notify(self, title: str, body: str, conversation_id: int | None = None) -> None: ...

    def close(self) -> None: ...


class ActivationBridge(QObject):
    """Carries a click on a notification from whichever thread noticed it to on_activated on the GUI thread.

    Create it on the GUI thread.

    Signals:
        activated(int): the notification of this conversation id was clicked. Emit it from any thread.
    """

    # qlonglong, not int: PySide6 maps int to a 32-bit C int, and an id past 2**31 would arrive as 0 (only a warning).
    activated = Signal("qlonglong")  # type: ignore[arg-type]  # the stubs only list Python types
    done = Signal("qlonglong")  # type: ignore[arg-type]  # "Mark done" was pressed on this conversation's notification

    def __init__(
        self,
        on_activated: Callable[[int], None],
        parent: QObject | None = None,
        on_done: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._callback = on_activated
        self._on_done_callback = on_done
        # Queued even on the GUI thread: a click never re-enters the code that happened to be running.
        self.activated.connect(self._on_activated, Qt.ConnectionType.QueuedConnection)
        self.done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)

    @property
    def handles_done(self) -> bool:
        return self._on_done_callback is not None

    @Slot("qlonglong")
    def _on_activated(self, conversation_id: int) -> None:
        self._callback(conversation_id)

    @Slot("qlonglong")
    def _on_done(self, conversation_id: int) -> None:
        if self._on_done_callback is not None:
            self._on_done_callback(conversation_id)


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


class TrayNotifier:
    """Balloon messages from the app's tray icon; a click on the balloon opens the last notified conversation.

    ``available`` defaults to QSystemTrayIcon.isSystemTrayAvailable; tests pass another answer (offscreen has no tray).
    """

    name = "tray"

    def __init__(
        self,
        tray: QSystemTrayIcon,
        bridge: ActivationBridge,
        *,
        available: Callable[[], bool] | None = None,
    ) -> None:
        if not (available or QSystemTrayIcon.isSystemTrayAvailable)():
            raise NotifierUnavailable("no system tray is running, so tray messages would show nothing")
        self._tray = tray
        self._bridge = bridge
        self._last_conversation: int | None = None
        tray.messageClicked.connect(self._on_message_clicked)

    def notify(self, title: str, body: str, conversation_id: int | None = None) -> None:
        # A tray shows one balloon at a time: the newest replaces the last, so a click means the newest.
        self._last_conversation = conversation_id
        self._tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, _TRAY_MESSAGE_MS)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TypeError):  # the tray icon was already deleted or disconnected
            self._tray.messageClicked.disconnect(self._on_message_clicked)

    def _on_message_clicked(self) -> None:
        if self._last_conversation is not None:
            self._bridge.activated.emit(self._last_conversation)


class LogNotifier:
    """The last resort: one INFO line per notification. The body (customer text) only at DEBUG."""

    name = "log"

    def notify(self, title: str, body: str, conversation_id: int | None = None) -> None:
        _LOG.info("notification: %s", title)
        _LOG.debug("notification body (conversation %s): %s", conversation_id, body)

    def close(self) -> None:
        pass


def build_notifier(
    on_activated: Callable[[int], None],
    tray: QSystemTrayIcon | None,
    *,
    bus_address: str | None = None,
    icon_path: str | None = None,
    on_done: Callable[[int], None] | None = None,
) -> Notifier:
    """The first adapter that works here: freedesktop, then tray, then log. Call on the GUI thread.

    ``on_activated(conversation_id)`` runs on the GUI thread when a notification is clicked, ``on_done`` when its
    "Mark done" button is pressed (offered only where the server shows buttons). ``bus_address`` is a D-Bus
    address; None means the session bus from DBUS_SESSION_BUS_ADDRESS.
    """
    bridge = ActivationBridge(on_activated, on_done=on_done)
    for name, factory in _candidates(bridge, tray, bus_address, icon_path):
        try:
            notifier = factory()
        except NotifierUnavailable as reason:
            _LOG.info("notifications: skipped %s: %s", name, reason)
            continue
        _LOG.info("notifications: using %s", notifier.name)
        return notifier
    return LogNotifier()  # not reached: the log adapter never refuses


def _candidates(
    bridge: ActivationBridge, tray: QSystemTrayIcon | None, bus_address: str | None, icon_path: str | None
) -> list[tuple[str, Callable[[], Notifier]]]:
    return [
        ("freedesktop", partial(FreedesktopNotifier, bridge, bus_address=bus_address, icon_path=icon_path)),
        ("tray", partial(_tray_notifier, tray, bridge)),
        ("log", LogNotifier),
    ]


def _tray_notifier(tray: QSystemTrayIcon | None, bridge: ActivationBridge) -> TrayNotifier:
    if tray is None:
        raise NotifierUnavailable("the app has no tray icon")
    return TrayNotifier(tray, bridge)
