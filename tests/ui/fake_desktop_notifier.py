"""A fake of the small part of desktop-notifier that NativeNotifier uses, so its logic runs on Linux.

The real names and keyword arguments (DesktopNotifier(app_name=, app_icon=), Notification(title=, message=, buttons=,
on_clicked=, sound=, thread=), Button(title=, on_pressed=), Icon(path=), DEFAULT_SOUND, Capability.BUTTONS) are
checked against the installed library by test_native_notifications.py when it is importable.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Capability(enum.Enum):
    TITLE = enum.auto()
    MESSAGE = enum.auto()
    BUTTONS = enum.auto()
    SOUND = enum.auto()


@dataclass(frozen=True)
class Icon:
    path: Path | None = None


@dataclass(frozen=True)
class Sound:
    name: str


DEFAULT_SOUND = Sound("default")


@dataclass(frozen=True)
class Button:
    title: str
    on_pressed: Callable[[], Any] | None = None


@dataclass(frozen=True)
class Notification:
    title: str
    message: str
    buttons: tuple[Button, ...] = ()
    on_clicked: Callable[[], Any] | None = None
    sound: Sound | None = None
    thread: str | None = None


@dataclass
class FakeSystem:
    """What the fake 'operating system' offers and what it was sent."""

    capabilities: frozenset[Capability] = frozenset(Capability)
    refuse: Exception | None = None  # raised by the DesktopNotifier constructor
    fail_sends: bool = False
    sent: list[Notification] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    sent_event: threading.Event = field(default_factory=threading.Event)

    def wait_for(self, count: int, timeout: float = 3.0) -> list[Notification]:
        while len(self.sent) < count:
            self.sent_event.clear()
            if len(self.sent) < count and not self.sent_event.wait(timeout):
                raise AssertionError(f"expected {count} notifications, got {len(self.sent)}")
        return list(self.sent)

    def click(self, notification: Notification) -> None:
        """The user clicks the notification; like WinRT, the callback runs on a thread that is not the GUI's."""
        assert notification.on_clicked is not None
        _on_other_thread(notification.on_clicked)

    def press(self, notification: Notification, title: str) -> None:
        [button] = [button for button in notification.buttons if button.title == title]
        assert button.on_pressed is not None
        _on_other_thread(button.on_pressed)


def _on_other_thread(callback: Callable[[], Any]) -> None:
    thread = threading.Thread(target=callback)
    thread.start()
    thread.join()


class FakeLibrary:
    """Stands in for the desktop_notifier module: the same names, bound to one FakeSystem."""

    Capability = Capability
    Icon = Icon
    Button = Button
    Notification = Notification
    DEFAULT_SOUND = DEFAULT_SOUND

    def __init__(self, system: FakeSystem) -> None:
        self.system = system

    def DesktopNotifier(self, app_name: str, app_icon: Icon | None = None) -> _FakeNotifier:  # the real name
        if self.system.refuse is not None:
            raise self.system.refuse
        self.system.created.append({"app_name": app_name, "app_icon": app_icon})
        return _FakeNotifier(self.system)


class _FakeNotifier:
    def __init__(self, system: FakeSystem) -> None:
        self._system = system

    async def get_capabilities(self) -> frozenset[Capability]:
        return self._system.capabilities

    async def send_notification(self, notification: Notification) -> str:
        if self._system.fail_sends:
            raise RuntimeError(f"refused: {notification.message}")  # the text must not reach our log
        self._system.sent.append(notification)
        self._system.sent_event.set()
        return str(len(self._system.sent))
