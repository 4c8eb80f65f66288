"""A real start paints the window first: at its first paint none of what only the rest of the app needs is loaded,
and the rest (workers, scheduler, notifications, accounts menu) is built right after, so the demo's first poll lands;
a window closed in between stays closed.

Run in a fresh process, because what counts is what ``run_app`` itself imports (the test session has it all)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.wiring import build_core

_PROBE = """
import json, os, sys
from pathlib import Path
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QListView

app = QApplication(sys.argv)
found = {}

def finish():
    print("RESULT " + json.dumps(found), flush=True)
    os._exit(0)

def wait_for_rows(view):
    found["rows"] = view.model().rowCount()
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
            view.window().hide()  # the owner closes it at once: the rest of the start must not show it again
            QTimer.singleShot(0, lambda: wait_for_rows(view))
        return False

watcher = FirstPaint()
app.installEventFilter(watcher)
QTimer.singleShot(40_000, finish)
from socialinbox.paths import paths_in
from socialinbox.ui.app import run_app
run_app(paths_in(Path(sys.argv[1])), demo=True)
"""

NOT_BEFORE_THE_FIRST_PAINT = (
    "alembic",  # the schema is current
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
)


def _start(folder: Path) -> dict[str, object]:
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
    build_core(paths_in(tmp_path / "shop"), secrets=MemorySecretStore()).close()  # a database already current
    found = _start(tmp_path)
    at_paint = set(found["at_paint"])  # type: ignore[arg-type]
    loaded_too_early = sorted(
        module
        for module in at_paint
        if any(module == name or module.startswith(name + ".") for name in NOT_BEFORE_THE_FIRST_PAINT)
    )
    assert loaded_too_early == [], loaded_too_early
    assert "socialinbox.ui.main_window" in at_paint  # it is the real window that painted
    assert found["scheduler_loaded"] is True
    assert int(found["rows"]) > 0  # type: ignore[call-overload]  # the demo's first poll reached the window
    assert found["visible"] is False
