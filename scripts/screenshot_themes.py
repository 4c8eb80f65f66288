"""Screenshots of the window in the light and the dark theme, and of the Preferences and About dialogs.

.venv/bin/python scripts/screenshot_themes.py docs/screenshots
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")  # no desktop notifications while shooting

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.ui.app import InboxApp
from socialinbox.ui.theme import apply_color_scheme
from socialinbox.wiring import build_core, ensure_demo_account


def settle(app: QApplication, milliseconds: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def shoot(widget: QWidget, path: Path) -> None:
    widget.grab().save(str(path))
    print(f"saved {path}")


def main(out_dir: Path) -> int:
    app = QApplication(sys.argv)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        core = build_core(paths_in(Path(folder)), secrets=MemorySecretStore())
        ensure_demo_account(core)
        inbox = InboxApp(core)
        window = inbox.window
        window.resize(1280, 780)
        inbox.start()
        while window.inbox_model.rowCount() == 0:
            settle(app, 200)
        window.inbox.setCurrentIndex(window.inbox_model.index(0))
        window.inbox.setFocus(Qt.FocusReason.TabFocusReason)  # shows the focus ring on the list
        settle(app, 400)
        for scheme, name in ((Qt.ColorScheme.Light, "light"), (Qt.ColorScheme.Dark, "dark")):
            apply_color_scheme(app, scheme)
            settle(app, 300)
            shoot(window, out_dir / f"main-window-{name}.png")
            preferences = inbox.desktop.open_preferences()
            names = [preferences.tabs.tabText(i) for i in range(preferences.tabs.count())]
            preferences.tabs.setCurrentIndex(names.index("Notifications"))
            settle(app, 200)
            shoot(preferences, out_dir / f"preferences-{name}.png")
            preferences.reject()
        about = inbox.desktop.open_about()
        settle(app, 200)
        shoot(about, out_dir / "about-dark.png")
        about.reject()
        inbox.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
