"""Screenshots of answering on the demo shop: the composer with a public-reply finding, take it private, and the
template editor (offscreen unless a display is set).

.venv/bin/python scripts/screenshot_answering.py docs/screenshots
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget
from shots import out_dir_argument, start, throwaway_core

from socialinbox.domain import Visibility
from socialinbox.ui.app import InboxApp
from socialinbox.ui.dialogs.templates_dialog import TemplatesDialog
from socialinbox.wiring import ensure_demo_account

DRAFT = "Actually, as we already said, the croissants were fine when they left. Call 0161 496 0123!!"


def main(out_dir: Path) -> int:
    app = start(out_dir)
    with throwaway_core() as core:
        core.settings = dataclasses.replace(
            core.settings, shop_name="Crumb & Co.", owner_name="Mia", opening_hours="Mon-Sat 8:00-18:00"
        )
        ensure_demo_account(core)
        inbox = InboxApp(core)
        inbox.window.resize(1280, 860)
        inbox.start()
        saved: list[Path] = []

        def save(widget: QWidget, name: str) -> None:
            path = out_dir / name
            widget.grab().save(str(path))
            saved.append(path)

        def composer_with_finding() -> None:
            window = inbox.window
            if window.inbox_model.rowCount() == 0:
                QTimer.singleShot(200, composer_with_finding)
                return
            rows = range(window.inbox_model.rowCount())
            public = [window.inbox_model.conversation_at(r) for r in rows]
            row = next(r for r, c in zip(rows, public, strict=True) if c and c.visibility is Visibility.PUBLIC)
            window.inbox.setCurrentIndex(window.inbox_model.index(row))
            composer = window.pane.composer
            composer.editor.setPlainText(DRAFT)
            composer.on_send_clicked()  # stopped by the check: the findings and "Send anyway" show
            QTimer.singleShot(400, take_private)

        def take_private() -> None:
            save(inbox.window, "composer-tone-check.png")
            inbox.answering.cases.on_take_private()
            dialog = inbox.answering.cases.dialog
            assert dialog is not None

            def then() -> None:
                save(dialog, "take-it-private.png")
                dialog.close()
                templates()

            QTimer.singleShot(300, then)

        def templates() -> None:
            inbox.answering.on_edit_templates()
            dialog = inbox.answering.dialog
            assert isinstance(dialog, TemplatesDialog)
            dialog.body.setPlainText(dialog.body.toPlainText() + " {custmer}")

            def then() -> None:
                save(dialog, "templates-editor.png")
                app.quit()

            QTimer.singleShot(300, then)

        QTimer.singleShot(300, composer_with_finding)
        app.exec()
        inbox.shutdown()
    for path in saved:
        print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(out_dir_argument()))
