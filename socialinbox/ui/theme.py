"""Light or dark as the system says (Qt's colour scheme), and a keyboard focus that is always visible.

Windows 11 and macOS styles follow the system scheme by themselves. On Linux the app uses Fusion, which only turns
dark when given a dark palette, so ThemeFollower applies the palette that matches ``QStyleHints.colorScheme()`` and
again whenever the desktop switches.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

log = logging.getLogger(__name__)

# Item views and text fields get a clear 2-pixel ring in the highlight colour while they have the keyboard focus;
# the unfocused 1-pixel border plus 1 pixel of padding keeps the content from shifting when focus moves. Buttons and
# check boxes keep Fusion's own focus frame, which is drawn in the highlight colour too.
FOCUS_STYLE = """
QAbstractItemView, QLineEdit, QPlainTextEdit, QTextEdit, QSpinBox {
    border: 1px solid palette(mid); border-radius: 3px; padding: 1px;
}
QAbstractItemView:focus, QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QSpinBox:focus {
    border: 2px solid palette(highlight); padding: 0px;
}
"""

_ROLE = QPalette.ColorRole
_DARK = {
    _ROLE.Window: "#202124",
    _ROLE.WindowText: "#e8eaed",
    _ROLE.Base: "#17181a",
    _ROLE.AlternateBase: "#26282b",
    _ROLE.ToolTipBase: "#2d2f33",
    _ROLE.ToolTipText: "#e8eaed",
    _ROLE.PlaceholderText: "#9aa0a6",
    _ROLE.Text: "#e8eaed",
    _ROLE.Button: "#2b2d31",
    _ROLE.ButtonText: "#e8eaed",
    _ROLE.BrightText: "#ff8a80",
    _ROLE.Light: "#3c4043",
    _ROLE.Midlight: "#33363a",
    _ROLE.Mid: "#5f6368",
    _ROLE.Dark: "#121314",
    _ROLE.Shadow: "#000000",
    _ROLE.Highlight: "#4f9f78",
    _ROLE.HighlightedText: "#0b1a12",
    _ROLE.Link: "#8ab4f8",
    _ROLE.LinkVisited: "#c58af9",
}
_DARK_DISABLED = {_ROLE.WindowText: "#7f8388", _ROLE.Text: "#7f8388", _ROLE.ButtonText: "#7f8388"}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in _DARK.items():
        palette.setColor(role, QColor(colour))
    for role, colour in _DARK_DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(colour))
    return palette


def light_palette() -> QPalette:
    palette = QApplication.style().standardPalette()
    palette.setColor(_ROLE.Highlight, QColor("#2f6f4f"))  # the app's green, as in the icon
    palette.setColor(_ROLE.HighlightedText, QColor("#ffffff"))
    return palette


def apply_color_scheme(app: QApplication, scheme: Qt.ColorScheme) -> None:
    """Give Fusion the palette for ``scheme`` (an unknown scheme counts as light) and the focus rules."""
    app.setPalette(dark_palette() if scheme == Qt.ColorScheme.Dark else light_palette())
    # Setting the style sheet again (even unchanged) re-polishes every widget: style-sheet widgets keep the palette
    # they were polished with otherwise.
    sheet = app.styleSheet()
    app.setStyleSheet(sheet if FOCUS_STYLE in sheet else sheet + FOCUS_STYLE)


def uses_fusion(app: QApplication) -> bool:
    return app.style().name().lower() == "fusion"


class ThemeFollower(QObject):
    """Keeps the palette in step with the system's colour scheme where the style does not do it itself."""

    def __init__(self, app: QApplication, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        if not uses_fusion(app) and app.platformName() in ("xcb", "wayland", "offscreen", "minimal"):
            # Some Linux desktops hand Qt a style that ignores dark mode; Fusion honours the palette.
            fusion = QStyleFactory.create("Fusion")
            if fusion is not None:
                app.setStyle(fusion)
        self.apply()
        QGuiApplication.styleHints().colorSchemeChanged.connect(self.on_color_scheme_changed)

    @property
    def scheme(self) -> Qt.ColorScheme:
        return QGuiApplication.styleHints().colorScheme()

    def apply(self) -> None:
        if uses_fusion(self._app):
            apply_color_scheme(self._app, self.scheme)
        elif FOCUS_STYLE not in self._app.styleSheet():
            self._app.setStyleSheet(self._app.styleSheet() + FOCUS_STYLE)

    @Slot(Qt.ColorScheme)
    def on_color_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        log.info("the system colour scheme is now %s", scheme.name)
        self.apply()
