"""The Reports view's charts, drawn with pygal and shown by Qt's SVG renderer: bars for volumes, a line for mood.

Why pygal: it is pure Python (1 MB, LGPLv3+, no numpy) and writes SVG, which QtSvg (part of PySide6-Essentials)
draws crisply at any size. QtCharts would need the PySide6-Addons wheel and is GPLv3 or commercial only; pyqtgraph
brought numpy and OpenBLAS (~40 MB) into the packaged app. pygal is imported only when the Reports view opens.

pygal's SVG is made for browsers: it carries a tooltip script and CSS that QtSvg reads only in part. A filter on the
SVG tree drops every script (nothing runs and nothing remote is referenced) and writes the guide-line colours as
inline styles, which QtSvg honours. Colours come from the palette, so the charts follow light and dark themes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from xml.etree.ElementTree import Element

import pygal  # type: ignore[import-untyped]
from pygal.style import Style  # type: ignore[import-untyped]
from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QPalette
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import QWidget

from socialinbox.domain import PLATFORM_LABELS, Platform
from socialinbox.ui.views.platform_style import platform_colour

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
BAR = "#1e88e5"
LINE = "#8e24aa"
_MAX_DAY_LABELS = 7  # more would touch at this width
SIZE = (480, 270)  # the SVG's own units; the widget scales it, keeping this shape


@dataclasses.dataclass(frozen=True, slots=True)
class Colours:
    """The palette's colours as "#rrggbb" strings, the form pygal's style wants."""

    background: str
    text: str
    guide: str

    @classmethod
    def of(cls, palette: QPalette) -> Colours:
        role = QPalette.ColorRole
        return cls(palette.color(role.Base).name(), palette.color(role.Text).name(), palette.color(role.Mid).name())


class ChartWidget(QSvgWidget):
    """One chart: the SVG it shows is kept in ``svg`` (what the tests read)."""

    def __init__(self, svg: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.svg = svg
        self.load(QByteArray(svg))
        self.renderer().setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)  # text is never squashed
        self.setMinimumSize(SIZE[0] // 2, SIZE[1] // 2)


def _walk(root: Element) -> list[tuple[Element, Element]]:
    return [(parent, child) for parent in root.iter() for child in parent]


def _tag(node: Element) -> str:
    """The element's name without its namespace; "" for comments, whose tag is a function."""
    tag: object = node.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _classes(node: Element) -> set[str]:
    return set(node.get("class", "").split())


def _for_qt(colours: Colours, dash_major: bool) -> Any:
    """An SVG tree filter: no scripts, no vertical guides, what QtSvg misses of pygal's CSS as inline styles."""

    def tidy(root: Element) -> Element:
        for parent, child in _walk(root):
            classes = _classes(child)
            if _tag(child) == "script":
                parent.remove(child)
            elif {"axis", "x"} <= classes:
                for guides in [node for node in child.iter() if "guides" in _classes(node)]:
                    for line in [node for node in guides if _tag(node) == "path"]:
                        guides.remove(line)  # a browser hides them with CSS; QtSvg would draw them
            elif {"axis", "y"} <= classes:
                for node in child.iter():
                    if _tag(node) == "text":
                        node.set("text-anchor", "end")
                    elif _tag(node) == "path":
                        dash = "4,3" if dash_major and "major" in _classes(node) else "none"  # mood's zero line
                        node.set("style", f"stroke:{colours.guide};stroke-width:1;stroke-dasharray:{dash};fill:none")
            elif "nofill" in classes:
                child.set("style", "fill:none;stroke-width:2")
        return root

    return tidy


def _chart(kind: Any, title: str, palette: QPalette, colour: str, *, dash_major: bool = False, **options: Any) -> Any:
    colours = Colours.of(palette)
    style = Style(
        background=colours.background,
        plot_background=colours.background,
        foreground=colours.text,
        foreground_strong=colours.text,
        foreground_subtle=colours.guide,
        colors=(colour,),
        font_family="sans-serif",
        title_font_size=14,
        label_font_size=11,
        major_label_font_size=11,
        no_data_font_size=18,
        opacity="1",
        opacity_hover="1",
        transition="none",
    )
    chart = kind(
        style=style,
        title=title,
        width=SIZE[0],
        height=SIZE[1],
        show_legend=False,
        js=[],  # pygal's tooltips are a script fetched from the web: never
        disable_xml_declaration=True,
        truncate_label=-1,
        margin=8,
        no_data_text="No messages",
        **options,
    )
    chart.add_xml_filter(_for_qt(colours, dash_major))
    return chart


def render_svg(chart: Any) -> bytes:
    svg = chart.render()
    return svg if isinstance(svg, bytes) else str(svg).encode()


def count_labels(counts: Sequence[int]) -> list[int]:
    """Whole-number ticks from 0 past the tallest bar, at most six, on a 1-2-5 step (pygal's own may be 2.5)."""
    top = max([*counts, 1])
    step = 1
    while top / step > 5:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2  # 1, 2, 5, 10, 20, 50, ...
    return list(range(0, -(-top // step) * step + 1, step))


def _bars(title: str, palette: QPalette, counts: Sequence[int]) -> Any:
    labels = count_labels(counts)
    return _chart(pygal.Bar, title, palette, BAR, y_labels=labels, range=(0, labels[-1]))


def day_label(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]}"


def _day_labels(chart: Any, days: Sequence[date]) -> None:
    chart.x_labels = [day_label(day) for day in days]
    chart.x_labels_major_every = max(1, -(-len(days) // _MAX_DAY_LABELS))  # at most seven labels, whatever the range
    chart.show_minor_x_labels = False


def channel_chart(volume: Mapping[Platform, int], palette: QPalette, parent: QWidget | None = None) -> ChartWidget:
    ordered = sorted(volume.items(), key=lambda item: (-item[1], item[0].value))
    chart = _bars("Messages by channel", palette, [count for _, count in ordered])
    chart.x_labels = [PLATFORM_LABELS[platform] for platform, _ in ordered]
    bars = [{"value": count, "color": platform_colour(platform).name()} for platform, count in ordered]
    chart.add("Messages", bars)
    return ChartWidget(render_svg(chart), parent)


def day_chart(volume: Mapping[date, int], palette: QPalette, parent: QWidget | None = None) -> ChartWidget:
    days = list(volume)
    chart = _bars("Messages by day", palette, [volume[day] for day in days])
    _day_labels(chart, days)
    chart.add("Messages", [volume[day] for day in days])
    return ChartWidget(render_svg(chart), parent)


def hour_chart(volume: Sequence[int], palette: QPalette, parent: QWidget | None = None) -> ChartWidget:
    chart = _bars("Messages by hour of day", palette, volume)
    chart.x_labels = [f"{hour:02d}" for hour in range(len(volume))]
    chart.x_labels_major_every = 3
    chart.show_minor_x_labels = False
    chart.add("Messages", list(volume))
    return ChartWidget(render_svg(chart), parent)


def sentiment_chart(
    sentiment: Mapping[date, float], days: Sequence[date], palette: QPalette, parent: QWidget | None = None
) -> ChartWidget:
    """Mean VADER score of customers' messages per day (-1 angry .. +1 delighted); days without messages are gaps."""
    chart = _chart(
        pygal.Line,
        "Customer mood by day (−1 to +1)",
        palette,
        LINE,
        range=(-1, 1),
        y_labels=[-1, -0.5, 0, 0.5, 1],
        y_labels_major=[0],  # the neutral line, drawn dashed
        dash_major=True,
        margin_right=24,  # the last day's dot and label sit on the right edge
        allow_interruptions=True,
        dots_size=3,
    )
    _day_labels(chart, days)
    values = [sentiment.get(day) for day in days]
    chart.add("Mood", values if any(value is not None for value in values) else [])
    return ChartWidget(render_svg(chart), parent)
