"""A stand-in ``org.freedesktop.Notifications`` service on a private D-Bus session bus, for tests.

    with notification_service() as service:
        notifier = FreedesktopNotifier(bridge, bus_address=service.address)
        notifier.notify("New mention", "Is the blue mug back in stock?", conversation_id=7)
        [call] = service.wait_for_calls(1)
        service.click(call.id)  # the server says the user clicked it

The bus is a ``dbus-daemon`` of our own in a temporary directory, so tests never touch the developer's session bus and
need no ``dbus-run-session``. Its configuration has no service directories: a bus without the stub cannot D-Bus-activate
a real notification daemon (dunst, for one, crashes when activated without a display).
"""

import asyncio
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pytest
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusDict, DBusInt32, DBusSignature, DBusStr, DBusUInt32
from dbus_fast.service import ServiceInterface, dbus_method, dbus_signal

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
_STARTUP_TIMEOUT = 5.0

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

_Strings = Annotated[list[str], DBusSignature("as")]
_ServerInformation = Annotated[list[str], DBusSignature("ssss")]


@dataclass(frozen=True)
class NotifyCall:
    """One Notify call as the service received it; ``id`` is the notification id it answered with."""

    id: int
    app_name: str
    replaces_id: int
    app_icon: str
    summary: str
    body: str
    actions: tuple[str, ...]
    hints: dict[str, Any]  # plain values: the Variant wrappers are removed
    expire_timeout: int


class _NotificationsInterface(ServiceInterface):
    def __init__(self, service: "NotificationService") -> None:
        super().__init__(BUS_NAME)
        self._service = service
        self._last_id = 0

    @dbus_method()
    def Notify(
        self,
        app_name: DBusStr,
        replaces_id: DBusUInt32,
        app_icon: DBusStr,
        summary: DBusStr,
        body: DBusStr,
        actions: _Strings,
        hints: DBusDict,
        expire_timeout: DBusInt32,
    ) -> DBusUInt32:
        self._last_id += 1
        plain_hints = {key: variant.value for key, variant in hints.items()}
        call = NotifyCall(
            self._last_id, app_name, replaces_id, app_icon, summary, body, tuple(actions), plain_hints, expire_timeout
        )
        self._service._record(call)
        return self._last_id

    @dbus_method()
    def CloseNotification(self, notification_id: DBusUInt32) -> None:
        self.NotificationClosed(notification_id, 3)  # 3: closed by a CloseNotification call

    @dbus_method()
    def GetCapabilities(self) -> _Strings:
        return list(self._service.capabilities)

    @dbus_method()
    def GetServerInformation(self) -> _ServerInformation:
        return ["notification-stub", "socialinbox tests", "1.0", "1.2"]

    @dbus_signal()
    def ActionInvoked(self, notification_id: int, action_key: str) -> Annotated[list[Any], DBusSignature("us")]:
        return [notification_id, action_key]

    @dbus_signal()
    def NotificationClosed(self, notification_id: int, reason: int) -> Annotated[list[int], DBusSignature("uu")]:
        return [notification_id, reason]


class NotificationService:
    """The stub service, running on its own thread with its own asyncio loop. Start with ``notification_service()``."""

    def __init__(self, address: str, capabilities: Iterable[str] = ("actions", "body")) -> None:
        self.address = address
        self.capabilities = tuple(capabilities)
        self._calls: list[NotifyCall] = []
        self._changed = threading.Condition()
        self._interface = _NotificationsInterface(self)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="notification-stub", daemon=True)
        self._bus: MessageBus | None = None

    @property
    def calls(self) -> list[NotifyCall]:
        """A snapshot of the Notify calls so far, oldest first."""
        with self._changed:
            return list(self._calls)

    def wait_for_calls(self, count: int, timeout: float = 5.0) -> list[NotifyCall]:
        """Wait until at least ``count`` Notify calls arrived and return them all; fail after ``timeout`` s."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._calls) >= count, timeout):
                raise AssertionError(f"expected {count} Notify call(s) within {timeout} s, got {len(self._calls)}")
            return list(self._calls)

    def click(self, notification_id: int, action_key: str = "default") -> None:
        """Act as the user clicking the notification: ActionInvoked, then NotificationClosed, as real servers do."""

        async def emit() -> None:
            self._interface.ActionInvoked(notification_id, action_key)
            self._interface.NotificationClosed(notification_id, 2)  # 2: dismissed by the user

        asyncio.run_coroutine_threadsafe(emit(), self._loop).result(_STARTUP_TIMEOUT)

    def start(self) -> None:
        self._thread.start()
        self._bus = asyncio.run_coroutine_threadsafe(self._connect(), self._loop).result(_STARTUP_TIMEOUT)

    def stop(self) -> None:
        if self._bus is not None:
            asyncio.run_coroutine_threadsafe(self._disconnect(self._bus), self._loop).result(_STARTUP_TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(_STARTUP_TIMEOUT)
        self._loop.close()

    def _record(self, call: NotifyCall) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    async def _connect(self) -> MessageBus:
        bus = await MessageBus(bus_address=self.address).connect()
        bus.export(OBJECT_PATH, self._interface)
        await bus.request_name(BUS_NAME)
        return bus

    @staticmethod
    async def _disconnect(bus: MessageBus) -> None:
        bus.disconnect()
        await bus.wait_for_disconnect()


@contextmanager
def private_bus() -> Iterator[str]:
    """Run a private dbus-daemon in a temporary directory and yield its address; skip the test without dbus-daemon."""
    executable = shutil.which("dbus-daemon")
    if executable is None:
        pytest.skip("dbus-daemon is not installed (Debian package dbus-daemon); notification tests need a private bus")
    # mkdtemp under /tmp, not tmp_path: a unix socket path must stay under ~100 bytes.
    directory = Path(tempfile.mkdtemp(prefix="si-bus-"))
    config = directory / "bus.conf"
    config.write_text(_BUS_CONFIG.format(socket=directory / "bus"), encoding="utf-8")
    with (directory / "stderr").open("wb") as stderr:
        daemon = subprocess.Popen(
            [executable, f"--config-file={config}", "--print-address", "--nofork"],
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    try:
        assert daemon.stdout is not None
        address = daemon.stdout.readline().decode().strip()
        if not address:
            raise RuntimeError(f"dbus-daemon did not start: {(directory / 'stderr').read_text(errors='replace')}")
        yield address
    finally:
        daemon.terminate()
        daemon.wait(_STARTUP_TIMEOUT)
        if daemon.stdout is not None:
            daemon.stdout.close()
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def notification_service(capabilities: Iterable[str] = ("actions", "body")) -> Iterator[NotificationService]:
    """A private bus with the stub service on it; ``capabilities`` is what GetCapabilities answers."""
    with private_bus() as address:
        service = NotificationService(address, capabilities)
        service.start()
        try:
            yield service
        finally:
            service.stop()
