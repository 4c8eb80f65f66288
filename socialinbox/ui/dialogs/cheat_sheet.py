"""The keyboard cheat sheet (?): built from the window's own actions, so it can never disagree with them."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGridLayout, QLabel, QVBoxLayout, QWidget

# Keys that belong to the composer rather than to a menu action.
COMPOSER_KEYS: tuple[tuple[str, str], ...] = (
    ("/", "In the reply, at the start of a word: find a template"),
    ("Alt+1 … Alt+3", "Insert a suggested template"),
    ("Ctrl+Enter", "Send the reply (a second step for a public reply with findings: Send anyway)"),
    ("Enter / Esc", "In the template picker or its fields: insert / close"),
)


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(keys, what they do) for every action that has a shortcut, in menu order, without duplicates."""
    rows: list[tuple[str, str]] = []
    for action in actions:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        row = (keys, action.text().replace("&", "").rstrip("…."))
        if keys and row not in rows:
            rows.append(row)
    return rows


class CheatSheet(QDialog):
    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = shortcut_rows(actions) + list(COMPOSER_KEYS)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        for number, (keys, meaning) in enumerate(self.rows):
            key_label = QLabel(keys, self)
            key_label.setTextFormat(Qt.TextFormat.PlainText)
            key_label.setStyleSheet("font-family: monospace; font-weight: 600")
            grid.addWidget(key_label, number, 0, Qt.AlignmentFlag.AlignRight)
            text = QLabel(meaning, self)
            text.setTextFormat(Qt.TextFormat.PlainText)
            grid.addWidget(text, number, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Every action also has a menu entry; its tooltip names the key.", self))
        layout.addLayout(grid)
        layout.addWidget(buttons)
