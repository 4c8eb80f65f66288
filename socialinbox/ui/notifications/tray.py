"""Balloon messages from the app's tray icon: the fallback where no native notification service answers."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtWidgets import QSystemTrayIcon

from socialinbox.ui.notifications.base import ActivationBridge, NotifierUnavailable

_TRAY_MESSAGE_MS = 10_000


class TrayNotifier:
    """Balloon messages from the app's tray icon; a click on the balloon opens the last notified conversation.

    Without a tray host QSystemTrayIcon.showMessage shows nothing and raises nothing, so the adapter refuses when
    ``available`` (default QSystemTrayIcon.isSystemTrayAvailable; tests pass another answer) says no.
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
