"""The Reports charts: pygal SVG that is self-contained, follows the palette, and is drawn by Qt's SVG renderer."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree

import pytest
from PySide6.QtGui import QColor, QImage, QPalette
from pytestqt.qtbot import QtBot

from socialinbox.domain import Platform
from socialinbox.reports import ResponseReport
from socialinbox.ui.dialogs.reports_dialog import ReportsDialog
from socialinbox.ui.views import chart_report
from socialinbox.ui.views.chart_report import ChartWidget, count_labels

SVG = "{http://www.w3.org/2000/svg}"
DAYS = [date(2026, 3, 1) + timedelta(days=n) for n in range(7)]
VOLUME = {Platform.TELEGRAM: 4, Platform.MASTODON: 9, Platform.EMAIL: 1}


def _palette(base: str, text: str) -> QPalette:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Base, QColor(base))
    palette.setColor(QPalette.ColorRole.Text, QColor(text))
    palette.setColor(QPalette.ColorRole.Mid, QColor("#777777"))
    return palette


def _charts(palette: QPalette, empty: bool = False) -> list[ChartWidget]:
    days = {day: 0 if empty else n for n, day in enumerate(DAYS)}
    mood = {} if empty else {DAYS[0]: 0.4, DAYS[3]: -0.6}
    return [
        chart_report.channel_chart({} if empty else VOLUME, palette),
        chart_report.day_chart(days, palette),
        chart_report.hour_chart([0 if empty else hour % 5 for hour in range(24)], palette),
        chart_report.sentiment_chart(mood, DAYS, palette),
    ]


def _texts(svg: bytes) -> list[str]:
    return [node.text or "" for node in ElementTree.fromstring(svg).iter(f"{SVG}text")]


@pytest.mark.parametrize("empty", [False, True])
def test_charts_are_self_contained_svg_without_scripts_or_remote_references(qtbot: QtBot, empty: bool) -> None:
    for chart in _charts(_palette("#ffffff", "#000000"), empty):
        qtbot.addWidget(chart)
        assert b"<?xml-stylesheet" not in chart.svg and b"<?xml " not in chart.svg
        root = ElementTree.fromstring(chart.svg)
        assert not [node for node in root.iter() if str(node.tag).endswith("script")]
        for node in root.iter():
            for name, value in node.attrib.items():
                if name.rpartition("}")[2] in {"href", "src"} or "xlink" in name:
                    assert "http" not in value and "//" not in value, (name, value)
        styles = "".join(node.text or "" for node in root.iter(f"{SVG}style"))
        assert "url(" not in styles and "@import" not in styles
        assert chart.renderer().isValid()


def test_charts_take_their_colours_from_the_palette(qtbot: QtBot) -> None:
    light = _charts(_palette("#fefefe", "#101010"))
    dark = _charts(_palette("#1b1c1d", "#eeeeef"))
    for chart in light + dark:
        qtbot.addWidget(chart)
    for chart in light:
        assert b"#fefefe" in chart.svg and b"#101010" in chart.svg and b"#1b1c1d" not in chart.svg
    for chart in dark:
        assert b"#1b1c1d" in chart.svg and b"#eeeeef" in chart.svg and b"#fefefe" not in chart.svg


def test_a_chart_is_drawn_by_qt_with_its_bar_colour_on_the_palette_background(qtbot: QtBot) -> None:
    chart = chart_report.day_chart({day: 5 for day in DAYS}, _palette("#1b1c1d", "#eeeeef"))
    qtbot.addWidget(chart)
    chart.resize(480, 270)
    image = chart.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)}
    assert chart_report.BAR in colours and "#1b1c1d" in colours


def test_channels_are_ordered_by_volume_with_their_own_colours(qtbot: QtBot) -> None:
    chart = chart_report.channel_chart(VOLUME, _palette("#ffffff", "#000000"))
    qtbot.addWidget(chart)
    texts = _texts(chart.svg)
    assert [text for text in texts if text in {"Mastodon", "Telegram", "E-mail"}] == ["Mastodon", "Telegram", "E-mail"]
    assert b"#6364ff" in chart.svg and b"#229ed9" in chart.svg  # Mastodon's and Telegram's badge colours


def test_a_long_period_shows_at_most_seven_day_labels(qtbot: QtBot) -> None:
    days = {date(2026, 1, 1) + timedelta(days=n): 1 for n in range(90)}
    chart = chart_report.day_chart(days, _palette("#ffffff", "#000000"))
    qtbot.addWidget(chart)
    shown = [text for text in _texts(chart.svg) if text.endswith(("Jan", "Feb", "Mar"))]
    assert 2 <= len(shown) <= 7 and shown[0] == "1 Jan"


def test_days_without_messages_are_gaps_in_the_mood_line(qtbot: QtBot) -> None:
    chart = chart_report.sentiment_chart({DAYS[1]: 0.5, DAYS[2]: 0.1, DAYS[5]: -0.3}, DAYS, _palette("#fff", "#000"))
    qtbot.addWidget(chart)
    root = ElementTree.fromstring(chart.svg)
    assert len(list(root.iter(f"{SVG}circle"))) == 3
    lines = [node.get("d", "") for node in root.iter(f"{SVG}path") if "nofill" in node.get("class", "").split()]
    assert len(lines) == 1 and lines[0].count("L") == 1  # 2nd to 3rd day; the 6th is a lone dot, not joined


@pytest.mark.parametrize(
    ("tallest", "labels"),
    [(0, [0, 1]), (3, [0, 1, 2, 3]), (9, [0, 2, 4, 6, 8, 10]), (13, [0, 5, 10, 15]), (120, [0, 50, 100, 150])],
)
def test_count_axes_have_whole_number_ticks_on_a_one_two_five_step(tallest: int, labels: list[int]) -> None:
    assert count_labels([1, tallest]) == labels


def test_the_reports_dialog_shows_four_svg_charts(qtbot: QtBot) -> None:
    asked: list[tuple[date, date]] = []
    dialog = ReportsDialog(lambda first, last: asked.append((first, last)), DAYS[-1], 60)
    qtbot.addWidget(dialog)
    assert asked == [(DAYS[0], DAYS[-1])]
    since = datetime(2026, 3, 1, tzinfo=UTC)
    report = ResponseReport(
        since, since + timedelta(days=7), since + timedelta(days=7), 5, 4, timedelta(minutes=20), None, 0.75, 1,
        VOLUME, {day: 2 for day in DAYS}, tuple(range(24)), {DAYS[2]: 0.3}, (),
    )  # fmt: skip
    dialog.show_report(report)
    items = [dialog.charts.itemAt(n) for n in range(dialog.charts.count())]
    widgets = [item.widget() for item in items if item is not None]
    assert len(widgets) == 4 and all(isinstance(widget, ChartWidget) for widget in widgets)
    assert dialog.figures["share"].text() == "75%" and dialog.figures["median"].text() == "20 min"


def test_opening_the_charts_loads_neither_numpy_nor_pyqtgraph() -> None:
    code = "import sys, socialinbox.ui.views.chart_report; print(sorted({'numpy', 'pyqtgraph'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"
