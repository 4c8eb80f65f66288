"""Desktop notifications: one Notifier protocol, adapters tried in order, a log line as the last resort.

The shape is qutebrowser's notification adapters: an adapter that cannot work here raises NotifierUnavailable from its
constructor and build_notifier() moves on to the next one, logging why.

- base: the Notifier protocol, NotifierUnavailable, and ActivationBridge, which turns a click noticed on any thread
  into a queued call on the GUI thread.
- freedesktop: org.freedesktop.Notifications over jeepney (Linux, the BSDs).
- native: Windows toasts and the macOS notification centre through desktop-notifier (those two systems only).
- tray: QSystemTrayIcon balloons, where a tray host runs.
- log_notifier: always works, so a notification is never lost without a trace.
- chooser: build_notifier(), the order per operating system.

Whether to notify at all (on/off, quiet hours, sound) is decided around the chosen adapter by
socialinbox.ui.notification_policy.PoliteNotifier. Message text is customer data: nothing here logs a body above DEBUG.
"""

from socialinbox.ui.notifications.base import APP_NAME, ActivationBridge, Notifier, NotifierUnavailable
from socialinbox.ui.notifications.chooser import build_notifier
from socialinbox.ui.notifications.freedesktop import FreedesktopNotifier
from socialinbox.ui.notifications.log_notifier import LogNotifier
from socialinbox.ui.notifications.native import NativeNotifier
from socialinbox.ui.notifications.tray import TrayNotifier

__all__ = [
    "APP_NAME",
    "ActivationBridge",
    "FreedesktopNotifier",
    "LogNotifier",
    "NativeNotifier",
    "Notifier",
    "NotifierUnavailable",
    "TrayNotifier",
    "build_notifier",
]
