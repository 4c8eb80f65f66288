"""Being a good desktop citizen, wired onto the running app: Preferences, Help (About, folders), closing to the
tray with a one-time note, start at login, requests from a second start, and the crash notice."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from socialinbox.autostart import Autostart, apply_start_at_login, autostart_for
from socialinbox.crash import CrashHandler
from socialinbox.logging_setup import CRASH_FOLDER
from socialinbox.settings import Settings, save_settings
from socialinbox.ui.dialogs.about_dialog import AboutDialog, open_folder
from socialinbox.ui.dialogs.preferences_dialog import PreferencesDialog
from socialinbox.ui.single_instance import Request, listen_for_later_starts
from socialinbox.ui.theme import ThemeFollower
from socialinbox.wiring import ensure_demo_account

if TYPE_CHECKING:
    from socialinbox.ui.app import InboxApp

log = logging.getLogger(__name__)

TRAY_NOTE = (
    "Social Inbox keeps running in the tray, so it can tell you when a customer writes.\n\n"
    "Click the tray icon to open the window again; choose Quit in its menu (or press Ctrl+Q) to stop it."
)


class DesktopFeatures(QObject):
    """Adds the menus and behaviours to ``inbox`` (an InboxApp); ``autostart`` defaults to this platform's kind."""

    def __init__(self, inbox: InboxApp, icon: QIcon, *, autostart: Autostart | None = None) -> None:
        super().__init__(inbox.window)
        self._inbox = inbox
        self._icon = icon
        self.autostart = autostart or autostart_for()
        self.tray_note: QMessageBox | None = None
        window = inbox.window
        self.preferences_action = window.add_menu_action(
            "&File", "&Preferences…", "Ctrl+,", "Change Social Inbox's settings (Ctrl+,)", self.open_preferences
        )
        self.preferences_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.data_folder_action = window.add_menu_action(
            "&Help", "Open &data folder", "", "Show the folder with the messages database", self.open_data_folder
        )
        self.log_folder_action = window.add_menu_action(
            "&Help", "Open &log folder", "", "Show the folder with the logs and crash reports", self.open_log_folder
        )
        self._replace_about()
        if inbox.tray is not None:
            window.set_close_to_tray(self.close_to_tray)

    @property
    def settings(self) -> Settings:
        return self._inbox.core.settings

    # --- Help ------------------------------------------------------------------------------

    def _replace_about(self) -> None:
        for action in self._inbox.window.menu_named("&Help").actions():
            if action.text().startswith("&About"):
                action.triggered.disconnect()
                action.triggered.connect(self.open_about)

    def open_about(self) -> AboutDialog:
        dialog = AboutDialog(self._inbox.core.paths, self._icon, self._inbox.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_data_folder(self) -> None:
        open_folder(self._inbox.core.paths.data_dir)

    def open_log_folder(self) -> None:
        open_folder(self._inbox.core.paths.log_dir)

    # --- Preferences -----------------------------------------------------------------------

    def open_preferences(self) -> PreferencesDialog:
        dialog = PreferencesDialog(self.settings, parent=self._inbox.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.apply_settings(dialog.settings()))
        dialog.open()
        return dialog

    def apply_settings(self, settings: Settings) -> None:
        """Store the new settings and make the ones that act outside the app (start at login) true now."""
        previous = self.settings
        self._update(settings)
        if settings.start_at_login != previous.start_at_login or settings.start_at_login:
            try:
                apply_start_at_login(self.autostart, settings.start_at_login)
            except OSError as error:
                log.warning("could not change start at login: %s", error)
                self._inbox.window.show_message(f"Could not change start at login: {error}", error=True)

    def _update(self, settings: Settings) -> None:
        self._inbox.core.settings = settings
        save_settings(self._inbox.core.paths.settings_file, settings)

    # --- the tray --------------------------------------------------------------------------

    def close_to_tray(self) -> bool:
        """Asked by the window as it closes: hide to the tray? The first time, say what happened."""
        if not self.settings.close_to_tray:
            return False
        if not self.settings.close_to_tray_explained:
            self._update(dataclasses.replace(self.settings, close_to_tray_explained=True))
            self.tray_note = QMessageBox(QMessageBox.Icon.Information, "Still running", TRAY_NOTE)
            self.tray_note.setWindowIcon(self._icon)
            self.tray_note.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.tray_note.show()
        return True

    # --- a second start --------------------------------------------------------------------

    def add_demo_shop(self) -> None:
        """``--demo`` from a second start: connect the demo shop (once) and start polling it. One small insert on
        the GUI thread, as at start-up, where the same call runs before the window exists."""
        repository = self._inbox.core.repository
        known = {account.id for account in repository.accounts()}
        account = ensure_demo_account(self._inbox.core)
        if account.id not in known:
            self._inbox.scheduler.add_account(account)
            self._inbox.controller.start(repository.accounts())

    @Slot(object)
    def on_request(self, request: Request) -> None:
        """What a later start asked for; the window comes forward in every case."""
        if request.command == "demo":
            self.add_demo_shop()
        self._inbox.window.bring_to_front()
        if request.command == "open-conversation" and request.conversation_id is not None:
            self._inbox.controller.open_conversation(request.conversation_id)


class CrashNotice(QObject):
    """Carries a written crash report from whichever thread crashed to a message on the GUI thread.

    Signals:
        reported(str): a report was written at this path (emit from any thread).
    """

    reported = Signal(str)

    def __init__(self, open_folder_: Callable[[Path], object] = open_folder, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open_folder = open_folder_
        self.box: QMessageBox | None = None
        self.reported.connect(self._on_reported, Qt.ConnectionType.QueuedConnection)

    @Slot(str)
    def _on_reported(self, path: str) -> None:
        if self.box is not None and self.box.isVisible():
            return  # one notice at a time, however many errors follow the first
        report = Path(path)
        self.box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Something went wrong",
            "Social Inbox hit an unexpected error and wrote a report (without your messages or sign-ins):\n"
            f"{report}\n\nYou can keep working. Sending the report to the developers helps fix it.",
        )
        open_button = self.box.addButton("Open folder", QMessageBox.ButtonRole.ActionRole)
        self.box.addButton(QMessageBox.StandardButton.Close)
        open_button.clicked.connect(lambda: self._open_folder(report.parent))
        self.box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.box.destroyed.connect(self._forget)
        self.box.open()

    def _forget(self) -> None:
        self.box = None


def start_desktop_session(app: QApplication, inbox: InboxApp, *, theme: ThemeFollower | None = None) -> list[QObject]:
    """Theme, crash notice and single-instance hand-over for a real start; returns what must stay alive.
    ``theme``: the follower ``run_app`` made before its first paint (so the style is right from the start)."""
    theme = theme or ThemeFollower(app)
    notice = CrashNotice()
    crash = CrashHandler(
        inbox.core.paths.log_dir / CRASH_FOLDER, on_report=lambda path: notice.reported.emit(str(path))
    )
    crash.install()
    app.aboutToQuit.connect(crash.uninstall)
    keep: list[QObject] = [theme, notice]
    instance = listen_for_later_starts(inbox.core.paths, inbox.desktop.on_request)
    app.aboutToQuit.connect(instance.close)
    keep.append(instance)
    return keep
