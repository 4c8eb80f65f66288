"""The GUI's composition root: builds the core, the window, the bridge and the workers, and wires them once."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from socialinbox.paths import AppPaths, paths_in
from socialinbox.sync.scheduler import SyncScheduler
from socialinbox.sync.tasks import BackgroundTasks
from socialinbox.ui.controller import InboxController
from socialinbox.ui.main_window import MainWindow
from socialinbox.ui.notifications import build_notifier
from socialinbox.ui.sync_bridge import SyncBridge
from socialinbox.ui.tray import InboxTray
from socialinbox.wiring import Core, build_core, connect_demo_on_first_start, ensure_demo_account

log = logging.getLogger(__name__)

SNOOZE_CHECK_S = 30
SMOKE_TEST_TIMEOUT_MS = 15_000


def app_icon() -> QIcon:
    icon_file = resources.files("socialinbox") / "resources" / "icons" / "socialinbox.svg"
    return QIcon(str(icon_file))


class InboxApp:
    """Everything the running app holds, created in order and torn down in reverse."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.bridge = SyncBridge()
        self.tasks = BackgroundTasks(self.bridge.publish)
        self.scheduler = SyncScheduler(core.service, core.sender, self.bridge.publish)
        self.window = MainWindow(core.repository, core.clock.now)
        self.window.setWindowIcon(app_icon())
        self.tray = (
            InboxTray(app_icon(), self.window.bring_to_front, self.quit, self.window) if InboxTray.available() else None
        )
        self.controller = InboxController(
            self.bridge,
            self.window,
            core.repository,
            self.tasks,
            notifier=_NullNotifier(),
            send_now=self.scheduler.send_now,
            now=core.clock.now,
        )
        self.notifier = build_notifier(self.controller.open_conversation, self.tray, icon_path=_icon_path())
        self.controller.set_notifier(self.notifier)
        if self.tray is not None:
            self.tray.show()
            self.window.counts_changed = self.tray.set_needs_reply  # type: ignore[method-assign]
            self.window.set_close_to_tray(lambda: True)

    def start(self) -> None:
        accounts = self.core.repository.accounts()
        self.controller.start(accounts)
        self.scheduler.add_tick(
            "snooze", SNOOZE_CHECK_S, lambda: list(self.core.repository.wake_snoozed(self.core.clock.now()))
        )
        self.scheduler.start(accounts)
        self.window.show()
        if self.core.secrets_warning:
            self.window.show_message(self.core.secrets_warning, error=True)

    def quit(self) -> None:
        QApplication.quit()

    def shutdown(self) -> None:
        """Stop the workers before the bridge goes away: emitting into a deleted QObject is the classic crash."""
        self.scheduler.shutdown()
        self.tasks.shutdown()
        self.notifier.close()
        if self.tray is not None:
            self.tray.hide()
        self.core.close()


class _NullNotifier:
    name = "none"

    def notify(self, title: str, body: str, conversation_id: int | None = None) -> None:
        """Replaced by the real notifier once the controller exists."""

    def close(self) -> None:
        """Nothing to release."""


def _icon_path() -> str:
    return str(resources.files("socialinbox") / "resources" / "icons" / "socialinbox.svg")


def run_app(paths: AppPaths, *, demo: bool = False, smoke_test: bool = False) -> int:
    if smoke_test:
        return _smoke_test(paths)
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Social Inbox")
    app.setDesktopFileName("socialinbox")
    app.setQuitOnLastWindowClosed(False)
    core = build_core(paths)
    if demo:
        ensure_demo_account(core)
    else:
        connect_demo_on_first_start(core)
    inbox = InboxApp(core)
    app.aboutToQuit.connect(inbox.shutdown)
    if inbox.tray is None:
        app.setQuitOnLastWindowClosed(True)
    inbox.start()
    return int(app.exec())


def _smoke_test(paths: AppPaths) -> int:
    """Build the whole app offscreen on a throwaway data folder, wait for the demo's first poll, and exit.

    ``paths`` is left untouched on purpose: a smoke test must never write into the owner's real inbox.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory(prefix="socialinbox-smoke-") as folder:
        core = build_core(paths_in(Path(folder)))
        ensure_demo_account(core)
        inbox = InboxApp(core)
        outcome = {"rows": 0}

        def check() -> None:
            outcome["rows"] = inbox.window.inbox_model.rowCount()
            if outcome["rows"] > 0:
                app.quit()

        timer = QTimer()
        timer.timeout.connect(check)
        timer.start(100)
        QTimer.singleShot(SMOKE_TEST_TIMEOUT_MS, app.quit)
        inbox.start()
        app.exec()
        timer.stop()
        inbox.shutdown()
        inbox.window.deleteLater()
    if outcome["rows"] <= 0:
        print("smoke-test FAILED: the demo inbox stayed empty", file=sys.stderr)
        return 1
    print(f"smoke-test ok: {outcome['rows']} conversations shown")
    return 0
