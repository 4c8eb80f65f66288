"""Help > About: the version and where the data and logs live, with buttons that open those folders."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from socialinbox import __version__
from socialinbox.paths import AppPaths


def open_folder(folder: Path) -> bool:
    """Show ``folder`` in the system's file manager (created first, so there is something to open)."""
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class AboutDialog(QDialog):
    def __init__(self, paths: AppPaths, icon: QIcon | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Social Inbox")
        self.setAccessibleName("About Social Inbox")
        title = QLabel(f"<h2>Social Inbox {__version__}</h2>Every customer answered within the hour.", self)
        title.setAccessibleName(f"Social Inbox version {__version__}")
        header = QHBoxLayout()
        if icon is not None:
            picture = QLabel(self)
            picture.setPixmap(icon.pixmap(64, 64))
            picture.setAccessibleName("Social Inbox icon")
            header.addWidget(picture)
        header.addWidget(title, 1)
        form = QFormLayout()
        self.folder_buttons: dict[str, QPushButton] = {}
        for label, folder in (("Data folder", paths.data_dir), ("Log folder", paths.log_dir)):
            form.addRow(label, self._folder_row(label, folder))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(form)
        layout.addWidget(
            QLabel("MIT licence. Qt and PySide6 are used under the LGPLv3; the other libraries keep theirs.", self)
        )
        layout.addWidget(buttons)

    def _folder_row(self, label: str, folder: Path) -> QWidget:
        row = QWidget(self)
        path_label = QLabel(str(folder), row)
        path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        path_label.setAccessibleName(f"{label}: {folder}")
        button = QPushButton("Open", row)
        button.setAccessibleName(f"Open the {label.lower()}")
        button.clicked.connect(lambda: open_folder(folder))
        self.folder_buttons[label] = button
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(path_label, 1)
        layout.addWidget(button)
        return row
