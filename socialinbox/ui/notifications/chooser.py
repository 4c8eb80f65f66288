"""Which notification adapter to use here: the system's own service first, then the tray, then a log line.

An adapter that cannot work raises NotifierUnavailable from its constructor and the chooser moves on, logging why.
Linux (and the BSDs) speak org.freedesktop.Notifications with jeepney; Windows and macOS use desktop-notifier, which
is installed on those two systems only. To add an adapter, add one entry to _candidates().
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtWidgets import QSystemTrayIcon

from socialinbox.ui.notifications.base import ActivationBridge, Notifier, NotifierUnavailable
from socialinbox.ui.notifications.freedesktop import FreedesktopNotifier
from socialinbox.ui.notifications.log_notifier import LogNotifier
from socialinbox.ui.notifications.native import NativeNotifier, load_library
from socialinbox.ui.notifications.tray import TrayNotifier

_LOG = logging.getLogger(__name__)

NATIVE_PLATFORMS = ("win32", "darwin")  # where desktop-notifier is a dependency (see pyproject.toml)


def build_notifier(
    on_activated: Callable[[int], None],
    tray: QSystemTrayIcon | None,
    *,
    bus_address: str | None = None,
    icon_path: str | None = None,
    on_done: Callable[[int], None] | None = None,
    platform: str | None = None,
    native_library: Callable[[], Any] = load_library,
) -> Notifier:
    """The first adapter that works here. Call on the GUI thread.

    ``on_activated(conversation_id)`` runs on the GUI thread when a notification is clicked, ``on_done`` when its
    "Mark done" button is pressed (offered only where the system shows buttons). ``bus_address`` is a D-Bus address
    (None: DBUS_SESSION_BUS_ADDRESS). ``platform`` (default sys.platform) and ``native_library`` (what loads
    desktop_notifier) let tests choose as another system would.
    """
    bridge = ActivationBridge(on_activated, on_done=on_done)
    candidates = _candidates(bridge, tray, platform or sys.platform, bus_address, icon_path, native_library)
    for name, factory in candidates:
        try:
            notifier = factory()
        except NotifierUnavailable as reason:
            _LOG.info("notifications: skipped %s: %s", name, reason)
            continue
        _LOG.info("notifications: using %s", notifier.name)
        return notifier
    return LogNotifier()  # not reached: the log adapter never refuses


def _candidates(
    bridge: ActivationBridge,
    tray: QSystemTrayIcon | None,
    platform: str,
    bus_address: str | None,
    icon_path: str | None,
    native_library: Callable[[], Any],
) -> list[tuple[str, Callable[[], Notifier]]]:
    if platform in NATIVE_PLATFORMS:
        system: tuple[str, Callable[[], Notifier]] = ("native", partial(_native, bridge, native_library, icon_path))
    else:
        system = ("freedesktop", partial(FreedesktopNotifier, bridge, bus_address=bus_address, icon_path=icon_path))
    return [system, ("tray", partial(_tray_notifier, tray, bridge)), ("log", LogNotifier)]


def _native(bridge: ActivationBridge, native_library: Callable[[], Any], icon_path: str | None) -> NativeNotifier:
    return NativeNotifier(bridge, library=native_library(), icon_path=icon_path)


def _tray_notifier(tray: QSystemTrayIcon | None, bridge: ActivationBridge) -> TrayNotifier:
    if tray is None:
        raise NotifierUnavailable("the app has no tray icon")
    return TrayNotifier(tray, bridge)
