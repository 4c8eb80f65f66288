"""Runs in its own process for the GUI benchmarks (B4-B8) and prints one ``RESULT {json}`` line.

    python -m bench.app_probe bare  --t0 T [--scroll N] [--with-libraries] [--qt-classes C,...]   a bare PySide6
                                                                 window, an empty list
    python -m bench.app_probe app   --t0 T --data-dir D [--scroll N] [--until-started]   the real app, started as
                                                                 the ``socialinbox`` command starts it
    python -m bench.app_probe sync  --data-dir D --messages N    the app while a poll lands N messages (B6)
    python -m bench.app_probe run   --data-dir D                 the real app, window closed to the tray (B7, B8)
    python -m bench.app_probe imports                            time and memory of each group of imports

``--t0`` is the parent's ``time.time()`` just before it started this process, so start times include the
interpreter's own start and every import. The first paint is the first Paint event of the list's viewport (with rows,
for the app). ``--scroll N`` then waits until the whole app has started, scrolls the list to its end until N rows
are loaded, and reports the resident memory. ``--until-started`` reports when the whole app had started after the
paint and the longest freeze of the painted window until then (a 2 ms heartbeat on the GUI thread). Without either,
the probe ends at the paint and also reports the PySide6 classes made by then (``qt_classes``), which ``bare
--qt-classes`` makes before its own window (B4's second reference).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

# httpx imports the libraries of its own command line (rich, pygments, click) whenever they are installed, as they are
# in the test environment (for pip-audit and import-linter): 5.7 MB and 0.08 s. The packaged app leaves them out
# (packaging/socialinbox.spec) and an install from source has none, so the probes measure the app as owners get it.
for _absent in ("rich", "pygments", "click"):
    sys.modules.setdefault(_absent, None)  # type: ignore[assignment]

# The ``socialinbox`` command imports its own module, and the core it needs, before PySide6 (the window's modules come
# in ``run_app``). The probe keeps that order: PySide6's import hook reads the source of every module imported after
# it (``shibokensupport.feature``), so importing Qt first would charge the app about 40 M instructions (3%) that a
# real start does not pay.
if sys.argv[1:2] == ["app"]:
    import socialinbox.cli  # noqa: F401

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QListView, QMainWindow, QWidget  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def trimmed_rss_mb() -> float:
    """Resident memory once glibc has handed its free heap pages back (what the allocator keeps, not the app)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        return float("nan")
    return rss_mb()


QT_MODULES = ("QtCore", "QtGui", "QtWidgets", "QtNetwork")


def qt_classes_made() -> list[str]:
    """The PySide6 classes this process has created so far ("QtGui.QFont"). PySide6 creates each class, and every
    enum in it, on first use; a module's namespace holds only the classes made."""
    made = []
    for module in QT_MODULES:
        namespace = sys.modules.get(f"PySide6.{module}")
        if namespace is not None:
            made += [f"{module}.{name}" for name, value in vars(namespace).items() if isinstance(value, type)]
    return sorted(made)


def make_qt_classes(names: list[str]) -> None:
    """Create the named PySide6 classes (and with them their enums), as using them first would."""
    import importlib

    for name in names:
        module, _, class_name = name.partition(".")
        getattr(importlib.import_module(f"PySide6.{module}"), class_name)


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def report(**values: Any) -> None:
    print("RESULT " + json.dumps(values), flush=True)


class FirstPaint(QObject):
    """Calls ``then(view)`` once, at the first Paint of a list viewport that ``wanted(view)`` accepts."""

    def __init__(self, wanted: Callable[[QListView], bool], then: Callable[[QListView], None]) -> None:
        super().__init__()
        self._wanted = wanted
        self._then = then
        self._done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 -- a Qt override
        if not self._done and event.type() == QEvent.Type.Paint and isinstance(watched, QWidget):
            view = watched.parent()
            if isinstance(view, QListView) and view.viewport() is watched and self._wanted(view):
                self._done = True
                self._then(view)
        return False


class Heartbeat(QObject):
    """A timer on the GUI thread: the longest gap between its beats is the longest freeze the owner would feel."""

    def __init__(self, interval_ms: int = 2) -> None:
        from PySide6.QtCore import Qt

        super().__init__()
        self.longest = 0.0
        self._last = time.perf_counter()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._beat)
        self._timer.start(interval_ms)

    def _beat(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def restart(self) -> float:
        """The longest gap since the last restart, in ms, counting the one still open now; starts a new stretch."""
        now = time.perf_counter()
        longest, self.longest, self._last = max(self.longest, now - self._last), 0.0, now
        return longest * 1000


def wait_until_started(view: QListView, limit_s: float = 120) -> float | None:
    """Run the event loop until the app says it is whole (``MainWindow.app_started``); the time.time() then, or
    None for a window without that signal (the bare one) or one that never said it."""
    signal = getattr(view.window(), "app_started", None)
    if signal is None:
        return None
    started: list[float] = []
    loop = QEventLoop()
    signal.connect(lambda: (started.append(time.time()), loop.quit()))
    QTimer.singleShot(int(limit_s * 1000), loop.quit)
    loop.exec()
    return started[0] if started else None


def scroll_through(view: QListView, rows: int, app: QApplication) -> int:
    """Scroll to the end again and again, as the owner would, until ``rows`` are loaded or there are no more."""
    model = view.model()
    stalled = 0
    while model.rowCount() < rows and stalled < 3:
        before = model.rowCount()
        view.scrollToBottom()
        app.processEvents()
        while getattr(model, "page_on_its_way", False):  # the app reads later pages on its task runner
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
        if model.rowCount() == before:
            if not model.canFetchMore(view.rootIndex()):
                stalled += 1
            else:
                model.fetchMore(view.rootIndex())  # the view only asks when its scroll bar moves
    for row in range(0, model.rowCount(), 50):  # and look at every row on the way, as painting does
        view.scrollTo(model.index(row, 0))
        app.processEvents()
    return int(model.rowCount())


def _longest_list(view: QListView) -> QListView:
    """Switch the app's inbox to "Done", the list with thousands of rows (the bare window has just its own)."""
    window = view.window()
    navigation, entries = getattr(window, "navigation", None), getattr(window, "navigation_model", None)
    if navigation is None or entries is None:
        return view
    from socialinbox.storage.paging import InboxView

    navigation.setCurrentIndex(entries.index(entries.row_for_view(InboxView.DONE)))
    QApplication.processEvents()
    return view


def after_paint(args: argparse.Namespace, app: QApplication, started: float) -> Callable[[QListView], None]:
    def then(view: QListView) -> None:
        result: dict[str, Any] = {"first_paint_s": time.time() - args.t0, "in_process_s": time.perf_counter() - started}
        if args.until_started or args.scroll:
            # On the event loop's next turn, not inside this paint event: the app goes on as it would.
            heartbeat = Heartbeat()
            QTimer.singleShot(0, lambda: go_on(view, result, heartbeat))
            return
        result["rows"] = view.model().rowCount()
        result["qt_classes"] = qt_classes_made()  # only where the probe ends at the paint: what the paint needed
        finish(result)

    def go_on(view: QListView, result: dict[str, Any], heartbeat: Heartbeat) -> None:
        whole = wait_until_started(view)  # memory, too, is measured with the whole app there
        result["after_paint_max_gap_ms"] = heartbeat.restart()
        result["started_s"] = None if whole is None else whole - args.t0
        if args.scroll:
            view = _longest_list(view)
            result["rows"] = scroll_through(view, args.scroll, app)
            result["rss_mb"] = rss_mb()
            result["rss_trimmed_mb"] = trimmed_rss_mb()
        else:
            result["rows"] = view.model().rowCount()
        finish(result)

    def finish(result: dict[str, Any]) -> None:
        report(**result)
        sys.stdout.flush()
        if args.quit:  # as the owner quits, so the app keeps what it keeps for its next start (triage priorities)
            QTimer.singleShot(0, app.quit)
            return
        os._exit(0)  # the figure is taken; tearing down is not part of it

    return then


# What the mission prescribes for storage, the network and secrets: SQLModel on SQLAlchemy, httpx, keyring.
PRESCRIBED_LIBRARIES = ("sqlalchemy", "sqlalchemy.orm", "sqlmodel", "httpx", "keyring")


def run_bare(args: argparse.Namespace, started: float) -> None:
    """``--with-libraries``: the prescribed libraries imported first (and the keyring's backend chosen, as the app's
    secret store does), so the difference to the app is the app's own share (B5). ``--qt-classes``: the named PySide6
    classes created first (those the real window had made by its paint), so the difference to the app is what the app
    does beyond using the same Qt classes (B4)."""
    from PySide6.QtCore import QStringListModel

    if args.qt_classes:
        make_qt_classes(args.qt_classes.split(","))

    if args.with_libraries:
        import builtins
        import importlib

        # Without PySide6's feature hook, as the app imports them (socialinbox/ui/__init__.py): the hook would read
        # every library's source into linecache, about 20 MB the app does not pay.
        if builtins.__import__ is getattr(builtins, "__feature_import__", None):
            builtins.__import__ = builtins.__orig_import__  # type: ignore[attr-defined]
        for module in PRESCRIBED_LIBRARIES:
            importlib.import_module(module)
        importlib.import_module("keyring").get_keyring()
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.resize(1200, 760)
    view = QListView(window)
    view.setModel(QStringListModel([], view))
    window.setCentralWidget(view)
    watcher = FirstPaint(lambda _view: True, after_paint(args, app, started))  # kept: Qt does not own filters
    app.installEventFilter(watcher)
    window.show()
    app.exec()


def run_app(args: argparse.Namespace, started: float) -> None:
    app = QApplication(sys.argv)  # run_app takes the existing instance, so the filter sees every event

    def is_inbox(view: QListView) -> bool:
        return view.accessibleName() == "Conversations" and view.model().rowCount() > 0

    watcher = FirstPaint(is_inbox, after_paint(args, app, started))
    app.installEventFilter(watcher)
    from socialinbox.cli import main as socialinbox_command  # the owner's way in: the command, then run_app

    socialinbox_command(["--data-dir", args.data_dir])


# In the order a start imports them: the first three before the first paint, the rest after it.
IMPORT_STEPS = (
    ("the core (wiring, the first screen)", ("socialinbox.wiring",)),
    ("the main window", ("socialinbox.ui.main_window",)),
    ("run_app's first stage, the clock", ("socialinbox.ui.app", "socialinbox.ui.instance_lock")),
    ("SQLAlchemy Core", ("sqlalchemy",)),
    ("SQLAlchemy ORM", ("sqlalchemy.orm",)),
    ("SQLModel + pydantic", ("sqlmodel",)),
    ("the repository and its tables", ("socialinbox.storage.repository",)),
    ("httpx", ("httpx",)),
    ("the secret store (keyring)", ("socialinbox.secrets",)),
    (
        "the rest of the app",
        (
            "socialinbox.ui.desktop_features",
            "socialinbox.ui.single_instance",
            "socialinbox.ui.accounts_controller",
            "socialinbox.ui.answering",
            "socialinbox.ui.clock",
            "socialinbox.sync.scheduler",
        ),
    ),
    (
        "every connector",
        tuple(f"socialinbox.connectors.{name}" for name in ("bluesky", "email", "mastodon", "telegram")),
    ),
)


def run_imports() -> None:
    """What each group of imports costs in time and resident memory, in the order a start imports them (B4, B5)."""
    import importlib

    steps = [{"step": "Python and Qt widgets (this module's own imports)", "s": 0.0, "mb": rss_mb()}]
    for label, modules in IMPORT_STEPS:
        before, started = rss_mb(), time.perf_counter()
        for module in modules:
            importlib.import_module(module)
        steps.append({"step": label, "s": time.perf_counter() - started, "mb": rss_mb() - before})
    report(steps=steps, rss_mb=rss_mb())


def run_hidden(args: argparse.Namespace) -> None:
    """The real app, its window closed as the owner closes it to the tray; runs until the parent stops it."""
    from pathlib import Path

    from PySide6.QtCore import QTimer

    from socialinbox.paths import paths_in
    from socialinbox.ui.app import run_app as real_run_app
    from socialinbox.ui.main_window import MainWindow

    app = QApplication(sys.argv)

    def close_window() -> None:
        for widget in app.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                widget.hide()
                report(hidden=True, rss_mb=rss_mb())
                return
        QTimer.singleShot(50, close_window)

    QTimer.singleShot(0, close_window)
    real_run_app(paths_in(Path(args.data_dir)))


def main() -> None:
    started = time.perf_counter()
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["bare", "app", "sync", "run", "imports"])
    parser.add_argument("--t0", type=float, default=0.0)
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--scroll", type=int, default=0)
    parser.add_argument("--messages", type=int, default=0)
    parser.add_argument("--quit", action="store_true", help="app: quit normally after the figure, not exit at once")
    parser.add_argument("--until-started", action="store_true", help="app: time the rest of the start after the paint")
    parser.add_argument("--with-libraries", action="store_true", help="bare: import the prescribed libraries first")
    parser.add_argument("--qt-classes", default="", help="bare: create these PySide6 classes first (QtGui.QFont,...)")
    args = parser.parse_args()
    if args.mode == "bare":
        run_bare(args, started)
    elif args.mode == "app":
        run_app(args, started)
    elif args.mode == "imports":
        run_imports()
    elif args.mode == "sync":
        from bench.sync_probe import run_sync

        run_sync(args.data_dir, args.messages)
    else:
        run_hidden(args)


if __name__ == "__main__":
    main()
