"""The template editor: live validation while typing, saving to the owner's library, import and export."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from socialinbox.domain import Platform
from socialinbox.template_store import TemplateStore
from socialinbox.templates import Template, TemplateLibrary
from socialinbox.ui.dialogs.templates_dialog import TemplatesDialog


@pytest.fixture
def dialog(tmp_path: Path, qtbot: QtBot) -> TemplatesDialog:
    shown = TemplatesDialog(TemplateStore.in_folder(tmp_path))
    qtbot.addWidget(shown)
    return shown


def _select(dialog: TemplatesDialog, name: str) -> None:
    row = next(r for r in range(dialog.templates.count()) if dialog.templates.item(r).text().startswith(name))
    dialog.templates.setCurrentRow(row)


def test_the_form_shows_the_selected_template_with_a_filled_preview(dialog: TemplatesDialog) -> None:
    _select(dialog, "Opening hours")
    assert (dialog.name.text(), dialog.shortcut.text()) == ("Opening hours", "hours")
    assert dialog.preview.text() == "Hi Anna! We're open Mon-Sat 8:00-18:00. Hope to see you soon!"
    assert dialog.save_button.isEnabled() and not dialog.problems.isVisibleTo(dialog)


def test_problems_show_while_typing_and_block_saving(dialog: TemplatesDialog, qtbot: QtBot) -> None:
    _select(dialog, "Opening hours")
    dialog.body.setPlainText("Hi {custmer}, we open {opening_hours")
    assert not dialog.save_button.isEnabled()
    problems = dialog.problems.text()
    assert "did you mean {customer_name}?" in problems and "never closed" in problems
    dialog.body.setPlainText("Hi {customer_name}")
    dialog.shortcut.setText("thanks")
    assert "already used by 'Thanks for the kind words'" in dialog.problems.text()
    dialog.shortcut.setText("hours")
    assert dialog.save_button.isEnabled()


def test_a_new_template_with_tags_and_channels_is_saved_to_the_library(dialog: TemplatesDialog) -> None:
    changed: list[bool] = []
    dialog.library_changed.connect(lambda: changed.append(True))
    dialog.new_button.click()
    dialog.name.setText("Parking")
    dialog.shortcut.setText("/Parking")
    dialog.tags.setText("car, parking ,")
    dialog.channels.item(list(Platform).index(Platform.MASTODON)).setCheckState(Qt.CheckState.Checked)
    dialog.body.setPlainText("Free parking behind the shop, {customer_name}; ask for {field:spot}.")
    assert dialog.preview.text() == "Free parking behind the shop, Anna; ask for [spot]."
    dialog.save_button.click()
    saved = TemplateStore(dialog._store.path).load().get("Parking")
    assert saved == Template("Parking", "parking", saved.body, ("car", "parking"), (Platform.MASTODON,), False)
    assert changed == [True] and dialog.name.text() == "Parking"


def test_delete_removes_the_selected_template(dialog: TemplatesDialog) -> None:
    _select(dialog, "Away reply")
    dialog.delete_button.click()
    assert "Away reply" not in TemplateStore(dialog._store.path).load()


def test_export_then_import_into_another_library(dialog: TemplatesDialog, tmp_path: Path, qtbot: QtBot) -> None:
    exported = tmp_path / "out.json"
    dialog.export_to(exported)
    other_store = TemplateStore(tmp_path / "other" / "templates.json")
    other_store.save(TemplateLibrary())
    other = TemplatesDialog(other_store)
    qtbot.addWidget(other)
    count = len(TemplateStore(dialog._store.path).load())
    assert other.import_from(exported) == f"Imported {count} new and 0 replaced templates."
    assert other.templates.count() == count
