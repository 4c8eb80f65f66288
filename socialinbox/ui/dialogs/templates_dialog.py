"""The template library editor: name, shortcut, tags, channels and body, checked while the owner types.

Every save goes straight to the ``TemplateStore`` (the same file the command line edits), so nothing is lost if the
app stops with the dialog open.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from socialinbox.domain import PLATFORM_LABELS, Platform
from socialinbox.drafts import fill
from socialinbox.template_store import TemplateStore
from socialinbox.templates import VARIABLES, Template, TemplateError, free_fields, validate

_SAMPLE = {
    "customer_name": "Anna",
    "customer_handle": "@anna",
    "shop_name": "Your shop",
    "owner_name": "You",
    "channel": "Mastodon",
    "opening_hours": "Mon-Sat 8:00-18:00",
}


class TemplatesDialog(QDialog):
    """Signals: library_changed(): the store was written."""

    library_changed = Signal()

    def __init__(self, store: TemplateStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reply templates")
        self.resize(900, 560)
        self._store = store
        self._editing: str | None = None  # the name of the template in the form; None: a new one
        self.templates = QListWidget(self)
        self.templates.setAccessibleName("Templates")
        self.templates.currentItemChanged.connect(self.on_current_changed)
        self.new_button = QPushButton("New", self)
        self.new_button.setToolTip("Start a new template (Ctrl+N)")
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.setToolTip("Delete the selected template")
        self.import_button = QPushButton("Import…", self)
        self.import_button.setToolTip("Add templates from an exported JSON file")
        self.export_button = QPushButton("Export…", self)
        self.export_button.setToolTip("Save every template to a JSON file")
        self.name = QLineEdit(self)
        self.shortcut = QLineEdit(self)
        self.shortcut.setPlaceholderText("e.g. hours: typed as /hours in a reply")
        self.tags = QLineEdit(self)
        self.tags.setPlaceholderText("comma-separated, e.g. hours, public")
        self.channels = QListWidget(self)
        self.channels.setMaximumHeight(120)
        self.channels.setToolTip("Tick the channels this template is for; none ticked: every channel")
        for platform in Platform:
            item = QListWidgetItem(PLATFORM_LABELS[platform])
            item.setData(Qt.ItemDataRole.UserRole, platform)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.channels.addItem(item)
        self.holding = QCheckBox("Holding reply (it promises a follow-up)", self)
        self.body = QPlainTextEdit(self)
        self.body.setAccessibleName("Template text")
        self.body.setPlaceholderText(
            "Hi {customer_name}! …  Variables: " + ", ".join("{" + v + "}" for v in VARIABLES) + ", {field:any name}"
        )
        self.problems = QLabel(self)
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b00020")
        self.preview = QLabel(self)
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        self.preview.setWordWrap(True)
        self.save_button = QPushButton("Save", self)
        self.save_button.setToolTip("Save this template (Ctrl+S)")
        self._build()
        self.reload()

    def _build(self) -> None:
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.templates, 1)
        row = QHBoxLayout()
        for button in (self.new_button, self.delete_button, self.import_button, self.export_button):
            row.addWidget(button)
        left_layout.addLayout(row)
        right = QWidget(self)
        form = QFormLayout(right)
        form.addRow("Name", self.name)
        form.addRow("Shortcut", self.shortcut)
        form.addRow("Tags", self.tags)
        form.addRow("Channels\n(none: all)", self.channels)
        form.addRow("", self.holding)
        form.addRow("Text", self.body)
        form.addRow("", self.problems)
        form.addRow("Preview", self.preview)
        form.addRow("", self.save_button)
        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([300, 600])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.new_button.clicked.connect(self.on_new)
        self.delete_button.clicked.connect(self.on_delete)
        self.import_button.clicked.connect(self.on_import_clicked)
        self.export_button.clicked.connect(self.on_export_clicked)
        self.save_button.clicked.connect(self.on_save)
        QShortcut(QKeySequence("Ctrl+S"), self, self.on_save)
        QShortcut(QKeySequence("Ctrl+N"), self, self.on_new)
        for edit in (self.name, self.shortcut, self.tags):
            edit.textChanged.connect(self.on_form_changed)
        self.body.textChanged.connect(self.on_form_changed)
        self.channels.itemChanged.connect(self.on_form_changed)

    # --- the list -----------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        self.templates.blockSignals(True)
        self.templates.clear()
        for template in self._store.load():
            item = QListWidgetItem(f"{template.name}   /{template.shortcut}")
            item.setData(Qt.ItemDataRole.UserRole, template)
            self.templates.addItem(item)
        self.templates.blockSignals(False)
        row = next((r for r in range(self.templates.count()) if self._template_at(r).name == select), 0)
        if self.templates.count():
            self.templates.setCurrentRow(row)
            self.on_current_changed(self.templates.currentItem(), None)
        else:
            self.on_new()

    def _template_at(self, row: int) -> Template:
        template: Template = self.templates.item(row).data(Qt.ItemDataRole.UserRole)
        return template

    def on_current_changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self.show_template(current.data(Qt.ItemDataRole.UserRole))

    def show_template(self, template: Template | None) -> None:
        self._editing = template.name if template else None
        self.name.setText(template.name if template else "")
        self.shortcut.setText(template.shortcut if template else "")
        self.tags.setText(", ".join(template.tags) if template else "")
        self.holding.setChecked(bool(template and template.holding))
        chosen = set(template.platforms) if template else set()
        for row in range(self.channels.count()):
            item = self.channels.item(row)
            ticked = item.data(Qt.ItemDataRole.UserRole) in chosen
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        self.body.setPlainText(template.body if template else "")
        self.on_form_changed()

    # --- the form -----------------------------------------------------------------------------------

    def form_template(self) -> Template:
        """The template as the form stands; raises ``TemplateError`` with the reasons when it is not valid."""
        platforms = tuple(
            self.channels.item(r).data(Qt.ItemDataRole.UserRole)
            for r in range(self.channels.count())
            if self.channels.item(r).checkState() == Qt.CheckState.Checked
        )
        tags = tuple(tag.strip() for tag in self.tags.text().split(",") if tag.strip())
        body = self.body.toPlainText().strip()
        problems = validate(body) + ([] if body else ["a template needs some text"])
        if problems:
            raise TemplateError(problems)
        return Template(
            self.name.text().strip(), self.shortcut.text().strip().lstrip("/").lower(), body, tags, platforms,
            self.holding.isChecked(),
        )  # fmt: skip

    def on_form_changed(self) -> None:
        try:
            template = self.form_template()
        except TemplateError as error:
            self._show_problems(list(error.problems))
            self.preview.setText("")
            return
        clash = self._clash(template)
        self._show_problems([clash] if clash else [])
        fields = {"field:" + name: f"[{name}]" for name in free_fields(template.body)}
        self.preview.setText(fill(template, _SAMPLE, fields))

    def _clash(self, template: Template) -> str:
        for row in range(self.templates.count()):
            other = self._template_at(row)
            if other.name == self._editing:
                continue
            if other.name.casefold() == template.name.casefold():
                return f"A template named {template.name!r} already exists."
            if other.shortcut == template.shortcut:
                return f"The shortcut /{template.shortcut} is already used by {other.name!r}."
        return ""

    def _show_problems(self, problems: list[str]) -> None:
        self.problems.setText("\n".join(problems))
        self.problems.setVisible(bool(problems))
        self.save_button.setEnabled(not problems)

    # --- actions ------------------------------------------------------------------------------------

    def on_new(self) -> None:
        self.templates.clearSelection()
        self.show_template(None)
        self.name.setFocus()

    def on_save(self) -> None:
        try:
            template = self.form_template()
            if self._editing is None:
                self._store.add(template)
            else:
                self._store.edit(self._editing, template)
        except (TemplateError, KeyError) as error:
            self._show_problems([str(error)])
            return
        self.library_changed.emit()
        self.reload(select=template.name)

    def on_delete(self) -> None:
        if self._editing is None:
            return
        self._store.remove(self._editing)
        self.library_changed.emit()
        self.reload()

    def on_import_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import templates", "", "Templates (*.json)")
        if path:
            self.import_from(Path(path))

    def on_export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export templates", "templates.json", "Templates (*.json)")
        if path:
            self.export_to(Path(path))

    def import_from(self, path: Path, *, replace: bool = False) -> str:
        try:
            summary = self._store.import_json(path.read_text(encoding="utf-8"), replace=replace)
        except (OSError, UnicodeDecodeError, TemplateError) as error:
            message = "\n".join(error.problems) if isinstance(error, TemplateError) else str(error)
            QMessageBox.warning(self, "Import templates", f"Nothing was imported.\n\n{message}")
            return message
        self.library_changed.emit()
        self.reload()
        return f"Imported {len(summary.added)} new and {len(summary.replaced)} replaced templates."

    def export_to(self, path: Path) -> None:
        path.write_text(self._store.export_json() + "\n", encoding="utf-8")
