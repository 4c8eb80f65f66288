"""The Reports view: how often the shop met its target, first-response times, volumes and customers' mood.

The report is built off the GUI thread (it reads a range of messages and scores sentiment the first time) through
the caller's ``request``; ``show_report`` fills the figures and charts when it comes back. "Export CSV" writes the
per-conversation figures to a file readable by the owner only, after saying that it holds customer data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from socialinbox.report_export import CUSTOMER_DATA_WARNING, report_csv, write_private
from socialinbox.reports import ResponseReport
from socialinbox.ui.views import chart_report

Request = Callable[[date, date], None]  # build the report for these local days (inclusive), off the GUI thread
RANGES = (("Last 7 days", 7), ("Last 30 days", 30), ("Last 90 days", 90))


def local_range(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[since, until) in UTC for local days ``first``..``last`` (inclusive), right across daylight saving changes."""
    since = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    return since, datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)


def _minutes(span: timedelta | None) -> str:
    if span is None:
        return "–"
    minutes = span.total_seconds() / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _day(edit: QDateEdit) -> date:
    value = edit.date()
    return date(value.year(), value.month(), value.day())


class ReportsDialog(QDialog):
    def __init__(self, request: Request, today: date, target_minutes: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reports")
        self.resize(980, 720)
        self._request = request
        self._target = target_minutes
        self.report: ResponseReport | None = None
        self.range_choice = QComboBox(self)
        for label, _days in RANGES:
            self.range_choice.addItem(label)
        self.range_choice.addItem("Custom")
        self.first = QDateEdit(self)
        self.last = QDateEdit(self)
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
        self._today = today
        self.export_button = QPushButton("Export CSV…", self)
        self.export_button.setEnabled(False)
        self.status = QLabel("Working out the figures…", self)
        self.figures: dict[str, QLabel] = {}
        self.charts = QGridLayout()
        self._build()
        self.on_range_chosen(0)

    def _build(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel("Period:", self))
        top.addWidget(self.range_choice)
        top.addWidget(self.first)
        top.addWidget(QLabel("to", self))
        top.addWidget(self.last)
        top.addStretch(1)
        top.addWidget(self.export_button)
        figures = QGridLayout()
        names = (
            ("median", "First response, median"),
            ("p90", "First response, 90% within"),
            ("share", f"Answered within target ({self._target} min)"),
            ("overdue", "Overdue now"),
            ("periods", "Customers waited"),
        )
        for column, (key, caption) in enumerate(names):
            value = QLabel("–", self)
            value.setStyleSheet("font-size: 20px; font-weight: 600")
            value.setAccessibleName(caption)
            figures.addWidget(value, 0, column, alignment=Qt.AlignmentFlag.AlignHCenter)
            figures.addWidget(QLabel(caption, self), 1, column, alignment=Qt.AlignmentFlag.AlignHCenter)
            self.figures[key] = value
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(figures)
        layout.addLayout(self.charts, 1)
        layout.addWidget(self.status)
        self.range_choice.currentIndexChanged.connect(self.on_range_chosen)
        self.first.dateChanged.connect(self.on_dates_edited)
        self.last.dateChanged.connect(self.on_dates_edited)
        self.export_button.clicked.connect(self.on_export)

    # --- choosing the period --------------------------------------------------------------------------

    def on_range_chosen(self, index: int) -> None:
        if index >= len(RANGES):
            return  # "Custom": the date fields decide
        days = RANGES[index][1]
        for edit, day in ((self.first, self._today - timedelta(days=days - 1)), (self.last, self._today)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        self.refresh()

    def on_dates_edited(self) -> None:
        self.range_choice.blockSignals(True)
        self.range_choice.setCurrentIndex(len(RANGES))
        self.range_choice.blockSignals(False)
        self.refresh()

    def period(self) -> tuple[date, date]:
        first, last = _day(self.first), _day(self.last)
        return (first, last) if first <= last else (last, first)

    def refresh(self) -> None:
        self.status.setText("Working out the figures…")
        self.export_button.setEnabled(False)
        self._request(*self.period())

    # --- showing it -------------------------------------------------------------------------------------

    def show_report(self, value: object) -> None:
        if not isinstance(value, ResponseReport):
            return
        self.report = value
        share = "–" if value.within_target_share is None else f"{value.within_target_share:.0%}"
        texts = {
            "median": _minutes(value.median_first_response),
            "p90": _minutes(value.p90_first_response),
            "share": share,
            "overdue": str(value.overdue_now),
            "periods": str(value.waiting_periods),
        }
        for key, text in texts.items():
            self.figures[key].setText(text)
        self._show_charts(value)
        inbound = sum(value.volume_by_platform.values())
        self.status.setText(f"{inbound} customer messages, {value.answered} answered waits, {len(value.rows)} chats.")
        self.export_button.setEnabled(bool(value.rows))

    def _show_charts(self, report: ResponseReport) -> None:
        while self.charts.count():
            item = self.charts.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        palette = self.palette()
        days = list(report.volume_by_day)
        self.charts.addWidget(chart_report.day_chart(report.volume_by_day, palette, self), 0, 0)
        self.charts.addWidget(chart_report.hour_chart(report.volume_by_hour, palette, self), 0, 1)
        self.charts.addWidget(chart_report.channel_chart(report.volume_by_platform, palette, self), 1, 0)
        self.charts.addWidget(chart_report.sentiment_chart(report.sentiment_by_day, days, palette, self), 1, 1)

    # --- export -----------------------------------------------------------------------------------------

    def on_export(self) -> None:
        if self.report is None:
            return
        first, last = self.period()
        answer = QMessageBox.warning(
            self,
            "Export customer data?",
            CUSTOMER_DATA_WARNING + "\n\nThe file will be readable by you only.",
            QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Ok:
            return
        name = f"socialinbox-report-{first.isoformat()}-{last.isoformat()}.csv"
        chosen, _filter = QFileDialog.getSaveFileName(self, "Export CSV", str(Path.home() / name), "CSV (*.csv)")
        if chosen:
            self.export_to(Path(chosen))

    def export_to(self, path: Path) -> None:
        assert self.report is not None
        try:
            write_private(path, report_csv(self.report))
        except OSError as error:
            QMessageBox.critical(self, "Not exported", f"Could not write {path}: {error.strerror or error}")
            return
        self.status.setText(f"Exported {len(self.report.rows)} conversations to {path} (readable by you only).")
