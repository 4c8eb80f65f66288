"""Preferences: built from the fields of ``Settings`` that were made with ``preference(...)``.

Each such field gets an editor by its type (bool: a check box, int: a spin box, float: a decimal spin box,
str: a line edit), under a tab named after its section, in the order the fields are declared. A field added to
settings.py appears here with no edit to this file. A field that needs something else (a drop-down, a time picker)
gets it by name through ``editors``; ``validators`` refuse bad text before the dialog closes.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from socialinbox.poll_interval import preference_problem
from socialinbox.quiet_hours import parse_quiet_hours
from socialinbox.settings import Settings

MAX_INT = 1_000_000


class FieldEditor(Protocol):
    @property
    def widget(self) -> QWidget: ...  # read-only here, so an editor's own widget may be any QWidget subclass

    def value(self) -> Any: ...

    def set_value(self, value: Any) -> None: ...


EditorFactory = Callable[[dataclasses.Field[Any], QWidget], FieldEditor]
Validator = Callable[[Any], "str | None"]  # an error message, or None when the value is fine


def _check_quiet_hours(value: Any) -> str | None:
    try:
        parse_quiet_hours(str(value))
    except ValueError as error:
        return str(error)
    return None


def _check_poll_interval(value: Any) -> str | None:
    return preference_problem(int(value))


DEFAULT_VALIDATORS: Mapping[str, Validator] = {
    "quiet_hours": _check_quiet_hours,
    "poll_interval_s": _check_poll_interval,
}


class CheckBoxEditor:
    def __init__(self, field: dataclasses.Field[Any], parent: QWidget) -> None:
        self.widget = QCheckBox(field.metadata["label"], parent)

    def value(self) -> bool:
        return self.widget.isChecked()

    def set_value(self, value: Any) -> None:
        self.widget.setChecked(bool(value))


class SpinBoxEditor:
    """A whole number; the field's ``minimum``, ``maximum``, ``step``, ``suffix`` and ``special`` (the text shown in
    place of the minimum, e.g. "each platform's usual pace" for 0) come from its preference(...) metadata."""

    def __init__(self, field: dataclasses.Field[Any], parent: QWidget) -> None:
        self.widget = QSpinBox(parent)
        self.widget.setRange(field.metadata.get("minimum", 0), field.metadata.get("maximum", MAX_INT))
        self.widget.setSingleStep(field.metadata.get("step", 1))
        self.widget.setSuffix(field.metadata.get("suffix", ""))
        self.widget.setSpecialValueText(field.metadata.get("special", ""))

    def value(self) -> int:
        return self.widget.value()

    def set_value(self, value: Any) -> None:
        self.widget.setValue(int(value) if isinstance(value, int | float) else 0)


class DecimalEditor:
    def __init__(self, field: dataclasses.Field[Any], parent: QWidget) -> None:
        self.widget = QDoubleSpinBox(parent)
        self.widget.setRange(0, MAX_INT)
        self.widget.setDecimals(2)

    def value(self) -> float:
        return self.widget.value()

    def set_value(self, value: Any) -> None:
        self.widget.setValue(float(value) if isinstance(value, int | float) else 0.0)


class TextEditor:
    def __init__(self, field: dataclasses.Field[Any], parent: QWidget) -> None:
        self.widget = QLineEdit(parent)
        self.widget.setClearButtonEnabled(True)

    def value(self) -> str:
        return self.widget.text().strip()

    def set_value(self, value: Any) -> None:
        self.widget.setText("" if value is None else str(value))


class ReadOnlyEditor:
    """For a type with no editor yet: shows the value and hands it back unchanged."""

    def __init__(self, field: dataclasses.Field[Any], parent: QWidget) -> None:
        self.widget = QLabel(parent)
        self._value: Any = None

    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        self._value = value
        self.widget.setText(str(value))


EDITORS_BY_TYPE: Mapping[type, EditorFactory] = {
    bool: CheckBoxEditor,
    int: SpinBoxEditor,
    float: DecimalEditor,
    str: TextEditor,
}


def preference_fields() -> list[dataclasses.Field[Any]]:
    """The fields the owner edits, in declaration order."""
    return [field for field in dataclasses.fields(Settings) if "label" in field.metadata]


class PreferencesDialog(QDialog):
    """Edits a copy of the settings; ``settings()`` is the result once the dialog was accepted."""

    def __init__(
        self,
        settings: Settings,
        *,
        editors: Mapping[str, EditorFactory] | None = None,
        validators: Mapping[str, Validator] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setAccessibleName("Preferences")
        self.resize(640, 480)
        self._original = settings
        self._custom = dict(editors or {})
        self._validators = {**DEFAULT_VALIDATORS, **(validators or {})}
        self._types = typing.get_type_hints(Settings)
        self.editors: dict[str, FieldEditor] = {}
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Preference sections")
        for section, fields in self._sections().items():
            self.tabs.addTab(self._section_page(fields), section)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #c62828")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _sections(self) -> dict[str, list[dataclasses.Field[Any]]]:
        sections: dict[str, list[dataclasses.Field[Any]]] = {}
        for field in preference_fields():
            sections.setdefault(field.metadata["section"], []).append(field)
        return sections

    def _section_page(self, fields: list[dataclasses.Field[Any]]) -> QWidget:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        page = QWidget(scroll)
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for field in fields:
            editor = self._editor_for(field, page)
            editor.set_value(getattr(self._original, field.name))
            label, help_text = field.metadata["label"], field.metadata.get("help", "")
            editor.widget.setAccessibleName(label)
            editor.widget.setObjectName(field.name)
            if help_text:
                editor.widget.setToolTip(help_text)
                editor.widget.setAccessibleDescription(help_text)
            # A check box carries its own text; everything else gets the label on the left.
            form.addRow("" if isinstance(editor.widget, QCheckBox) else label, editor.widget)
            if help_text:
                hint = QLabel(help_text, page)
                hint.setWordWrap(True)
                font = hint.font()
                font.setPointSizeF(font.pointSizeF() * 0.9)  # smaller than the label, in the full text colour
                hint.setFont(font)
                form.addRow("", hint)
            self.editors[field.name] = editor
        scroll.setWidget(page)
        return scroll

    def _editor_for(self, field: dataclasses.Field[Any], parent: QWidget) -> FieldEditor:
        if field.name in self._custom:
            return self._custom[field.name](field, parent)
        factory = EDITORS_BY_TYPE.get(self._types.get(field.name, str), ReadOnlyEditor)
        return factory(field, parent)

    def values(self) -> dict[str, Any]:
        return {name: editor.value() for name, editor in self.editors.items()}

    def settings(self) -> Settings:
        return dataclasses.replace(self._original, **self.values())

    def problems(self) -> dict[str, str]:
        values = self.values()
        found = {}
        for name, validate in self._validators.items():
            if name in values and (message := validate(values[name])) is not None:
                found[name] = message
        return found

    def accept(self) -> None:
        problems = self.problems()
        if not problems:
            super().accept()
            return
        name, message = next(iter(problems.items()))
        editor = self.editors[name]
        self.error.setText(f"{editor.widget.accessibleName()}: {message}")
        self.error.show()
        page = editor.widget.parentWidget()
        for index in range(self.tabs.count()):
            scroll = self.tabs.widget(index)
            if isinstance(scroll, QScrollArea) and scroll.widget() is page:
                self.tabs.setCurrentIndex(index)
        editor.widget.setFocus(Qt.FocusReason.OtherFocusReason)
