"""The public-reply check's findings, shown under the draft: what reads badly, a one-click fix where there is one,
and "Send anyway" for when the owner knows better."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from socialinbox.tone import Finding, Severity

_COLOURS = {Severity.WARNING: "#8a4b00", Severity.INFO: "#445"}
_MARKS = {Severity.WARNING: "⚠", Severity.INFO: "ℹ"}


def blocking(findings: Sequence[Finding]) -> list[Finding]:
    """Findings that stop a first Ctrl+Enter: warnings. Notes (info) never stand in the way."""
    return [finding for finding in findings if finding.severity is Severity.WARNING]


class FindingsView(QFrame):
    """Signals:
    fix_requested(str): replace the draft with this corrected text.
    send_anyway_requested(): send the draft as it is, findings and all.
    """

    fix_requested = Signal(str)
    send_anyway_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Public reply check")
        self._findings: tuple[Finding, ...] = ()
        self.heading = QLabel("Before this goes out in public:", self)
        self.heading.setStyleSheet("font-weight: 600")
        self._rows = QVBoxLayout()
        self._rows.setSpacing(2)
        self.send_anyway_button = QPushButton("Send anyway", self)
        self.send_anyway_button.setToolTip("Send the reply as it is, findings and all (Enter when focused)")
        self.send_anyway_button.setAutoDefault(True)  # Enter sends once the composer hands it the focus
        self.send_anyway_button.clicked.connect(self.send_anyway_requested)
        footer = QHBoxLayout()
        footer.addStretch(1)
        footer.addWidget(self.send_anyway_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.heading)
        layout.addLayout(self._rows)
        layout.addLayout(footer)
        self.fix_buttons: list[QPushButton] = []
        self.show_findings([], send_blocked=False)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self._findings

    def show_findings(self, findings: Sequence[Finding], *, send_blocked: bool) -> None:
        """Show ``findings`` (none: hide); ``send_blocked``: a send was just stopped, so offer "Send anyway"."""
        self._findings = tuple(findings)
        while self._rows.count():
            item = self._rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.fix_buttons = []
        for finding in self._findings:
            self._rows.addWidget(self._row(finding))
        self.send_anyway_button.setVisible(send_blocked and bool(blocking(self._findings)))
        self.setVisible(bool(self._findings))

    def _row(self, finding: Finding) -> QWidget:
        row = QWidget(self)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        text = QLabel(f"{_MARKS[finding.severity]}  {finding.message}", row)
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        text.setStyleSheet(f"color: {_COLOURS[finding.severity]}")
        line.addWidget(text, 1)
        if finding.fix is not None:
            fix = finding.fix
            button = QPushButton("Fix", row)
            button.setToolTip(f"Change the draft to:\n{fix}")
            button.setAccessibleName(f"Fix: {finding.message}")
            button.clicked.connect(lambda _checked=False, fixed=fix: self.fix_requested.emit(fixed))
            line.addWidget(button)
            self.fix_buttons.append(button)
        return row
