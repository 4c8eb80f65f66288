"""Take it private: confirm the short public acknowledgement (checked like any public reply) before it is queued
and the private chat opens."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from socialinbox.drafts import draft_problems
from socialinbox.tone import Finding
from socialinbox.ui.views.findings_view import FindingsView


class TakePrivateDialog(QDialog):
    def __init__(
        self,
        customer: str,
        private_where: str,
        acknowledgement: str,
        review: Callable[[str], list[Finding]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Take it private")
        self._review = review
        intro = QLabel(
            f"First this short reply goes out in public. Then a {private_where} with {customer} opens, "
            "ready for you to write.",
            self,
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.editor = QPlainTextEdit(acknowledgement, self)
        self.editor.setAccessibleName("Public acknowledgement")
        self.editor.setFixedHeight(80)
        self.problems = QLabel(self)
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        self.problems.setStyleSheet("color: #b00020")
        self.problems.setWordWrap(True)
        self.findings = FindingsView(self)
        self.findings.fix_requested.connect(self.editor.setPlainText)
        self.buttons = QDialogButtonBox(self)
        accept = QDialogButtonBox.ButtonRole.AcceptRole
        self.ok_button = self.buttons.addButton("Post it and open the private chat", accept)
        self.ok_button.setToolTip("Queue the public reply and open the private chat (Enter)")
        self.ok_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (intro, self.editor, self.problems, self.findings, self.buttons):
            layout.addWidget(widget)
        self.editor.textChanged.connect(self.on_text_changed)
        self.on_text_changed()
        self.resize(520, self.sizeHint().height())

    @property
    def text(self) -> str:
        return self.editor.toPlainText().strip()

    def on_text_changed(self) -> None:
        problems = draft_problems(self.text) or ([] if self.text else ["Write a short public reply first."])
        self.problems.setText("\n".join(problems))
        self.problems.setVisible(bool(problems))
        self.findings.show_findings(self._review(self.text) if self.text else [], send_blocked=False)
        self.ok_button.setEnabled(not problems)
