"""The GUI's composition root: builds the core, the window, the bridge and the workers, and wires them once.

A real start paints first (docs/performance.md, B4/B5): the core and the main window with its first page are
built and shown, and everything the first paint does not need (the workers, the scheduler, the answering tools,
notifications, the tray, the accounts menu, Preferences and Help) comes after that paint. Those modules are imported
inside ``InboxApp.build_rest`` for that reason. They, and the core's libraries among them (SQLAlchemy, httpx, the
keyring), are imported first by the task runner (``paint_first.warm_up_the_rest``), so the painted window answers the
owner while they load; the rest is then built here, on the GUI thread, and started on a later turn of the event loop.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from socialinbox.paths import AppPaths
from socialinbox.sentiment import make_analyzer
from socialinbox.storage.problems import StorageUnavailable
from socialinbox.ui.clock_setup import ClockFeature
from socialinbox.ui.gui_gc import GuiThreadCollector
from socialinbox.ui.main_window import MainWindow
from socialinbox.ui.paint_first import WARM_UP_TASK, AfterFirstPaint, on_a_later_turn, warm_up_the_rest
from socialinbox.wiring import Core, build_core, connect_demo_on_first_start, ensure_demo_account

if TYPE_CHECKING:
    from socialinbox.sync.scheduler import SyncScheduler
    from socialinbox.sync.tasks import BackgroundTasks
    from socialinbox.ui.accounts_controller import AccountsController
    from socialinbox.ui.answering import AnsweringController
    from socialinbox.ui.controller import InboxController
    from socialinbox.ui.desktop_features import DesktopFeatures
    from socialinbox.ui.notification_policy import PoliteNotifier
    from socialinbox.ui.sync_bridge import SyncBridge
    from socialinbox.ui.tray import InboxTray

log = logging.getLogger(__name__)


def app_icon() -> QIcon:
    return QIcon(_icon_path())


class InboxApp:
    """Everything the running app holds, created in order and torn down in reverse.

    ``InboxApp(core)`` builds it all at once (the tests, the smoke test); ``run_app`` passes ``paint_first=True``,
    shows ``window`` and calls ``build_rest`` once the window has painted.
    """

    bridge: SyncBridge
    publish: Callable[[object], None]
    tasks: BackgroundTasks
    downloads: BackgroundTasks
    scheduler: SyncScheduler
    tray: InboxTray | None
    controller: InboxController
    answering: AnsweringController
    notifier: PoliteNotifier
    accounts: AccountsController
    desktop: DesktopFeatures

    def __init__(self, core: Core, *, paint_first: bool = False) -> None:
        self.core = core
        self.built = False
        self.runners_started = False
        self.shut_down = False  # the owner quit: nothing may start after this (see run_app's build_rest)
        self.team_view: QTimer | None = None  # re-reads what a team's other copies changed (a shared database)
        self.collector = GuiThreadCollector()  # Qt objects must never be collected on a worker thread
        self.collector.start(hold=paint_first)  # a paint-first start releases it once the app is whole (run_app)
        self.analyzer = make_analyzer()  # one VADER lexicon for triage, the tone check and the reports
        self.clock = ClockFeature(core, self.analyzer)  # before the workers: they warm its triage cache first
        self.window = MainWindow(self.clock.sources, core.clock.now, composer_later=paint_first)
        if not paint_first:
            self.build_rest()

    def build_rest_after_warm_up(self, then: Callable[[], None]) -> None:
        """A paint-first start's rest without freezing the painted window. The task runner imports the rest's modules
        and makes the engine, the repository, the secret store and the HTTP client (``paint_first.warm_up_the_rest``).
        Then, each on a later turn of the event loop than the one before, so that none freezes the window for long:
        PySide6's copy of the source text is dropped, the rest is built here, on the GUI thread, and ``then`` is
        called. Nothing more happens once the owner has quit. A warm-up that fails changes nothing: ``build_rest``
        meets the same problem and deals with it as it always did."""
        from socialinbox.sync.tasks import TaskResult

        self.window.show_starting()
        self._start_runners()

        def on_report(result: object) -> None:
            if not (isinstance(result, TaskResult) and result.name == WARM_UP_TASK):
                return
            self.bridge.report_ready.disconnect(on_report)
            if result.error:
                log.warning("warming up the rest of the app failed: %s", result.error)
            if self.shut_down:
                return
            on_a_later_turn(self.window, build)

        def build() -> None:
            if self.shut_down:
                return
            try:
                self.build_rest()
            except StorageUnavailable as error:  # locked, full or read-only since the first screen was read
                tell_the_inbox_cannot_open(error, self.window)
                QApplication.exit(1)
                return
            on_a_later_turn(self.window, start)

        def start() -> None:
            if not self.shut_down:
                then()

        self.bridge.report_ready.connect(on_report)
        self.tasks.run(WARM_UP_TASK, lambda: warm_up_the_rest(self.core))

    def _start_runners(self) -> None:
        """The bridge and the two task runners: the one door between threads, and what a warm-up runs on."""
        from socialinbox.sync.tasks import BackgroundTasks
        from socialinbox.ui.sync_bridge import SyncBridge

        if self.runners_started:
            return
        self.bridge = SyncBridge()
        self.publish = publish = self.clock.publish_through(self.bridge.publish)  # every result: through the clock
        self.tasks = BackgroundTasks(publish)
        # Long jobs that only read (an e-mail attachment may be megabytes on a slow line; a report over a month of a
        # big inbox takes a second) run apart, so the owner's actions and opening a conversation never wait behind one.
        self.downloads = BackgroundTasks(publish)
        # VADER's lexicon (25 ms) is read here, off the GUI thread, before the first complaint check or tone check
        # asks for it there; on the download runner, which is idle at start, so no owner action waits behind it.
        self.downloads.run("load-sentiment", self._load_analyzer)
        self.runners_started = True

    def build_rest(self) -> None:
        """The workers and every feature the first paint does not need; imported here so a start skips them."""
        from socialinbox.sync.scheduler import SyncScheduler
        from socialinbox.template_store import TemplateStore
        from socialinbox.ui.accounts_controller import AccountsController
        from socialinbox.ui.answering import AnsweringController
        from socialinbox.ui.controller import InboxController
        from socialinbox.ui.desktop_features import DesktopFeatures
        from socialinbox.ui.notification_policy import PoliteNotifier
        from socialinbox.ui.notifications import build_notifier
        from socialinbox.ui.tray import InboxTray

        core = self.core
        # One icon for the window, the tray and the dialogs, made with the rest: QIcon's class and the SVG reader
        # were 0.6% of the start's instructions before the first paint (B4); the taskbar has it a moment later.
        icon = app_icon()
        self.window.setWindowIcon(icon)
        self.window.install_composer()
        self._start_runners()
        self.scheduler = SyncScheduler(core.service, core.sender, self.publish)
        self.tray = (
            InboxTray(icon, self.window.bring_to_front, self.quit, self.window) if InboxTray.available() else None
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
        self.answering = AnsweringController(
            self.window,
            core.repository,
            self.tasks,
            TemplateStore.in_folder(core.paths.config_dir),
            settings=lambda: self.core.settings,
            send_now=self.scheduler.send_now,
            now=core.clock.now,
            bridge=self.bridge,
            analyzer=self.analyzer,
        )
        # On, off, quiet hours and sound are the owner's preferences, read at each notification.
        self.notifier = PoliteNotifier(
            build_notifier(
                self.controller.open_conversation,
                self.tray,
                icon_path=_icon_path(),
                on_done=self.controller.on_done_requested,
            ),
            settings=lambda: self.core.settings,
            now=core.clock.now,
        )
        self.controller.set_notifier(self.notifier)
        self.clock.attach(self)
        # Accounts menu: add, connection details, one-click reconnect (polling resumes), remove.
        self.accounts = AccountsController(
            core, self.window, self.scheduler, self.bridge, refresh_counts=self.controller.refresh_counts
        )
        # E-mail attachments: "Save attachment…" in the conversation pane, fetched and saved off the GUI thread.
        from socialinbox.ui.attachment_actions import AttachmentActions

        self.attachments = AttachmentActions.for_core(core, self.window, self.bridge, self.downloads)
        if self.tray is not None:
            self.tray.show()
            self.window.needs_reply_counted.connect(self.tray.set_needs_reply)
            self.window.set_close_to_tray(lambda: True)
        # Preferences, Help, closing to the tray (with its one-time note), start at login, second starts.
        self.desktop = DesktopFeatures(self, icon)
        self.built = True

    def _load_analyzer(self) -> None:
        self.analyzer.load()

    def start(self, *, show: bool = True) -> None:
        """``show=False``: the window was shown already (a paint-first start), and may have been hidden since."""
        from socialinbox.sync.reminders import CLOCK_TICK_S
        from socialinbox.ui.controller import TEAM_REFRESH_S

        accounts = self.core.repository.accounts()
        self.controller.start(accounts)
        # The clock's tick wakes snoozes, fires reminders once each and queues away replies.
        assert self.clock.tick is not None, "build_rest attaches the clock"
        self.scheduler.add_tick("clock", CLOCK_TICK_S, self.clock.tick)
        self.clock.start(self)
        self.scheduler.start(accounts)
        if self.core.database_url is not None:  # a team's shared database: other copies change it too
            self.controller.follow_the_team()
            self.team_view = QTimer(self.window)
            self.team_view.setInterval(TEAM_REFRESH_S * 1000)
            self.team_view.timeout.connect(self.controller.refresh_from_the_team)
            self.team_view.start()
        if show:
            self.window.show()
        if self.core.secrets_warning:
            self.window.show_message(self.core.secrets_warning, error=True)
        # Chosen in the list while the rest was being built, when nothing was there to open it yet.
        chosen = self.window.chosen_conversation_id()
        if chosen is not None and self.window.pane.expected_id is None:
            self.controller.on_conversation_opened(chosen)
        self.window.hide_starting()
        self.window.app_started.emit()

    def quit(self) -> None:
        QApplication.quit()

    def shutdown(self) -> None:
        """Stop the workers before the bridge goes away: emitting into a deleted QObject is the classic crash."""
        self.shut_down = True
        if self.team_view is not None:
            self.team_view.stop()  # it would hand the task runner work after it has stopped
        if self.built:
            self.scheduler.shutdown()
        if self.runners_started:  # a quit during the warm-up waits for it here
            self.tasks.shutdown()
            self.downloads.shutdown()
        if self.built:
            self.notifier.close()
            if self.tray is not None:
                self.tray.hide()
        self.clock.keep_priorities()
        self.core.close()
        self.collector.stop()


class _NullNotifier:
    name = "none"

    def notify(self, title: str, body: str, conversation_id: int | None = None) -> None:
        """Replaced by the real notifier once the controller exists."""

    def close(self) -> None:
        """Nothing to release."""


def tell_the_inbox_cannot_open(error: StorageUnavailable, parent: QWidget | None) -> None:
    """The owner's one message when the database cannot be used (it says why and what to do); the app then ends."""
    QMessageBox.critical(parent, "Social Inbox cannot open its inbox", str(error))


def _icon_path() -> str:
    from importlib import resources  # read after the first paint, so a start does not import it before (B4)

    return str(resources.files("socialinbox") / "resources" / "icons" / "socialinbox.svg")


def run_app(
    paths: AppPaths, *, demo: bool = False, smoke_test: bool = False, open_conversation: int | None = None
) -> int:
    if smoke_test:
        from socialinbox.ui.smoke_test import run_smoke_test

        return run_smoke_test()
    from socialinbox.ui.instance_lock import FolderLock
    from socialinbox.ui.theme import ThemeFollower

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName("Social Inbox")
    app.setDesktopFileName("socialinbox")
    app.setQuitOnLastWindowClosed(False)
    # A second start on the same data folder hands its request to the running copy and ends here.
    lock = FolderLock(paths)
    if not lock.take():
        from socialinbox.ui.single_instance import HAND_OVER_WAIT_S, hand_over, startup_request

        if hand_over(paths, startup_request(demo=demo, open_conversation=open_conversation)):
            return 0
        log.warning(
            "another copy holds %s but did not answer in %.0f s; opening anyway (if that copy is stuck, end it and "
            "start again)",
            paths.instance_lock,
            HAND_OVER_WAIT_S,
        )
    try:
        core = build_core(paths, first_screen=True)  # the repository opens after the first paint, if it can
    except StorageUnavailable as error:  # locked, full, read-only, or an upgrade that failed and was undone
        tell_the_inbox_cannot_open(error, None)
        return 1
    if demo:
        ensure_demo_account(core)
    else:
        connect_demo_on_first_start(core)
    theme = ThemeFollower(app)  # before the first paint: it may switch the style and the palette
    inbox = InboxApp(core, paint_first=True)
    inbox.window.set_accounts(core.accounts())  # the left column is whole at once (counts follow)
    app.aboutToQuit.connect(inbox.shutdown)
    inbox.window.show()
    session: list[QObject] = []

    def build_rest() -> None:
        if inbox.shut_down:  # quit before the rest was built (its timer can still fire): start no workers now
            return
        inbox.build_rest_after_warm_up(then=start_the_rest)

    def start_the_rest() -> None:
        from socialinbox.ui.desktop_features import start_desktop_session  # Preferences, Help: after the paint

        session.extend(start_desktop_session(app, inbox, theme=theme))  # crash notice, later starts
        if inbox.tray is None:
            app.setQuitOnLastWindowClosed(True)
        inbox.start(show=False)
        # Everything built so far lives as long as the app: keep it out of the garbage collector's full passes,
        # which otherwise held the GIL (and so the window) for 100-500 ms while a big sync landed (B6).
        inbox.collector.release()
        if open_conversation is not None:
            inbox.controller.open_conversation(open_conversation)

    waiter = AfterFirstPaint(inbox.window.inbox.viewport(), build_rest)
    code = int(app.exec())
    session.clear()  # the crash handler and the single-instance server go before the core's last references
    del waiter
    lock.release()
    return code
