"""The tray icon: how many conversations need a reply, open the window, quit."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget


class InboxTray(QSystemTrayIcon):
    def __init__(self, icon: QIcon, on_open: Callable[[], None], on_quit: Callable[[], None], parent: QWidget) -> None:
        super().__init__(icon, parent)
        self._menu = QMenu(parent)
        open_action = QAction("Open Social Inbox", self._menu)
        open_action.triggered.connect(on_open)
        quit_action = QAction("Quit", self._menu)
        quit_action.triggered.connect(on_quit)
        self._menu.addAction(open_action)
        self._menu.addSeparator()
        self._menu.addAction(quit_action)
        self.setContextMenu(self._menu)
        self._base_icon = icon
        self.activated.connect(lambda reason: on_open() if reason == QSystemTrayIcon.ActivationReason.Trigger else None)
        self.set_needs_reply(0)

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def set_needs_reply(self, count: int) -> None:
        self.setToolTip(f"Social Inbox: {count} need a reply" if count else "Social Inbox: all answered")
        self.setIcon(badge_icon(self._base_icon, count))


def badge_icon(base: QIcon, count: int, size: int = 64) -> QIcon:
    """The app icon with a red count in its corner (nothing when all is answered)."""
    if count <= 0:
        return base
    pixmap = base.pixmap(size, size)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    badge = QRect(size // 2 - 2, 0, size // 2 + 2, size // 2 + 2)
    painter.setBrush(QColor("#c62828"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(badge)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(size // 4 if count < 100 else size // 5)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, str(count) if count < 100 else "99+")
    painter.end()
    return QIcon(pixmap)
