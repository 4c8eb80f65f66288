"""Screenshots of a start: the window at its first paint, and once the whole app runs (with the counts it reads then).

.venv/bin/python scripts/screenshot_start.py DATA_FOLDER docs/screenshots
(DATA_FOLDER: a data folder to start on, e.g. the benchmark's million-message one; the app writes to it.)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")  # no desktop notifications while shooting

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QListView, QWidget

from socialinbox.paths import paths_in
from socialinbox.ui.app import run_app

SETTLE_MS = 1000  # after the app says it is whole: the left column's counts, read on the task runner, arrive


class ShootTheStart(QObject):
    """At the inbox's first paint, queue a shot of its window before anything else the start queued after it."""

    def __init__(self, out_dir: Path) -> None:
        super().__init__()
        self._out_dir = out_dir
        self._done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 -- a Qt override
        view = watched.parent() if event.type() == QEvent.Type.Paint else None
        if not self._done and isinstance(view, QListView) and view.accessibleName() == "Conversations":
            self._done = True
            window = view.window()
            QTimer.singleShot(0, lambda: self._shoot(window, "start-first-paint.png"))
            window.app_started.connect(  # type: ignore[attr-defined]
                lambda: QTimer.singleShot(SETTLE_MS, lambda: self._shoot(window, "start-after-the-rest.png", last=True))
            )
        return False

    def _shoot(self, window: QWidget, name: str, *, last: bool = False) -> None:
        window.grab().save(str(self._out_dir / name))
        print("saved", self._out_dir / name)
        if last:
            QApplication.quit()


def main(data_folder: Path, out_dir: Path) -> int:
    app = QApplication(sys.argv)
    out_dir.mkdir(parents=True, exist_ok=True)
    shooter = ShootTheStart(out_dir)
    app.installEventFilter(shooter)
    return run_app(paths_in(data_folder))


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots")))
