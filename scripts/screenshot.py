"""Take the README's screenshots of the real app on the demo shop (offscreen unless a display is set).

.venv/bin/python scripts/screenshot.py docs/screenshots
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.ui.app import InboxApp
from socialinbox.wiring import build_core, ensure_demo_account


def main(out_dir: Path) -> int:
    app = QApplication(sys.argv)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        core = build_core(paths_in(Path(folder)), secrets=MemorySecretStore())
        ensure_demo_account(core)
        inbox = InboxApp(core)
        inbox.window.resize(1280, 780)
        inbox.start()

        def shoot() -> None:
            window = inbox.window
            if window.inbox_model.rowCount() == 0:
                QTimer.singleShot(200, shoot)
                return
            window.inbox.setCurrentIndex(window.inbox_model.index(0))
            window.pane.composer.editor.setPlainText("So sorry about the croissants! We'll refund you today.")
            QTimer.singleShot(400, lambda: (window.grab().save(str(out_dir / "main-window.png")), app.quit()))

        QTimer.singleShot(300, shoot)
        app.exec()
        inbox.shutdown()
    print(f"saved {out_dir / 'main-window.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
