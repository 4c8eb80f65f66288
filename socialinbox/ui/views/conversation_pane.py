"""The right-hand pane: who the customer is, the whole thread, and the composer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from socialinbox.domain import PLATFORM_LABELS, Conversation, Message, OutboxItem, OutboxState, Status
from socialinbox.links import openable
from socialinbox.ui import INT64
from socialinbox.ui.thread_html import ThreadColours, thread_html
from socialinbox.ui.views.composer_look import HOLDING_REPLY_LABEL, REPLY_EDITOR_HEIGHT, REPLY_PLACEHOLDER

if TYPE_CHECKING:
    from socialinbox.ui.views.composer import Composer


class ThreadView(QTextBrowser):
    """Shows our escaped HTML; never loads a resource and never follows a link by itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.anchorClicked.connect(self.on_anchor_clicked)
        self.setAccessibleName("Conversation thread")
        self._shown: tuple[Sequence[Message], Sequence[OutboxItem], datetime] = ([], [], datetime.now(UTC))

    def show_thread(self, messages: Sequence[Message], outbox: Sequence[OutboxItem], now: datetime) -> None:
        """The thread in colours from this view's palette; drawn again when the palette (light or dark) changes."""
        self._shown = (messages, outbox, now)
        self.setHtml(thread_html(messages, outbox, now, ThreadColours.from_palette(self.palette())))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            position = self.verticalScrollBar().value()
            self.show_thread(*self._shown)
            self.verticalScrollBar().setValue(position)

    def loadResource(self, kind: int, name: QUrl | str) -> object:
        return None  # nothing remote or local is ever fetched for the thread

    def on_anchor_clicked(self, url: QUrl) -> None:
        target = url.toString()
        if not openable(target):
            QMessageBox.information(self, "Link not opened", f"Social Inbox only opens web links.\n\n{target}")
            return
        answer = QMessageBox.question(self, "Open link?", f"Open this address in your browser?\n\n{target}")
        if answer == QMessageBox.StandardButton.Yes:
            QDesktopServices.openUrl(QUrl(target))


class ComposerStandIn(QWidget):
    """What the composer looks like while no conversation is open (disabled), held in its place until the real one
    is built: the composer brings the length rules, the tone check and VADER, about a fifth of a start, and a start
    paints before it (docs/performance.md, B4). Same widgets, same sizes, so nothing moves when it is swapped."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        editor = QPlainTextEdit(self)
        editor.setPlaceholderText(REPLY_PLACEHOLDER)
        editor.setFixedHeight(REPLY_EDITOR_HEIGHT)
        row = QHBoxLayout()
        row.addWidget(QLabel(self), 1)
        row.addWidget(QPushButton("Template…", self))
        row.addWidget(QPushButton("Send", self))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QWidget(self))  # the composer's (empty) row of suggested templates
        layout.addWidget(editor)
        layout.addLayout(row)
        self.setEnabled(False)


class ConversationPane(QWidget):
    """Signals:
    done_requested(int), reopen_requested(int), retry_requested(int): owner actions on a conversation or a reply.
    earlier_requested(int): "Show earlier messages" on a thread shown from its newest messages.
    conversation_shown(Conversation | None, list[Message], list[OutboxItem]): the pane shows this now.
    """

    done_requested = Signal(INT64)
    reopen_requested = Signal(INT64)
    retry_requested = Signal(INT64)
    earlier_requested = Signal(INT64)
    conversation_shown = Signal(object, object, object)

    def __init__(
        self, now: Callable[[], datetime], parent: QWidget | None = None, *, composer_later: bool = False
    ) -> None:
        """``composer_later``: hold the composer's place with a stand-in until ``install_composer``."""
        super().__init__(parent)
        self._now = now
        self._conversation: Conversation | None = None
        self._expected: int | None = None  # the conversation shown, or on its way (``expect``)
        self._failed: list[OutboxItem] = []
        self.title = QLabel(self)
        self.title.setTextFormat(_PLAIN)
        self.title.setStyleSheet("font-size: 15px; font-weight: 600")
        self.subtitle = QLabel(self)
        self.subtitle.setTextFormat(_PLAIN)
        self.done_button = QPushButton("Mark done", self)
        self.done_button.setToolTip("Mark this conversation done (E)")
        self.done_button.clicked.connect(self.on_done_clicked)
        self.retry_button = QPushButton("Retry sending", self)
        self.retry_button.clicked.connect(self.on_retry_clicked)
        self.retry_button.hide()
        self.earlier_button = QPushButton("↑ Show earlier messages", self)
        self.earlier_button.setToolTip("Only the newest messages of this long thread are shown; add earlier ones")
        self.earlier_button.setFlat(True)
        self.earlier_button.clicked.connect(self.on_earlier_clicked)
        self.earlier_button.hide()
        self._keep_bottom = False  # earlier messages were asked for: they come above what is on screen
        self._shown_count = 0  # messages of the thread on screen
        self.thread_view = ThreadView(self)
        self._composer: Composer | None = None
        self._composer_slot: QWidget = ComposerStandIn(self)
        header = QHBoxLayout()
        names = QVBoxLayout()
        names.addWidget(self.title)
        names.addWidget(self.subtitle)
        header.addLayout(names, 1)
        self.header_actions = QHBoxLayout()  # features add their buttons here (e.g. "Save attachment…")
        header.addLayout(self.header_actions)
        header.addWidget(self.retry_button)
        header.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.earlier_button)
        layout.addWidget(self.thread_view, 1)
        layout.addWidget(self._composer_slot)
        self._layout = layout
        # The clock's holding-reply box comes with the rest of the app; its row is held too, so nothing moves up.
        self._footer_stand_in: QWidget | None = self._holding_box_stand_in() if composer_later else None
        if not composer_later:
            self.install_composer()
        self.show_conversation(None, [], [])

    def add_footer(self, widget: QWidget) -> None:
        """A feature's row under the composer (the clock's holding-reply box), in the place a start held for it."""
        if self._footer_stand_in is not None:
            self._layout.replaceWidget(self._footer_stand_in, widget)
            self._footer_stand_in.hide()  # out of the layout now: until deleted it would show wherever it last was
            self._footer_stand_in.deleteLater()
            self._footer_stand_in = None
        else:
            self._layout.addWidget(widget)

    def add_notice(self, widget: QWidget) -> None:
        """A feature's bar just above the composer (a held reply, a private case), in the order added."""
        self._layout.insertWidget(self._layout.indexOf(self._composer_slot), widget)

    def _holding_box_stand_in(self) -> QWidget:
        box = QCheckBox(HOLDING_REPLY_LABEL, self)
        box.setEnabled(False)
        self._layout.addWidget(box)
        return box

    @property
    def composer(self) -> Composer:
        assert self._composer is not None, "install_composer() comes first"
        return self._composer

    @property
    def has_composer(self) -> bool:
        return self._composer is not None

    def install_composer(self) -> Composer:
        """Build the real composer in the stand-in's place (once); it takes over the open conversation."""
        if self._composer is None:
            from socialinbox.ui.views.composer import Composer  # its rules and VADER: after a start's first paint

            self._composer = Composer(self)
            self._layout.replaceWidget(self._composer_slot, self._composer)
            self._composer_slot.hide()  # as the footer's stand-in
            self._composer_slot.deleteLater()
            self._composer_slot = self._composer
            self._composer.set_conversation(self._conversation)
        return self._composer

    @property
    def conversation(self) -> Conversation | None:
        return self._conversation

    @property
    def expected_id(self) -> int | None:
        """The conversation this pane shows, or the one it was asked to show and whose thread is being read."""
        return self._expected

    def expect(self, conversation_id: int) -> None:
        """``conversation_id`` was opened: its thread is read off the GUI thread and shown when it comes
        (``show_conversation``); until then the pane keeps showing what it showed."""
        self._expected = conversation_id

    def show_conversation(
        self,
        conversation: Conversation | None,
        messages: Sequence[Message],
        outbox: Sequence[OutboxItem],
        *,
        earlier: bool = False,  # the thread has messages before ``messages``
    ) -> None:
        same = conversation is not None and self._conversation is not None and conversation.id == self._conversation.id
        # The longer thread asked for, not a reload that came before it, keeps what the owner reads in place.
        keep_bottom = self._keep_bottom and same and len(messages) > self._shown_count
        self._keep_bottom = self._keep_bottom and same and not keep_bottom
        self._shown_count = len(messages)
        self._conversation = conversation
        self.earlier_button.setVisible(earlier and conversation is not None)
        self._expected = None if conversation is None else conversation.id
        if self._composer is not None:
            self._composer.set_conversation(conversation)
        self.done_button.setEnabled(conversation is not None)
        if conversation is None:
            self.title.setText("No conversation selected")
            self.subtitle.setText("Pick a conversation on the left, or press J and K to move through the inbox.")
            self.thread_view.show_thread([], [], self._now())
            self.retry_button.hide()
            self.conversation_shown.emit(None, [], [])
            return
        self._show_header(conversation)
        bar = self.thread_view.verticalScrollBar()
        top, at_bottom = bar.value(), bar.value() >= bar.maximum() - 4
        below = bar.maximum() - top
        self.thread_view.show_thread(messages, outbox, self._now())  # new text: the view goes back to its top
        if not same or at_bottom:
            bar.setValue(bar.maximum())
        elif keep_bottom:  # the earlier messages came in above: what the owner was reading stays where it was
            bar.setValue(bar.maximum() - below)
        else:  # read again (a poll, a reply queued) while the owner reads further up: they stay there
            bar.setValue(top)
        # A held reply has its own bar (Send anyway / Edit / Discard); "Retry" is for replies that failed to send.
        self._failed = [item for item in outbox if item.state is OutboxState.FAILED and not item.held]
        self.retry_button.setVisible(bool(self._failed))
        self.conversation_shown.emit(conversation, list(messages), list(outbox))

    def _show_header(self, conversation: Conversation) -> None:
        contact = conversation.contact
        self.title.setText(contact.name)
        followers = f" · {contact.followers:,} followers" if contact.followers else ""
        parts = [contact.handle, PLATFORM_LABELS[conversation.platform], conversation.visibility.value]
        self.subtitle.setText(" · ".join(parts) + f"{followers} · {_STATUS[conversation.status]}")
        done = conversation.status is Status.DONE
        self.done_button.setText("Reopen" if done else "Mark done")
        self.done_button.setToolTip("Put it back in Needs reply" if done else "Mark this conversation done (E)")

    def on_done_clicked(self) -> None:
        if self._conversation is None:
            return
        if self._conversation.status is Status.DONE:
            self.reopen_requested.emit(self._conversation.id)
        else:
            self.done_requested.emit(self._conversation.id)

    def on_earlier_clicked(self) -> None:
        if self._conversation is not None:
            self._keep_bottom = True
            self.earlier_requested.emit(self._conversation.id)

    def on_retry_clicked(self) -> None:
        for item in self._failed:
            self.retry_requested.emit(item.id)


_PLAIN = Qt.TextFormat.PlainText  # names come from platforms: never rich text
_STATUS = {
    Status.NEEDS_REPLY: "needs a reply",
    Status.WAITING: "waiting on the customer",
    Status.DONE: "done",
    Status.SNOOZED: "snoozed",
}
