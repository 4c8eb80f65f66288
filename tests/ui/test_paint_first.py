"""A real start paints the window first: at its first paint none of what only the rest of the app needs is loaded,
and the rest (workers, scheduler, notifications, accounts menu) is built right after, so the demo's first poll lands;
a window closed in between stays closed.

Run in a fresh process, started as the ``socialinbox`` command starts the app, because what counts is what a start
imports (the test session has it all)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from socialinbox.domain import Platform, PollResult
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.sentiment import make_analyzer
from socialinbox.storage.paging import InboxView
from socialinbox.triage import Triage, TriageCache
from socialinbox.triage_file import save_priorities
from socialinbox.wiring import build_core, ensure_demo_account
from tests.fakes import T0, remote_message

# What the rest of the app imports, which a start's warm-up brings in on the task runner: the core's libraries, and
# the rest's own GUI modules.
WARMED_UP = (
    "sqlalchemy",
    "sqlmodel",
    "httpx",
    "keyring",
    "apscheduler",
    "socialinbox.storage.repository",
    "socialinbox.ui.answering",
    "socialinbox.ui.accounts_controller",
    "socialinbox.ui.desktop_features",
)

_PROBE = """
import json, os, sys, threading
from pathlib import Path
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QListView

app = QApplication(sys.argv)
found = {}
imported_on = {}

class WhichThreadImports:
    # Notes the thread that first asks for each library the rest of the app needs; finds nothing itself.
    WATCHED = @WARMED_UP@

    def find_spec(self, name, path=None, target=None):
        if name in self.WATCHED:
            imported_on.setdefault(name, threading.current_thread().name)
        return None

sys.meta_path.insert(0, WhichThreadImports())

def finish():
    found["after_start"] = sorted(sys.modules)
    found["imported_on"] = imported_on
    print("RESULT " + json.dumps(found), flush=True)
    os._exit(0)

def wait_for_rows(view):
    found["rows"] = view.model().rowCount()
    found["menus_after"] = [action.text() for action in view.window().menuBar().actions()]
    found["scheduler_loaded"] = "socialinbox.sync.scheduler" in sys.modules
    found["visible"] = view.window().isVisible()
    if found["rows"] > 0:
        finish()
    QTimer.singleShot(50, lambda: wait_for_rows(view))

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        view = watched.parent() if event.type() == QEvent.Type.Paint else None
        if "at_paint" not in found and isinstance(view, QListView) and view.accessibleName() == "Conversations":
            found["at_paint"] = sorted(sys.modules)
            found["menus_at_paint"] = [action.text() for action in view.window().menuBar().actions()]
            view.window().hide()  # the owner closes it at once: the rest of the start must not show it again
            QTimer.singleShot(0, lambda: wait_for_rows(view))
        return False

watcher = FirstPaint()
app.installEventFilter(watcher)
QTimer.singleShot(40_000, finish)
from socialinbox.cli import main  # the owner's way in: the socialinbox command
main(["--data-dir", sys.argv[1], "--demo"])
""".replace("@WARMED_UP@", repr(WARMED_UP))

NOT_BEFORE_THE_FIRST_PAINT = (
    "alembic",  # the schema is current
    "sqlalchemy",  # the first screen is read with sqlite3; the repository opens after the paint
    "sqlmodel",
    "pydantic",
    "httpx",  # the network side is made on first use
    "keyring",  # the secret store too (looking for the keyring's backends took 0.2 s)
    "socialinbox.storage.repository",
    "socialinbox.ui.views.composer",  # a stand-in holds its place; its rules load after the paint
    "socialinbox.limits",
    "socialinbox.tone",
    "apscheduler",
    "socialinbox.connectors.bluesky",  # no account of these platforms
    "socialinbox.connectors.email",
    "socialinbox.connectors.mastodon",
    "socialinbox.connectors.telegram",
    "socialinbox.connectors.demo",  # polled only once the scheduler runs
    "socialinbox.sync.scheduler",
    "socialinbox.ui.accounts_controller",
    "socialinbox.ui.answering",
    "socialinbox.ui.dialogs.add_account_dialog",
    "socialinbox.ui.dialogs.templates_dialog",
    "socialinbox.ui.dialogs.reports_dialog",
    "socialinbox.accounts_setup",
    "pygal",
    "socialinbox.ui.notifications",  # built in build_rest; the clock only names the type
    "jeepney",
    "PySide6.QtNetwork",  # the folder's lock tells whether a copy runs; the socket opens after the paint
    "socialinbox.ui.single_instance",
    "importlib.resources",  # the app's icon is read after the paint
    "platform",  # only a crash report names the system
    "logging.handlers",  # the rotating log is made at the first record; nothing is logged before the paint
)

# What a start with only the demo account never needs, even once the rest of the app is built: each platform's
# connector and set-up loads when an account of it polls or the owner opens "Add account".
NOT_AFTER_A_DEMO_START = (
    "socialinbox.connectors.bluesky",
    "socialinbox.connectors.bluesky_session",
    "socialinbox.connectors.email",
    "socialinbox.connectors.email_imap",
    "socialinbox.connectors.mastodon",
    "socialinbox.connectors.mastodon_auth",
    "socialinbox.connectors.telegram",
    "socialinbox.bluesky_setup",
    "socialinbox.email_setup",
    "socialinbox.ui.dialogs.add_account_dialog",
)


def _loaded(modules: Iterable[str], names: tuple[str, ...]) -> list[str]:
    return sorted(
        module for module in modules if any(module == name or module.startswith(name + ".") for name in names)
    )


def _start(folder: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/bus",
        XDG_CONFIG_HOME=str(folder / "xdg"),
    )
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(folder / "shop")], env=env, capture_output=True, text=True, timeout=90
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stderr[-3000:]
    return dict(json.loads(lines[-1].removeprefix("RESULT ")))


def test_the_window_paints_before_the_rest_of_the_app_is_loaded_and_the_rest_follows(tmp_path: Path) -> None:
    core = build_core(paths_in(tmp_path / "shop"), secrets=MemorySecretStore())  # a database already current
    ensure_demo_account(core)  # and the demo shop already there: nothing to write before the paint
    core.close()
    found = _start(tmp_path)
    at_paint = set(found["at_paint"])
    assert _loaded(at_paint, NOT_BEFORE_THE_FIRST_PAINT) == [], [m for m in at_paint if m.startswith("socialinbox")]
    assert _loaded(found["after_start"], NOT_AFTER_A_DEMO_START) == []
    assert "socialinbox.ui.accounts_controller" in found["after_start"]  # the rest is built
    assert "socialinbox.ui.main_window" in at_paint  # it is the real window that painted
    assert found["scheduler_loaded"] is True
    # The libraries and the rest's GUI modules came in on the task runner (warm_up_the_rest); the painted window
    # never waited for them.
    assert set(found["imported_on"]) == set(WARMED_UP)
    assert all(thread.startswith("socialinbox-task") for thread in found["imported_on"].values()), found
    assert int(found["rows"]) > 0  # the demo's first poll reached the window
    assert found["visible"] is False
    assert found["menus_at_paint"] == found["menus_after"]  # the menu bar is whole from the first paint
    assert found["menus_after"] == ["&File", "&Conversation", "&View", "&Accounts", "&Help"]


@pytest.mark.parametrize("kept", [True, False], ids=["priorities kept", "first start"])
def test_the_first_page_paints_without_vader_when_last_runs_priorities_are_kept(tmp_path: Path, kept: bool) -> None:
    paths = paths_in(tmp_path / "shop")
    core = build_core(paths, secrets=MemorySecretStore())
    account = core.repository.add_account(Platform.DEMO, "crumbandco", T0, settings={"seed": 7})
    messages = tuple(
        remote_message(f"m{n}", text=f"Is order {n} late?", sent_at=T0 + timedelta(minutes=n)) for n in range(30)
    )
    core.repository.save_poll(account.id, PollResult(messages, "c"), T0)
    if kept:  # what the last run left at quit
        cache = TriageCache(Triage(make_analyzer()))
        cache.warm(core.repository.conversations(InboxView.NEEDS_REPLY, limit=200))
        save_priorities(paths.triage_file, cache)
    core.close()

    at_paint = set(_start(tmp_path)["at_paint"])

    assert ("vaderSentiment.vaderSentiment" in at_paint) is not kept  # the first page is scored only without them


_QUIT_AT_PAINT = """
import sys, threading
from pathlib import Path
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QListView

app = QApplication(sys.argv)

class QuitAtPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and isinstance(watched.parent(), QListView):
            app.removeEventFilter(self)
            QTimer.singleShot(0, app.quit)  # queued before the rest of the app is built
        return False

quitter = QuitAtPaint()
app.installEventFilter(quitter)
from socialinbox.paths import paths_in
from socialinbox.ui.app import run_app
run_app(paths_in(Path(sys.argv[1])), demo=True)
print("RESULT " + repr(sorted(t.name for t in threading.enumerate() if t is not threading.main_thread())), flush=True)
"""


def test_quitting_at_the_first_paint_starts_no_workers_and_keeps_the_priorities(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/bus")
    env.update(PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring", XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    done = subprocess.run(
        [sys.executable, "-c", _QUIT_AT_PAINT, str(tmp_path / "shop")],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )

    assert "RESULT []" in done.stdout, done.stdout + done.stderr[-3000:]  # no scheduler or worker thread left
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert paths_in(tmp_path / "shop").triage_file.is_file()


def test_every_module_the_rest_imports_is_warmed_up_on_the_task_runner() -> None:
    """``build_rest`` imports its modules on the GUI thread; the warm-up lists name them so the task runner has
    imported them first. A module added to one and not to the other would still work, only 10-70 ms slower to
    build on the GUI thread: nothing else would notice."""
    import ast
    import inspect
    import textwrap

    from socialinbox.ui.app import InboxApp
    from socialinbox.ui.paint_first import WARM_UP_GUI_MODULES, WARM_UP_MODULES

    source = ast.parse(textwrap.dedent(inspect.getsource(InboxApp.build_rest)))
    imported = {node.module for node in ast.walk(source) if isinstance(node, ast.ImportFrom) and node.module}
    assert imported, "build_rest imports nothing any more: this test reads the wrong place"
    assert imported <= set(WARM_UP_MODULES) | set(WARM_UP_GUI_MODULES)
