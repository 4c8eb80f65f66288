"""Windows toasts and the macOS notification centre (desktop-notifier) against a fake of the library, the chooser on
each operating system, and the adapter against the real library (its Linux backend) on the stub D-Bus service."""

from __future__ import annotations

import importlib.util
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from socialinbox.ui.notifications import (
    APP_NAME,
    ActivationBridge,
    LogNotifier,
    NativeNotifier,
    Notifier,
    NotifierUnavailable,
    build_notifier,
)
from socialinbox.ui.notifications.native import DONE_BUTTON, load_library
from tests.notification_stub import NotificationService
from tests.ui.fake_desktop_notifier import Capability, FakeLibrary, FakeSystem
from tests.ui.notification_support import Clicks

THREAD = "native-notifications"


@pytest.fixture
def system() -> FakeSystem:
    return FakeSystem()


@pytest.fixture
def native(qtbot: QtBot, system: FakeSystem, notifiers: list[Notifier]) -> Callable[..., NativeNotifier]:
    def make(opened: Clicks | None = None, done: Clicks | None = None) -> NativeNotifier:
        bridge = ActivationBridge(opened or Clicks(), on_done=done)
        notifier = NativeNotifier(bridge, library=FakeLibrary(system), icon_path="/x/icon.png", timeout=2.0)
        notifiers.append(notifier)
        return notifier

    return make


def test_a_notification_reaches_the_system_with_title_body_and_conversation_thread(
    native: Callable[..., NativeNotifier], system: FakeSystem
) -> None:
    native().notify("New mention from @ana", "Is the blue mug back?", conversation_id=7)

    [sent] = system.wait_for(1)
    assert (sent.title, sent.message, sent.thread, sent.sound) == (
        "New mention from @ana",
        "Is the blue mug back?",
        "conversation-7",
        None,
    )
    assert system.created == [{"app_name": APP_NAME, "app_icon": FakeLibrary.Icon(path=Path("/x/icon.png"))}]


def test_the_system_sound_plays_only_when_the_owner_wants_it(
    native: Callable[..., NativeNotifier], system: FakeSystem
) -> None:
    notifier = native()
    notifier.notify("Quiet", "one", conversation_id=1)
    notifier.sound = True
    notifier.notify("Loud", "two", conversation_id=1)

    assert [sent.sound for sent in system.wait_for(2)] == [None, FakeLibrary.DEFAULT_SOUND]


def test_clicking_a_toast_opens_its_conversation_on_the_gui_thread(
    qtbot: QtBot, native: Callable[..., NativeNotifier], system: FakeSystem
) -> None:
    opened = Clicks()
    notifier = native(opened)
    notifier.notify("New mention", "first", conversation_id=7)
    notifier.notify("New mention", "second", conversation_id=2**40)

    system.click(system.wait_for(2)[1])

    qtbot.waitUntil(lambda: opened.conversations == [2**40], timeout=3000)
    assert opened.on_gui_thread == [True]


def test_mark_done_button_hands_the_conversation_to_the_gui_thread(
    qtbot: QtBot, native: Callable[..., NativeNotifier], system: FakeSystem
) -> None:
    done = Clicks()
    native(done=done).notify("New DM", "Do you ship to Spain?", conversation_id=12)
    [sent] = system.wait_for(1)

    system.press(sent, DONE_BUTTON)

    qtbot.waitUntil(lambda: done.conversations == [12], timeout=3000)
    assert done.on_gui_thread == [True]


def test_no_mark_done_button_where_the_system_shows_no_buttons(
    native: Callable[..., NativeNotifier], system: FakeSystem
) -> None:
    system.capabilities = frozenset({Capability.TITLE, Capability.MESSAGE})
    native(done=Clicks()).notify("New DM", "hello", conversation_id=12)

    assert system.wait_for(1)[0].buttons == ()


def test_a_notification_without_a_conversation_has_no_click_target_and_no_button(
    native: Callable[..., NativeNotifier], system: FakeSystem
) -> None:
    native(done=Clicks()).notify("3 conversations are about to miss the hour", "Open Social Inbox")

    [sent] = system.wait_for(1)
    assert (sent.on_clicked, sent.buttons, sent.thread) == (None, (), None)


def test_the_library_s_do_nothing_backend_counts_as_unavailable(qtbot: QtBot, system: FakeSystem) -> None:
    system.capabilities = frozenset()  # what desktop-notifier offers on macOS outside an app bundle

    with pytest.raises(NotifierUnavailable, match="no notification centre"):
        NativeNotifier(ActivationBridge(Clicks()), library=FakeLibrary(system))


def test_a_refusing_system_service_counts_as_unavailable_and_leaves_no_thread(qtbot: QtBot, system: FakeSystem) -> None:
    system.refuse = RuntimeError("Could not get ToastNotificationManagerForUser")

    with pytest.raises(NotifierUnavailable, match="refused: Could not get ToastNotificationManager"):
        NativeNotifier(ActivationBridge(Clicks()), library=FakeLibrary(system))
    assert THREAD not in {thread.name for thread in threading.enumerate()}


def test_a_refused_notification_is_logged_without_its_text(
    native: Callable[..., NativeNotifier], system: FakeSystem, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="socialinbox.ui.notifications")
    system.fail_sends = True
    notifier = native()

    notifier.notify("New DM", "my card number is 4111", conversation_id=3)
    notifier.close()  # waits for the loop, so the failed send has been logged

    assert "the system refused a notification: RuntimeError" in caplog.messages
    assert not any("4111" in message for message in caplog.messages)


def test_close_stops_the_loop_thread(native: Callable[..., NativeNotifier], system: FakeSystem) -> None:
    notifier = native()
    notifier.notify("New mention", "body", conversation_id=7)
    system.wait_for(1)
    assert THREAD in {thread.name for thread in threading.enumerate()}

    notifier.close()

    assert THREAD not in {thread.name for thread in threading.enumerate()}


def test_load_library_reports_a_missing_library_as_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "desktop_notifier", None)  # import now raises ImportError

    with pytest.raises(NotifierUnavailable, match="desktop-notifier cannot be imported"):
        load_library()


# --- the chooser on each operating system -------------------------------------------------------------------------


def _missing_library() -> Any:
    raise NotifierUnavailable("desktop-notifier cannot be imported (No module named 'desktop_notifier')")


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_windows_and_macos_use_the_native_notification_centre(
    qtbot: QtBot, platform: str, system: FakeSystem, notifiers: list[Notifier]
) -> None:
    notifier = build_notifier(Clicks(), None, platform=platform, native_library=lambda: FakeLibrary(system))
    notifiers.append(notifier)

    notifier.notify("New mention", "body", conversation_id=1)

    assert notifier.name == "native"
    assert system.wait_for(1)[0].title == "New mention"


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_without_the_library_windows_and_macos_fall_back_to_the_tray(
    qtbot: QtBot,
    platform: str,
    notifiers: list[Notifier],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="socialinbox.ui.notifications")
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))

    notifier = build_notifier(Clicks(), QSystemTrayIcon(), platform=platform, native_library=_missing_library)
    notifiers.append(notifier)

    assert notifier.name == "tray"
    assert any(message.startswith("notifications: skipped native: desktop-notifier") for message in caplog.messages)


def test_on_macos_outside_an_app_bundle_without_a_tray_the_log_remains(qtbot: QtBot, system: FakeSystem) -> None:
    system.capabilities = frozenset()

    notifier = build_notifier(Clicks(), None, platform="darwin", native_library=lambda: FakeLibrary(system))

    assert isinstance(notifier, LogNotifier)


@pytest.mark.parametrize("platform", ["linux", "freebsd14"])
def test_linux_and_the_bsds_use_freedesktop_and_never_load_the_library(
    platform: str, notification_stub: NotificationService, notifiers: list[Notifier]
) -> None:
    def must_not_load() -> Any:
        raise AssertionError("desktop-notifier was loaded on a freedesktop system")

    notifier = build_notifier(
        Clicks(), None, bus_address=notification_stub.address, platform=platform, native_library=must_not_load
    )
    notifiers.append(notifier)

    assert notifier.name == "freedesktop"


# --- the real library -----------------------------------------------------------------------------------------------

needs_library = pytest.mark.skipif(
    importlib.util.find_spec("desktop_notifier") is None, reason="desktop-notifier is not installed"
)


@needs_library
def test_the_fake_uses_the_real_library_s_names_and_keywords() -> None:
    real = load_library()

    notification = real.Notification(
        title="t", message="m", buttons=(real.Button(title=DONE_BUTTON, on_pressed=print),), on_clicked=print,
        sound=real.DEFAULT_SOUND, thread="conversation-1",
    )  # fmt: skip
    assert notification.buttons[0].title == DONE_BUTTON
    assert real.Icon(path=Path("/x/icon.png")).path == Path("/x/icon.png")
    assert real.Capability.BUTTONS.name == "BUTTONS"


def _library_reporting_sends(on_sent: Callable[[], object]) -> Any:
    """The real desktop_notifier, except that its DesktopNotifier calls ``on_sent`` (on the adapter's loop thread) for
    each notification it has finished sending: the library's own class-level on_dispatched callback."""
    real = load_library()

    def reporting_notifier(*args: Any, **kwargs: Any) -> Any:
        notifier = real.DesktopNotifier(*args, **kwargs)
        notifier.on_dispatched = lambda identifier: on_sent()
        return notifier

    return SimpleNamespace(**{**vars(real), "DesktopNotifier": reporting_notifier})


@needs_library
def test_the_real_library_delivers_clicks_and_mark_done_through_the_adapter(
    qtbot: QtBot, notification_stub: NotificationService, notifiers: list[Notifier], monkeypatch: pytest.MonkeyPatch
) -> None:
    # desktop-notifier's own Linux backend (dbus-fast) against the stub: proof the adapter drives the real API.
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", notification_stub.address)
    opened, done = Clicks(), Clicks()
    sent = threading.Semaphore(0)
    library = _library_reporting_sends(sent.release)
    notifier = NativeNotifier(ActivationBridge(opened, on_done=done), library=library, timeout=5.0)
    notifiers.append(notifier)

    notifier.notify("New mention", "Is the blue mug back?", conversation_id=7)
    notifier.notify("New DM", "Do you ship to Spain?", conversation_id=8)
    # The backend maps the server's id to its notification only when its task resumes after Notify's reply, while
    # dbus-fast hands it an ActionInvoked read in the same batch as that reply at once: such a click is dropped. People
    # click a notification only once it is shown, so the stub clicks once the library has finished sending both.
    assert sent.acquire(timeout=5.0) and sent.acquire(timeout=5.0), "the library did not finish sending both"
    first, second = notification_stub.wait_for_calls(2)
    notification_stub.click(first.id)
    done_key = second.actions[second.actions.index(DONE_BUTTON) - 1]
    notification_stub.click(second.id, done_key)

    qtbot.waitUntil(lambda: opened.conversations == [7] and done.conversations == [8], timeout=5000)
    assert (first.summary, first.body) == ("New mention", "Is the blue mug back?")
