"""Search (/): filters the conversations already loaded in the inbox by name, handle or preview.

Until full-text search lands this hides non-matching rows of the list rather than querying: instant, and it never
fights the lazily paged model (rows keep their places; j and k skip the hidden ones).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QListView, QWidget

from socialinbox.domain import Conversation
from socialinbox.ui.models.inbox_model import InboxModel


def matches(conversation: Conversation, query: str) -> bool:
    """Every word of the query appears in the customer's name, handle or the preview (case-insensitive)."""
    contact = conversation.contact
    haystack = " ".join((contact.display_name, contact.handle, conversation.preview)).casefold()
    return all(word in haystack for word in query.casefold().split())


class InboxSearch(QLineEdit):
    """Signals: finished(): the owner pressed Enter or Escape; focus goes back to the list."""

    finished = Signal()

    def __init__(self, view: QListView, model: InboxModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view = view
        self._model = model
        self.setPlaceholderText("Search loaded conversations  (/)")
        self.setAccessibleName("Search conversations")
        self.setClearButtonEnabled(True)
        self.setMaximumWidth(360)
        self.setToolTip("Filter the inbox by name, handle or text (/); Enter goes to the list, Esc clears")
        self.textChanged.connect(self.apply)
        for signal in (model.rowsInserted, model.modelReset, model.layoutChanged, model.dataChanged):
            signal.connect(self.apply)
        self.installEventFilter(self)

    def apply(self, *_args: object) -> None:
        query = self.text().strip()
        for row in range(self._model.rowCount()):
            conversation = self._model.conversation_at(row)
            hidden = bool(query) and (conversation is None or not matches(conversation, query))
            if self._view.isRowHidden(row) != hidden:
                self._view.setRowHidden(row, hidden)

    def visible_rows(self) -> list[int]:
        return [row for row in range(self._model.rowCount()) if not self._view.isRowHidden(row)]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Override QObject::eventFilter: Enter jumps to the first match, Escape clears the search."""
        if watched is self and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                rows = self.visible_rows()
                if rows:
                    self._view.setCurrentIndex(self._model.index(rows[0]))
                self._view.setFocus()
                self.finished.emit()
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.clear()
                self._view.setFocus()
                self.finished.emit()
                return True
        return super().eventFilter(watched, event)
