"""The "/" picker (fuzzy search over the owner's templates) and the inline form for a template's free fields.

Both live inside the composer rather than in pop-up windows: the keyboard stays where the owner is typing, and a
screen reader reads them in order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from socialinbox.domain import Platform
from socialinbox.drafts import Ask
from socialinbox.templates import Template, TemplateLibrary, search

TemplateRole = Qt.ItemDataRole.UserRole + 1
_PREVIEW_CHARS = 90


class TemplatePicker(QWidget):
    """A search line over a list of templates; the suggested ones come first while the line is empty.

    Signals:
        chosen(object): the owner picked this Template (Enter, or a double click).
        cancelled(str): the owner closed the picker (Escape); what they had typed, so "/word" can be given back.
    """

    chosen = Signal(object)
    cancelled = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._library = TemplateLibrary()
        self._platform: Platform | None = None
        self._suggested: tuple[Template, ...] = ()
        self.query = QLineEdit(self)
        self.query.setPlaceholderText("Find a template: type its shortcut or any word…  (Enter inserts, Esc closes)")
        self.query.setAccessibleName("Find a template")
        self.results = QListWidget(self)
        self.results.setAccessibleName("Templates")
        self.results.setMaximumHeight(150)
        self.results.setUniformItemSizes(True)
        self.query.textChanged.connect(self.on_query_changed)
        self.query.installEventFilter(self)
        self.results.itemActivated.connect(self.on_item_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.query)
        layout.addWidget(self.results)
        self.hide()

    def open(
        self, library: TemplateLibrary, platform: Platform | None, suggested: Sequence[Template], query: str = ""
    ) -> None:
        self._library, self._platform, self._suggested = library, platform, tuple(suggested)
        self.show()
        self.query.setText(query)
        self.on_query_changed(query)
        self.query.setFocus()

    def visible_templates(self) -> list[Template]:
        return [self.results.item(row).data(TemplateRole) for row in range(self.results.count())]

    def on_query_changed(self, text: str) -> None:
        if text.strip():
            found = search(self._library, text, self._platform)
            suggested_names: set[str] = set()
        else:
            usable = [t for t in self._suggested if t.allows(self._platform)]
            suggested_names = {t.name for t in usable}
            found = usable + [t for t in search(self._library, "", self._platform) if t.name not in suggested_names]
        self.results.clear()
        for template in found:
            marker = "  · suggested" if template.name in suggested_names else ""
            preview = " ".join(template.body.split())
            preview = preview if len(preview) <= _PREVIEW_CHARS else preview[: _PREVIEW_CHARS - 1] + "…"
            item = QListWidgetItem(f"{template.name}   /{template.shortcut}{marker}\n{preview}")
            item.setData(TemplateRole, template)
            item.setToolTip(template.body)
            self.results.addItem(item)
        if found:
            self.results.setCurrentRow(0)

    def on_item_activated(self, item: QListWidgetItem) -> None:
        self._choose(item.data(TemplateRole))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Override QObject::eventFilter: arrows move through the results while the owner types in the search line."""
        if watched is self.query and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(0, min(self.results.count() - 1, self.results.currentRow() + step))
                self.results.setCurrentRow(row)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                item = self.results.currentItem()
                if item is not None:
                    self._choose(item.data(TemplateRole))
                return True
            if key == Qt.Key.Key_Escape:
                typed = self.query.text()
                self.hide()
                self.cancelled.emit(typed)
                return True
        return super().eventFilter(watched, event)

    def _choose(self, template: Template) -> None:
        self.hide()
        self.chosen.emit(template)


class TemplateFields(QWidget):
    """Asks for what a template needs before it goes into the draft: its free fields and missing shop details.

    Signals:
        filled(object): a dict of Ask.key -> text (Enter on the last field, or "Insert").
        skipped(): insert it anyway; what was left empty stays a {placeholder} that blocks sending.
    """

    filled = Signal(object)
    skipped = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._edits: dict[str, QLineEdit] = {}
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.form = QFormLayout()
        self.insert_button = QPushButton("Insert", self)
        self.insert_button.setToolTip("Insert the template with these values (Enter)")
        self.insert_button.clicked.connect(self.on_insert)
        self.skip_button = QPushButton("Insert without", self)
        self.skip_button.setToolTip("Insert it and fill in the gaps in the text yourself (Esc)")
        self.skip_button.clicked.connect(self.skipped)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.insert_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addWidget(self.title)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        self.hide()

    def ask(self, template_name: str, asks: Sequence[Ask], known: Mapping[str, str] | None = None) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self._edits = {}
        self.title.setText(f"Fill in “{template_name}”:")
        for ask in asks:
            edit = QLineEdit(self)
            edit.setText((known or {}).get(ask.key, ""))
            edit.setPlaceholderText(ask.hint)
            edit.setAccessibleName(ask.label)
            edit.installEventFilter(self)
            self.form.addRow(ask.label, edit)
            self._edits[ask.key] = edit
        self.show()
        first = next(iter(self._edits.values()), None)
        if first is not None:
            first.setFocus()

    def answers(self) -> dict[str, str]:
        return {key: edit.text().strip() for key, edit in self._edits.items()}

    def edit_for(self, key: str) -> QLineEdit:
        return self._edits[key]

    def on_insert(self) -> None:
        self.filled.emit(self.answers())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Override QObject::eventFilter: Enter moves to the next empty field, then inserts; Esc inserts as is."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and watched in self._edits.values():
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                empty = next((e for e in self._edits.values() if not e.text().strip() and e is not watched), None)
                if empty is not None and isinstance(watched, QLineEdit) and watched.text().strip():
                    empty.setFocus()
                else:
                    self.on_insert()
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.skipped.emit()
                return True
        return super().eventFilter(watched, event)
