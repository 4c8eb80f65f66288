"""Notifications: the freedesktop adapter against a stub server on a private bus, the fallbacks, the click path."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from socialinbox.ui.notifications import (
    APP_NAME,
    ActivationBridge,
    FreedesktopNotifier,
    LogNotifier,
    Notifier,
    NotifierUnavailable,
    TrayNotifier,
    build_notifier,
)
from tests.notification_stub import NotificationService, notification_service, private_bus
from tests.ui.notification_support import Clicks

LOGGER = "socialinbox.ui.notifications"
WORKER_THREAD = "freedesktop-notifications"


@pytest.fixture
def clicks() -> Clicks:
    return Clicks()


@pytest.fixture
def freedesktop(
    qtbot: QtBot, clicks: Clicks, notifiers: list[Notifier]
) -> Callable[[NotificationService], FreedesktopNotifier]:
    def make(service: NotificationService) -> FreedesktopNotifier:
        notifier = FreedesktopNotifier(ActivationBridge(clicks), bus_address=service.address, icon_path="/x/icon.png")
        notifiers.append(notifier)
        return notifier

    return make


def test_notification_reaches_the_server_with_title_body_and_open_action(
    notification_stub: NotificationService, freedesktop: Callable[[NotificationService], FreedesktopNotifier]
) -> None:
    freedesktop(notification_stub).notify("New mention from @ana", "Is the blue mug back?", conversation_id=7)

    [call] = notification_stub.wait_for_calls(1)
    assert (call.app_name, call.summary, call.body) == (APP_NAME, "New mention from @ana", "Is the blue mug back?")
    assert call.actions == ("default", "Open")
    assert call.app_icon == "/x/icon.png"
    assert call.hints["urgency"] == 1
    assert (call.replaces_id, call.expire_timeout) == (0, -1)


def test_clicking_a_notification_opens_its_conversation_on_the_gui_thread(
    qtbot: QtBot,
    notification_stub: NotificationService,
    freedesktop: Callable[[NotificationService], FreedesktopNotifier],
    clicks: Clicks,
) -> None:
    notifier = freedesktop(notification_stub)
    notifier.notify("New mention", "first", conversation_id=7)
    notifier.notify("New mention", "second", conversation_id=42)
    second = notification_stub.wait_for_calls(2)[1]

    notification_stub.click(second.id)

    qtbot.waitUntil(lambda: clicks.conversations == [42], timeout=3000)
    assert clicks.on_gui_thread == [True]


def test_clicks_on_closed_or_foreign_notifications_are_ignored(
    qtbot: QtBot,
    notification_stub: NotificationService,
    freedesktop: Callable[[NotificationService], FreedesktopNotifier],
    clicks: Clicks,
) -> None:
    notifier = freedesktop(notification_stub)
    notifier.notify("New mention", "first", conversation_id=7)
    notifier.notify("A note without a conversation", "no click target")
    first, without_conversation = notification_stub.wait_for_calls(2)
    notification_stub.click(first.id)  # ActionInvoked, then NotificationClosed forgets the id
    notification_stub.click(first.id)
    notification_stub.click(without_conversation.id)
    notification_stub.click(999)  # another application's notification

    notifier.notify("New mention", "third", conversation_id=8)
    notification_stub.click(notification_stub.wait_for_calls(3)[2].id)

    # Signals arrive in order, so once 8 is delivered the ignored clicks have been handled.
    qtbot.waitUntil(lambda: clicks.conversations[-1:] == [8], timeout=3000)
    assert clicks.conversations == [7, 8]
    assert without_conversation.actions == ()


def test_body_is_escaped_when_the_server_reads_markup(
    freedesktop: Callable[[NotificationService], FreedesktopNotifier],
) -> None:
    with notification_service(capabilities=("actions", "body", "body-markup")) as service:
        freedesktop(service).notify(
            "New DM", 'Price for <b>2</b> mugs & <img src="http://x/y.png">?', conversation_id=1
        )

        [call] = service.wait_for_calls(1)
    assert call.body == 'Price for &lt;b&gt;2&lt;/b&gt; mugs &amp; &lt;img src="http://x/y.png"&gt;?'


def test_body_is_sent_as_is_when_the_server_shows_plain_text(
    notification_stub: NotificationService, freedesktop: Callable[[NotificationService], FreedesktopNotifier]
) -> None:
    freedesktop(notification_stub).notify("New DM", "2 mugs & <3", conversation_id=1)

    assert notification_stub.wait_for_calls(1)[0].body == "2 mugs & <3"


def test_a_bus_without_a_notification_server_is_unavailable(qtbot: QtBot, clicks: Clicks) -> None:
    with private_bus() as address, pytest.raises(NotifierUnavailable, match="no notification service"):
        FreedesktopNotifier(ActivationBridge(clicks), bus_address=address)


def test_close_stops_the_bus_thread(
    notification_stub: NotificationService, freedesktop: Callable[[NotificationService], FreedesktopNotifier]
) -> None:
    before = set(threading.enumerate())
    notifier = freedesktop(notification_stub)
    notifier.notify("New mention", "body", conversation_id=7)
    notification_stub.wait_for_calls(1)
    assert WORKER_THREAD in {thread.name for thread in threading.enumerate()}

    notifier.close()

    assert set(threading.enumerate()) == before


def test_build_notifier_prefers_the_desktop_server(
    notification_stub: NotificationService, clicks: Clicks, notifiers: list[Notifier]
) -> None:
    notifier = build_notifier(clicks, None, bus_address=notification_stub.address)
    notifiers.append(notifier)

    notifier.notify("New mention", "body", conversation_id=3)

    assert notifier.name == "freedesktop"
    assert notification_stub.wait_for_calls(1)[0].summary == "New mention"


def test_without_a_bus_the_chain_falls_back_to_log_and_says_why(
    qtbot: QtBot, tmp_path: Path, clicks: Clicks, notifiers: list[Notifier], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    tray = QSystemTrayIcon()

    notifier = build_notifier(clicks, tray, bus_address=f"unix:path={tmp_path}/no-bus")
    notifiers.append(notifier)

    assert isinstance(notifier, LogNotifier)
    reasons = [record.getMessage() for record in caplog.records if record.levelno == logging.INFO]
    assert any(
        reason.startswith("notifications: skipped freedesktop: cannot reach the session bus") for reason in reasons
    )
    assert any(reason.startswith("notifications: skipped tray: no system tray") for reason in reasons)
    assert "notifications: using log" in reasons


def test_without_a_bus_the_chain_uses_the_tray_when_one_is_running(
    qtbot: QtBot, tmp_path: Path, clicks: Clicks, notifiers: list[Notifier], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))

    notifier = build_notifier(clicks, QSystemTrayIcon(), bus_address=f"unix:path={tmp_path}/no-bus")
    notifiers.append(notifier)

    assert notifier.name == "tray"


def test_tray_notifier_refuses_without_a_tray_host(qtbot: QtBot, clicks: Clicks) -> None:
    with pytest.raises(NotifierUnavailable, match="no system tray"):
        TrayNotifier(QSystemTrayIcon(), ActivationBridge(clicks))


def test_clicking_the_tray_balloon_opens_the_last_conversation(
    qtbot: QtBot, clicks: Clicks, notifiers: list[Notifier]
) -> None:
    tray = QSystemTrayIcon()
    notifier = TrayNotifier(tray, ActivationBridge(clicks), available=lambda: True)
    notifiers.append(notifier)
    notifier.notify("New mention", "first", conversation_id=7)
    notifier.notify("New mention", "second", conversation_id=9)

    tray.messageClicked.emit()

    qtbot.waitUntil(lambda: clicks.conversations == [9], timeout=3000)
    assert clicks.on_gui_thread == [True]


def test_log_notifier_keeps_the_message_body_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)

    LogNotifier().notify("New DM from Ana", "my order number is 12345", conversation_id=4)

    info = [record.getMessage() for record in caplog.records if record.levelno >= logging.INFO]
    debug = [record.getMessage() for record in caplog.records if record.levelno == logging.DEBUG]
    assert info == ["notification: New DM from Ana"]
    assert any("my order number is 12345" in message for message in debug)


def test_a_click_from_another_thread_reaches_the_gui_thread_with_a_64_bit_id(qtbot: QtBot, clicks: Clicks) -> None:
    bridge = ActivationBridge(clicks)
    sender = threading.Thread(target=bridge.activated.emit, args=(2**40,))

    sender.start()
    sender.join()

    qtbot.waitUntil(lambda: clicks.conversations == [2**40], timeout=3000)
    assert clicks.on_gui_thread == [True]


def test_without_a_session_bus_address_the_desktop_adapter_is_unavailable(
    qtbot: QtBot, clicks: Clicks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)

    with pytest.raises(NotifierUnavailable, match="DBUS_SESSION_BUS_ADDRESS is not set"):
        FreedesktopNotifier(ActivationBridge(clicks))
