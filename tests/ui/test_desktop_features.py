"""Preferences built from settings.py, the tray note, start at login from Preferences, Help, the crash notice,
and notifications with "Mark done", sound and quiet hours against the stub notification service."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QSpinBox, QWidget
from pytestqt.qtbot import QtBot

from socialinbox.autostart import XdgAutostart
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.settings import Settings, load_settings
from socialinbox.ui.app import InboxApp
from socialinbox.ui.desktop_features import TRAY_NOTE, CrashNotice
from socialinbox.ui.dialogs.preferences_dialog import PreferencesDialog, preference_fields
from socialinbox.ui.notification_policy import PoliteNotifier
from socialinbox.ui.notifications import ActivationBridge, FreedesktopNotifier
from socialinbox.ui.single_instance import Request
from socialinbox.wiring import build_core
from tests.notification_stub import NotificationService
from tests.ui.notification_support import ListNotifier

EDITOR_BY_TYPE = {bool: QCheckBox, int: QSpinBox, str: QLineEdit}


@pytest.fixture
def inbox(tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[InboxApp]:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    app = InboxApp(build_core(paths_in(tmp_path / "shop"), secrets=MemorySecretStore()))
    app.desktop.autostart = XdgAutostart(tmp_path / "config")
    qtbot.addWidget(app.window)
    yield app
    app.shutdown()


def test_every_preference_field_gets_an_editor_of_its_type_under_its_section(qtbot: QtBot) -> None:
    dialog = PreferencesDialog(Settings())
    qtbot.addWidget(dialog)
    types = {field.name: field.type for field in dataclasses.fields(Settings)}
    assert set(dialog.editors) == {field.name for field in preference_fields()}
    for name, editor in dialog.editors.items():
        expected = EDITOR_BY_TYPE.get(eval(types[name]) if isinstance(types[name], str) else types[name], QLabel)
        assert isinstance(editor.widget, expected), name
        assert editor.widget.accessibleName()
    sections = [dialog.tabs.tabText(index) for index in range(dialog.tabs.count())]
    assert sections == list(dict.fromkeys(field.metadata["section"] for field in preference_fields()))
    assert "demo_offered" not in dialog.editors and "close_to_tray_explained" not in dialog.editors


def test_preferences_round_trip_through_the_dialog(qtbot: QtBot) -> None:
    dialog = PreferencesDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.editors["response_target_minutes"].set_value(45)
    dialog.editors["start_at_login"].widget.setChecked(True)
    dialog.editors["quiet_hours"].widget.setText("22:00-07:00")
    dialog.accept()
    assert dialog.result() == PreferencesDialog.DialogCode.Accepted
    chosen = dialog.settings()
    assert (chosen.response_target_minutes, chosen.start_at_login, chosen.quiet_hours) == (45, True, "22:00-07:00")
    again = PreferencesDialog(chosen)
    qtbot.addWidget(again)
    assert again.settings() == chosen


def test_bad_quiet_hours_keep_the_dialog_open_and_say_why(qtbot: QtBot) -> None:
    dialog = PreferencesDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.editors["quiet_hours"].widget.setText("after nine")
    dialog.accept()
    assert dialog.isVisible() and "Quiet hours" in dialog.error.text()
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Notifications"


def test_a_custom_editor_can_be_registered_for_a_field(qtbot: QtBot) -> None:
    class ZoneEditor:
        def __init__(self, field: dataclasses.Field[Any], parent: QWidget) -> None:
            self.widget = QComboBox(parent)
            self.widget.addItems(["", "Europe/Berlin", "Europe/Lisbon"])

        def value(self) -> str:
            return self.widget.currentText()

        def set_value(self, value: Any) -> None:
            self.widget.setCurrentText(str(value))

    dialog = PreferencesDialog(Settings(time_zone="Europe/Lisbon"), editors={"time_zone": ZoneEditor})
    qtbot.addWidget(dialog)
    assert isinstance(dialog.editors["time_zone"].widget, QComboBox)
    assert dialog.settings().time_zone == "Europe/Lisbon"


def test_turning_on_start_at_login_writes_the_autostart_entry_and_saves(inbox: InboxApp, tmp_path: Path) -> None:
    inbox.desktop.apply_settings(dataclasses.replace(inbox.core.settings, start_at_login=True))
    entry = tmp_path / "config" / "autostart" / "socialinbox.desktop"
    assert entry.is_file()
    assert load_settings(inbox.core.paths.settings_file).start_at_login is True
    inbox.desktop.apply_settings(dataclasses.replace(inbox.core.settings, start_at_login=False))
    assert not entry.exists()


def test_first_close_to_the_tray_explains_once(inbox: InboxApp, qtbot: QtBot) -> None:
    assert inbox.desktop.close_to_tray() is True
    note = inbox.desktop.tray_note
    assert note is not None and note.text() == TRAY_NOTE
    note.close()
    inbox.desktop.tray_note = None
    assert inbox.desktop.close_to_tray() is True
    assert inbox.desktop.tray_note is None  # not twice
    assert load_settings(inbox.core.paths.settings_file).close_to_tray_explained is True


def test_closing_really_quits_when_the_owner_turned_the_tray_off(inbox: InboxApp) -> None:
    inbox.desktop.apply_settings(dataclasses.replace(inbox.core.settings, close_to_tray=False))
    assert inbox.desktop.close_to_tray() is False


def test_help_menu_has_about_and_both_folders(inbox: InboxApp, qtbot: QtBot) -> None:
    titles = [action.text() for action in inbox.window.menu_named("&Help").actions()]
    assert {"Open &data folder", "Open &log folder"} <= set(titles)
    about = inbox.desktop.open_about()
    assert {"Data folder", "Log folder"} == set(about.folder_buttons)
    assert str(inbox.core.paths.data_dir) in " ".join(label.text() for label in about.findChildren(QLabel))
    about.close()


def test_a_second_start_asking_for_the_demo_connects_it_once(inbox: InboxApp) -> None:
    inbox.desktop.on_request(Request("demo"))
    inbox.desktop.on_request(Request("demo"))
    assert [account.platform.value for account in inbox.core.repository.accounts()] == ["demo"]


def test_crash_notice_offers_to_open_the_report_folder(qtbot: QtBot, tmp_path: Path) -> None:
    opened: list[Path] = []
    notice = CrashNotice(open_folder_=opened.append)
    notice.reported.emit(str(tmp_path / "crash-1.txt"))
    qtbot.waitUntil(lambda: notice.box is not None)
    assert notice.box is not None
    assert "without your messages" in notice.box.text()
    [open_button] = [b for b in notice.box.buttons() if b.text() == "Open folder"]
    open_button.click()
    assert opened == [tmp_path]


# --- notifications ------------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, conversation_id: int) -> None:
        self.calls.append(conversation_id)


def test_mark_done_button_reaches_the_app_on_servers_with_actions(
    qtbot: QtBot, notification_stub: NotificationService
) -> None:
    opened, done = Recorder(), Recorder()
    notifier = FreedesktopNotifier(ActivationBridge(opened, on_done=done), bus_address=notification_stub.address)
    try:
        notifier.notify("New mention", "Is the blue mug back?", conversation_id=7)
        [call] = notification_stub.wait_for_calls(1)
        assert call.actions == ("default", "Open", "mark-done", "Mark done")
        assert call.hints.get("suppress-sound") is True
        notification_stub.click(call.id, "mark-done")
        qtbot.waitUntil(lambda: done.calls == [7], timeout=5000)
        assert opened.calls == []
    finally:
        notifier.close()


def test_no_buttons_where_the_server_has_no_actions(qtbot: QtBot) -> None:
    from tests.notification_stub import notification_service

    with notification_service(capabilities=("body",)) as service:
        notifier = FreedesktopNotifier(ActivationBridge(Recorder(), on_done=Recorder()), bus_address=service.address)
        try:
            notifier.notify("New mention", "Hello", conversation_id=3)
            [call] = service.wait_for_calls(1)
            assert "mark-done" not in call.actions
        finally:
            notifier.close()


def test_quiet_hours_hold_notifications_back_and_sound_follows_the_preference() -> None:
    inner = ListNotifier()
    settings = Settings(quiet_hours="21:00-07:00", notification_sound=True, time_zone="Europe/Lisbon")
    moment = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 22:30 in Lisbon (UTC+0 in November)
    polite = PoliteNotifier(inner, settings=lambda: settings, now=lambda: moment)
    polite.notify("at night", "…", 1)
    assert inner.shown == []
    moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    polite.notify("in the morning", "…", 1)
    assert inner.shown == [("in the morning", True)]


def test_notifications_turned_off_show_nothing() -> None:
    inner = ListNotifier()
    polite = PoliteNotifier(
        inner, settings=lambda: Settings(notifications_enabled=False), now=lambda: datetime.now(UTC)
    )
    polite.notify("title", "body", 1)
    assert inner.shown == []


def test_sound_hint_is_sent_when_the_owner_wants_sound(notification_stub: NotificationService) -> None:
    notifier = FreedesktopNotifier(ActivationBridge(Recorder()), bus_address=notification_stub.address)
    try:
        notifier.sound = True
        notifier.notify("New mention", "Hi", conversation_id=1)
        [call] = notification_stub.wait_for_calls(1)
        assert call.hints.get("sound-name") == "message-new-instant"
    finally:
        notifier.close()


def test_focus_ring_and_palette_follow_the_scheme(qtbot: QtBot) -> None:
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from socialinbox.ui.theme import FOCUS_STYLE, apply_color_scheme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.palette(), app.styleSheet()
    try:
        apply_color_scheme(app, Qt.ColorScheme.Dark)
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 64
        assert FOCUS_STYLE in app.styleSheet()
        apply_color_scheme(app, Qt.ColorScheme.Light)
        assert app.palette().color(QPalette.ColorRole.Window).lightness() > 192
    finally:
        app.setPalette(before[0])
        app.setStyleSheet(before[1])
