"""Two bars above the composer: the case a conversation belongs to (public thread and private chat, and the offer to
close the loop publicly), and a reply the outbox held back for the owner to confirm."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from socialinbox.domain import HELD_PREFIX, OutboxItem
from socialinbox.storage.answering_queries import LinkedCase
from socialinbox.ui import INT64


def _label(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)  # reasons and names may quote platforms: never rich text
    label.setWordWrap(True)
    return label


class CaseBanner(QFrame):
    """Signals:
    open_requested(int): show the other conversation of the case.
    close_loop_requested(int): post the "sorted" reply in the public thread (the public conversation's id).
    loop_dismissed(int): no public follow-up needed (the public conversation's id).
    """

    open_requested = Signal(INT64)
    close_loop_requested = Signal(INT64)
    loop_dismissed = Signal(INT64)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Linked conversations")
        self._case: LinkedCase | None = None
        self._shown_id = 0
        self.link_button = QPushButton(self)
        self.link_button.setFlat(True)
        self.link_button.setToolTip("Open the other conversation of this case")
        self.link_button.clicked.connect(self.on_link_clicked)
        self.loop_label = _label("", self)
        self.close_loop_button = QPushButton("Close the loop publicly", self)
        self.close_loop_button.setToolTip("Open the public thread with the “Glad it's sorted” reply ready to send")
        self.close_loop_button.clicked.connect(self.on_close_loop_clicked)
        self.dismiss_button = QPushButton("No need", self)
        self.dismiss_button.setToolTip("Don't remind me about this case again")
        self.dismiss_button.clicked.connect(self.on_dismiss_clicked)
        top = QHBoxLayout()
        top.addWidget(QLabel("Also in:", self))
        top.addWidget(self.link_button)
        top.addStretch(1)
        loop = QHBoxLayout()
        loop.addWidget(self.loop_label, 1)
        loop.addWidget(self.dismiss_button)
        loop.addWidget(self.close_loop_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addLayout(top)
        layout.addLayout(loop)
        self.show_case(None, 0)

    @property
    def shown_id(self) -> int:
        """The conversation this banner speaks of (0: none)."""
        return self._shown_id

    def show_case(self, case: LinkedCase | None, shown_id: int) -> None:
        self._case, self._shown_id = case, shown_id
        self.setVisible(case is not None)
        if case is None:
            return
        other = case.other(shown_id)
        where = "private chat" if other.id == case.private.id else "public thread"
        self.link_button.setText(f"{where} with {other.contact.name} →")
        loop_open = case.loop_open
        self.loop_label.setText(
            "The private chat is done. Close the loop in public, so everyone who saw the complaint sees it sorted?"
        )
        for widget in (self.loop_label, self.close_loop_button, self.dismiss_button):
            widget.setVisible(loop_open)

    def on_link_clicked(self) -> None:
        if self._case is not None:
            self.open_requested.emit(self._case.other(self._shown_id).id)

    def on_close_loop_clicked(self) -> None:
        if self._case is not None:
            self.close_loop_requested.emit(self._case.public.id)

    def on_dismiss_clicked(self) -> None:
        if self._case is not None:
            self.loop_dismissed.emit(self._case.public.id)


class HeldReplyBar(QFrame):
    """A reply the outbox held because something changed after it was written.

    Signals: send_anyway_requested(int), discard_requested(int), edit_requested(int, str) with the outbox id.
    """

    send_anyway_requested = Signal(INT64)
    discard_requested = Signal(INT64)
    edit_requested = Signal(INT64, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("HeldReplyBar { background: #fff4e0; }")
        self.setAccessibleName("Reply held for you")
        self._item: OutboxItem | None = None
        self.reason = _label("", self)
        self.send_button = QPushButton("Send anyway", self)
        self.send_button.setToolTip("Send the held reply as it is")
        self.send_button.clicked.connect(lambda: self._emit(self.send_anyway_requested))
        self.edit_button = QPushButton("Edit", self)
        self.edit_button.setToolTip("Take the held reply back into the composer to rewrite it")
        self.edit_button.clicked.connect(self.on_edit_clicked)
        self.discard_button = QPushButton("Discard", self)
        self.discard_button.setToolTip("Delete the held reply; it is never sent")
        self.discard_button.clicked.connect(lambda: self._emit(self.discard_requested))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.discard_button, self.edit_button, self.send_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.reason)
        layout.addLayout(buttons)
        self.show_item(None)

    @property
    def item(self) -> OutboxItem | None:
        return self._item

    def show_item(self, item: OutboxItem | None) -> None:
        self._item = item
        self.setVisible(item is not None)
        if item is not None:
            why = item.last_error.removeprefix(HELD_PREFIX)
            self.reason.setText(f"Your reply “{_short(item.text)}” is on hold: {why}")

    def on_edit_clicked(self) -> None:
        if self._item is not None:
            self.edit_requested.emit(self._item.id, self._item.text)

    def _emit(self, signal: SignalInstance) -> None:
        if self._item is not None:
            signal.emit(self._item.id)


def _short(text: str, width: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
