"""Take the README's screenshots of the real app on the demo shop (offscreen unless a display is set).

.venv/bin/python scripts/screenshot.py docs/screenshots
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from shots import out_dir_argument, start, throwaway_core

from socialinbox.ui.app import InboxApp
from socialinbox.wiring import ensure_demo_account


def main(out_dir: Path) -> int:
    app = start(out_dir)
    with throwaway_core() as core:
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
    sys.exit(main(out_dir_argument()))
