"""The reply editor: templates by "/" or T, the exact length left for the channel, what still blocks the draft,
and the public-reply check before anything goes out in public. Ctrl+Enter sends.

What the composer knows of the shop (templates, settings, the account, the thread) comes from ``ComposerServices``,
which the app provides; without it the composer is a plain editor with a counter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from socialinbox.domain import Conversation, Message, Visibility
from socialinbox.drafts import asks_for, draft_problems, fill, join_draft
from socialinbox.limits import measure_reply
from socialinbox.templates import Template, TemplateLibrary
from socialinbox.tone import Finding, ReviewContext
from socialinbox.ui.views.composer_look import REPLY_EDITOR_HEIGHT, REPLY_PLACEHOLDER
from socialinbox.ui.views.findings_view import FindingsView, blocking
from socialinbox.ui.views.template_picker import TemplateFields, TemplatePicker

REVIEW_DELAY_MS = 250  # re-check a public draft once typing pauses, not on every key
MAX_SUGGESTIONS = 3


@dataclasses.dataclass(frozen=True)
class DraftSetup:
    """Everything the composer needs for one open conversation."""

    context: Mapping[str, str] = dataclasses.field(default_factory=dict)  # template variables
    library: TemplateLibrary = dataclasses.field(default_factory=TemplateLibrary)
    suggestions: tuple[Template, ...] = ()
    review: ReviewContext | None = None  # None: a private reply, which is never checked
    account_settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    customer_message: str = ""


class ComposerServices(Protocol):
    def draft_setup(self, conversation: Conversation, messages: Sequence[Message]) -> DraftSetup: ...
    def review(self, text: str, context: ReviewContext) -> list[Finding]: ...
    def templates_used(self, names: Sequence[str], customer_message: str) -> None: ...


class _PlainServices:
    def draft_setup(self, conversation: Conversation, messages: Sequence[Message]) -> DraftSetup:
        return DraftSetup()

    def review(self, text: str, context: ReviewContext) -> list[Finding]:
        return []

    def templates_used(self, names: Sequence[str], customer_message: str) -> None:
        """Nothing learns without a template store."""


class ReplyEditor(QPlainTextEdit):
    """A plain-text editor where "/" at the start of a word asks for a template instead of typing a slash."""

    slash_typed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Override QWidget::keyPressEvent."""
        if event.text() == "/" and self._at_word_start():
            self.slash_typed.emit()
            return
        super().keyPressEvent(event)

    def _at_word_start(self) -> bool:
        cursor = self.textCursor()
        position = cursor.position()
        return position == 0 or self.toPlainText()[position - 1].isspace()


class Composer(QWidget):
    """Signals:
    send_requested(str): the owner asked to send this text (it has passed every check, or they said send anyway).
    """

    send_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._conversation: Conversation | None = None
        self._services: ComposerServices = _PlainServices()
        self._setup = DraftSetup()
        self._used: list[str] = []  # templates inserted into this draft, for the suggestions to learn from
        self._pending: Template | None = None  # waiting for its fields
        self._blocked_text: str | None = None  # the draft a send was just stopped for (its findings are shown)
        self.suggestion_bar = QWidget(self)
        self._suggestion_row = QHBoxLayout(self.suggestion_bar)
        self._suggestion_row.setContentsMargins(0, 0, 0, 0)
        self.suggestion_buttons: list[QPushButton] = []
        self.picker = TemplatePicker(self)
        self.editor = ReplyEditor(self)
        self.editor.setPlaceholderText(REPLY_PLACEHOLDER)
        self.editor.setAccessibleName("Reply")
        self.editor.setFixedHeight(REPLY_EDITOR_HEIGHT)
        self.fields = TemplateFields(self)
        self.problems = QLabel(self)
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b00020")
        self.problems.setAccessibleName("Why the reply cannot be sent yet")
        self.findings = FindingsView(self)
        self.counter = QLabel(self)
        self.counter.setAccessibleName("Characters left")
        self.template_button = QPushButton("Template…", self)
        self.template_button.setToolTip("Insert a reply template (T, or / in the reply)")
        self.send_button = QPushButton("Send", self)
        self.send_button.setToolTip("Send the reply (Ctrl+Enter)")
        self._review_timer = QTimer(self, singleShot=True, interval=REVIEW_DELAY_MS)
        self._layout()
        self._wire()
        self.on_text_changed()

    def _layout(self) -> None:
        row = QHBoxLayout()
        row.addWidget(self.counter, 1)
        row.addWidget(self.template_button)
        row.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.suggestion_bar, self.picker, self.editor, self.fields, self.problems, self.findings):
            layout.addWidget(widget)
        layout.addLayout(row)

    def _wire(self) -> None:
        self.send_button.clicked.connect(self.on_send_clicked)
        self.template_button.clicked.connect(lambda: self.open_picker())
        self.editor.textChanged.connect(self.on_text_changed)
        self.editor.slash_typed.connect(lambda: self.open_picker())
        self.picker.chosen.connect(self.insert_template)
        self.picker.cancelled.connect(self.on_picker_cancelled)
        self.fields.filled.connect(self.on_fields_filled)
        self.fields.skipped.connect(lambda: self.on_fields_filled({}))
        self.findings.fix_requested.connect(self.apply_fix)
        self.findings.send_anyway_requested.connect(lambda: self._send(force=True))
        self._review_timer.timeout.connect(self.refresh_findings)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self.editor, self.on_send_clicked)

    # --- what the pane and the app call ----------------------------------------------------------

    def set_services(self, services: ComposerServices) -> None:
        self._services = services

    def set_conversation(self, conversation: Conversation | None) -> None:
        if conversation is None or self._conversation is None or conversation.id != self._conversation.id:
            self.editor.clear()
            self._used = []
            self.picker.hide()
            self.fields.hide()
            self._setup = DraftSetup()
        self._conversation = conversation
        self.setEnabled(conversation is not None)
        self.on_text_changed()

    def set_thread(self, messages: Sequence[Message]) -> None:
        """The open conversation's messages arrived (or changed): refresh suggestions, counter and check."""
        if self._conversation is None:
            self._setup = DraftSetup()
        else:
            self._setup = self._services.draft_setup(self._conversation, messages)
        self._show_suggestions()
        self.on_text_changed()

    @property
    def setup(self) -> DraftSetup:
        return self._setup

    def open_picker(self, query: str = "") -> None:
        if self._conversation is None:
            return
        self.fields.hide()
        self.picker.open(self._setup.library, self._conversation.platform, self._setup.suggestions, query)

    def insert_template(self, template: Template) -> None:
        """Put a template into the draft at the cursor, asking first for what it needs."""
        asks = asks_for(template, self._setup.context)
        if asks:
            self._pending = template
            self.fields.ask(template.name, asks)
            return
        self._insert_text(template, fill(template, self._setup.context, {}))

    def prefill(self, template: Template) -> None:
        """Start the draft afresh from ``template`` (taking a conversation private, closing the loop)."""
        self.editor.clear()
        self._used = []
        self.insert_template(template)

    def apply_fix(self, text: str) -> None:
        self.editor.setPlainText(text)
        self.editor.moveCursor(QTextCursor.MoveOperation.End)
        self.editor.setFocus()
        self.refresh_findings()

    # --- slots ---------------------------------------------------------------------------------------

    def on_picker_cancelled(self, typed: str) -> None:
        self.editor.insertPlainText("/" + typed)  # the owner meant a slash after all
        self.editor.setFocus()

    def on_fields_filled(self, answers: Mapping[str, str]) -> None:
        template, self._pending = self._pending, None
        self.fields.hide()
        if template is not None:
            self._insert_text(template, fill(template, self._setup.context, answers))

    def on_text_changed(self) -> None:
        text = self.editor.toPlainText()
        conversation = self._conversation
        if conversation is None:
            self.counter.setText("")
            self.problems.hide()
            self.findings.show_findings([], send_blocked=False)
            self.send_button.setEnabled(False)
            return
        size = measure_reply(
            text,
            conversation.platform,
            private=conversation.visibility is Visibility.PRIVATE,
            recipient_handle=conversation.contact.handle,
            account_settings=self._setup.account_settings,
        )
        problems = draft_problems(text)
        if size.over_bytes:
            problems.append("Too long for this channel once its emoji are counted in bytes: shorten it.")
        self._show_counter(size.used, size.limit, size.over)
        self.problems.setText("\n".join(problems))
        self.problems.setVisible(bool(problems))
        self.send_button.setEnabled(bool(text.strip()) and not size.over and not problems)
        if self._blocked_text is not None and text != self._blocked_text:
            self._blocked_text = None
        self._review_timer.start()

    def refresh_findings(self) -> None:
        self._review_timer.stop()
        self.findings.show_findings(self._current_findings(), send_blocked=self._blocked_text is not None)

    def on_send_clicked(self) -> None:
        self._send(force=False)

    # --- inside -------------------------------------------------------------------------------------

    def _send(self, *, force: bool) -> None:
        text = self.editor.toPlainText().strip()
        self.on_text_changed()
        if not text or not self.send_button.isEnabled():
            return
        if not force and blocking(self._current_findings()):
            self._blocked_text = self.editor.toPlainText()
            self.refresh_findings()
            self.findings.send_anyway_button.setFocus()
            return
        self._blocked_text = None
        self.send_requested.emit(text)
        if self._used:
            self._services.templates_used(list(self._used), self._setup.customer_message)
        self._used = []
        self.editor.clear()
        self.editor.setFocus()

    def _current_findings(self) -> list[Finding]:
        text = self.editor.toPlainText()
        if self._setup.review is None or not text.strip():
            return []
        return self._services.review(text, self._setup.review)

    def _insert_text(self, template: Template, text: str) -> None:
        cursor = self.editor.textCursor()
        draft, position = join_draft(self.editor.toPlainText(), text, cursor.position())
        self.editor.setPlainText(draft)
        cursor = self.editor.textCursor()
        cursor.setPosition(position)
        self.editor.setTextCursor(cursor)
        self.editor.setFocus()
        if template.name not in self._used:
            self._used.append(template.name)

    def _show_counter(self, used: int, limit: int | None, over: bool) -> None:
        if limit is None:
            self.counter.setText(f"{used} characters")
        elif over:
            self.counter.setText(f"{used - limit} over the {limit} limit")
        else:
            self.counter.setText(f"{limit - used} left")
        self.counter.setStyleSheet("color: #b00020" if over else "")

    def _show_suggestions(self) -> None:
        while self._suggestion_row.count():
            item = self._suggestion_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.suggestion_buttons = []
        suggestions = self._setup.suggestions[:MAX_SUGGESTIONS]
        if not suggestions:
            self.suggestion_bar.hide()
            return
        label = QLabel("Suggested:", self.suggestion_bar)
        self._suggestion_row.addWidget(label)
        for number, template in enumerate(suggestions, start=1):
            button = QPushButton(template.name, self.suggestion_bar)
            button.setFlat(True)
            button.setToolTip(f"Insert “{template.name}” (Alt+{number}, or /{template.shortcut})")
            button.setShortcut(QKeySequence(f"Alt+{number}"))
            button.clicked.connect(lambda _checked=False, chosen=template: self.insert_template(chosen))
            self._suggestion_row.addWidget(button)
            self.suggestion_buttons.append(button)
        self._suggestion_row.addStretch(1)
        label.setBuddy(self.suggestion_buttons[0])
        self.suggestion_bar.show()
