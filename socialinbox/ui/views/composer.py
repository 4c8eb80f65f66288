"""The reply editor: the length left for the channel, and Ctrl+Enter to send."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from socialinbox.domain import Conversation, Visibility
from socialinbox.limits import measure


class Composer(QWidget):
    """Where the reply is written; shows the length left for the channel and sends with Ctrl+Enter.

    Signals:
        send_requested(str): the owner asked to send this text.
    """

    send_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._conversation: Conversation | None = None
        self.editor = QPlainTextEdit(self)
        self.editor.setPlaceholderText("Write a reply…  (Ctrl+Enter sends)")
        self.editor.setAccessibleName("Reply")
        self.editor.setFixedHeight(96)
        self.counter = QLabel(self)
        self.counter.setAccessibleName("Characters left")
        self.send_button = QPushButton("Send", self)
        self.send_button.setToolTip("Send the reply (Ctrl+Enter)")
        self.send_button.clicked.connect(self.on_send_clicked)
        self.editor.textChanged.connect(self.on_text_changed)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self.editor, activated=self.on_send_clicked)
        row = QHBoxLayout()
        row.addWidget(self.counter, 1)
        row.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.editor)
        layout.addLayout(row)
        self.on_text_changed()

    def set_conversation(self, conversation: Conversation | None) -> None:
        if conversation is None or self._conversation is None or conversation.id != self._conversation.id:
            self.editor.clear()
        self._conversation = conversation
        self.setEnabled(conversation is not None)
        self.on_text_changed()

    def on_text_changed(self) -> None:
        text = self.editor.toPlainText()
        conversation = self._conversation
        if conversation is None:
            self.counter.setText("")
            self.send_button.setEnabled(False)
            return
        size = measure(text, conversation.platform, private=conversation.visibility is Visibility.PRIVATE)
        over = size.over
        if size.limit is None:
            self.counter.setText(f"{size.used} characters")
        elif over:
            self.counter.setText(f"{size.used - size.limit} over the {size.limit} limit")
        else:
            self.counter.setText(f"{size.remaining} left")
        self.counter.setStyleSheet("color: #b00020" if over else "")
        self.send_button.setEnabled(bool(text.strip()) and not over)

    def on_send_clicked(self) -> None:
        text = self.editor.toPlainText().strip()
        if text and self.send_button.isEnabled():
            self.send_requested.emit(text)
            self.editor.clear()
