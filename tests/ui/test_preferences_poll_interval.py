"""The global poll interval in Preferences: a bounded spin box whose 0 reads as each platform's pace."""

from __future__ import annotations

from PySide6.QtWidgets import QSpinBox
from pytestqt.qtbot import QtBot

from socialinbox.poll_interval import MAX_PREFERENCE_S
from socialinbox.settings import Settings
from socialinbox.ui.dialogs.preferences_dialog import PreferencesDialog


def spin_box(dialog: PreferencesDialog) -> QSpinBox:
    widget = dialog.editors["poll_interval_s"].widget
    assert isinstance(widget, QSpinBox)
    return widget


def test_the_interval_editor_is_bounded_and_names_the_platform_pace(qtbot: QtBot) -> None:
    dialog = PreferencesDialog(Settings())
    qtbot.addWidget(dialog)
    box = spin_box(dialog)

    assert (box.minimum(), box.maximum(), box.singleStep()) == (0, MAX_PREFERENCE_S, 15)
    assert box.text() == "each platform's usual pace"
    box.setValue(120)
    assert box.text() == "120 s"


def test_a_chosen_interval_comes_back_from_the_dialog(qtbot: QtBot) -> None:
    dialog = PreferencesDialog(Settings())
    qtbot.addWidget(dialog)
    spin_box(dialog).setValue(180)

    dialog.accept()

    assert dialog.result() == PreferencesDialog.DialogCode.Accepted
    assert dialog.settings().poll_interval_s == 180


def test_an_interval_under_thirty_seconds_keeps_the_dialog_open_and_says_why(qtbot: QtBot) -> None:
    dialog = PreferencesDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.show()
    spin_box(dialog).setValue(10)

    dialog.accept()

    assert dialog.isVisible() and "Check accounts every" in dialog.error.text()
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Checking"
