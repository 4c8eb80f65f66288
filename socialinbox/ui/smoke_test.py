"""``socialinbox --smoke-test``: the whole app built offscreen on a throwaway folder, until the demo's first poll is
shown (the packaged app's own check, tests/packaging)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from socialinbox.paths import paths_in
from socialinbox.ui.app import InboxApp
from socialinbox.wiring import build_core, ensure_demo_account

SMOKE_TEST_TIMEOUT_MS = 15_000


def run_smoke_test() -> int:
    """Build the whole app offscreen on a throwaway data folder, wait for the demo's first poll, and exit.

    It takes no data folder on purpose: a smoke test must never write into the owner's real inbox.
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
