"""Windows toasts and the macOS notification centre through desktop-notifier (installed on those two systems only).

desktop-notifier's API is asyncio: each call is a coroutine, and on Windows a click is delivered with
``call_soon_threadsafe`` to the loop that sent the toast, so that loop must keep running. Qt's event loop is not an
asyncio loop, so the adapter runs one asyncio loop on a daemon thread for the life of the app: notify() hands a
coroutine to it and returns at once. On macOS the clicks arrive through the notification centre's delegate on the
main thread's run loop, which Qt runs. Either way the callback only emits a signal of the ActivationBridge, which
queues the call to the GUI thread.

The adapter uses a small surface of the library (DesktopNotifier, Notification, Button, Icon, DEFAULT_SOUND,
Capability); tests pass a fake module with the same names.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib
import logging
import threading
from collections.abc import Coroutine
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from socialinbox.ui.notifications.base import APP_NAME, ActivationBridge, NotifierUnavailable

_LOG = logging.getLogger(__name__)
_T = TypeVar("_T")

LIBRARY = "desktop_notifier"
DONE_BUTTON = "Mark done"


def load_library() -> Any:
    """The desktop_notifier module, or NotifierUnavailable when it (or a native part it needs) is missing."""
    try:
        return importlib.import_module(LIBRARY)
    except ImportError as error:  # not installed (Linux), or a winrt / rubicon part missing from a bundle
        raise NotifierUnavailable(f"desktop-notifier cannot be imported ({error})") from error
    except OSError as error:  # a native library that would not load
        raise NotifierUnavailable(f"desktop-notifier cannot load its native part ({error})") from error


class NativeNotifier:
    """The system's own notifications through desktop-notifier: a click opens the conversation, "Mark done" where
    the system shows buttons, the system's default sound when the owner wants one.

    The constructor raises NotifierUnavailable when the library is missing, the system service refuses, or the
    library fell back to its do-nothing backend (macOS outside an app bundle): then the next adapter is tried.
    """

    name = "native"

    def __init__(
        self,
        bridge: ActivationBridge,
        *,
        library: Any = None,
        icon_path: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        self._lib = library if library is not None else load_library()
        self._bridge = bridge  # callbacks only hold its signals; keep the QObject itself alive
        self._timeout = timeout
        self.sound = False  # the owner's preference; set by PoliteNotifier
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="native-notifications", daemon=True)
        self._thread.start()
        try:
            self._notifier, capabilities = self._wait(self._connect(icon_path))
        except BaseException:
            self.close()
            raise
        # Buttons only where the system shows them, and only when someone listens for "Mark done".
        self._done_button = self._lib.Capability.BUTTONS in capabilities and bridge.handles_done
        _LOG.info("desktop notifications go to the system notification centre (desktop-notifier)")

    async def _connect(self, icon_path: str | None) -> tuple[Any, frozenset[Any]]:
        # Made on the loop's thread: backends may look up the running loop when they are created or first used.
        icon = self._lib.Icon(path=Path(icon_path)) if icon_path else None
        try:
            notifier = self._lib.DesktopNotifier(app_name=APP_NAME, app_icon=icon)
        except (RuntimeError, OSError) as error:  # e.g. Windows: no ToastNotificationManager for this user
            raise NotifierUnavailable(f"the system notification service refused: {error}") from error
        capabilities = frozenset(await notifier.get_capabilities())
        if not capabilities:  # the library's dummy backend: it would drop every notification without a word
            raise NotifierUnavailable("no notification centre here (macOS offers it to app bundles only)")
        return notifier, capabilities

    def notify(self, title: str, body: str, conversation_id: int | None = None) -> None:
        if not self._thread.is_alive() or self._loop.is_closed():
            _LOG.warning("a notification was dropped: the native notification loop is closed")
            return
        notification = self._lib.Notification(
            title=title,
            message=body,  # toasts and the notification centre show plain text: no markup to escape
            buttons=self._buttons(conversation_id),
            on_clicked=None if conversation_id is None else partial(self._bridge.activated.emit, conversation_id),
            sound=self._lib.DEFAULT_SOUND if self.sound else None,
            # Groups a conversation's notifications together in the notification centre.
            thread=None if conversation_id is None else f"conversation-{conversation_id}",
        )
        future = asyncio.run_coroutine_threadsafe(self._notifier.send_notification(notification), self._loop)
        future.add_done_callback(_log_failure)

    def _buttons(self, conversation_id: int | None) -> tuple[Any, ...]:
        if conversation_id is None or not self._done_button:
            return ()
        return (self._lib.Button(title=DONE_BUTTON, on_pressed=partial(self._bridge.done.emit, conversation_id)),)

    def close(self) -> None:
        """Let the notifications already handed over go out (bounded by the timeout), then end the loop's thread."""
        if self._loop.is_closed():
            return
        if self._thread.is_alive():
            with contextlib.suppress(concurrent.futures.TimeoutError):
                asyncio.run_coroutine_threadsafe(_settle(), self._loop).result(self._timeout)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(self._timeout)
        if not self._thread.is_alive():
            self._loop.close()

    def _wait(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(self._timeout)
        except concurrent.futures.TimeoutError as error:
            future.cancel()
            reason = f"the system notification service did not answer within {self._timeout} s"
            raise NotifierUnavailable(reason) from error


async def _settle() -> None:
    # Tasks are created in the order they were handed over, so every earlier notification is among these.
    pending = asyncio.all_tasks() - {asyncio.current_task()}
    if pending:
        await asyncio.wait(pending)


def _log_failure(future: concurrent.futures.Future[Any]) -> None:
    # Only the kind of error: the notification (and so the customer's text) stays out of the log.
    if not future.cancelled() and future.exception() is not None:
        _LOG.warning("the system refused a notification: %s", type(future.exception()).__name__)
