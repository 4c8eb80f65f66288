from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from PySide6.QtGui import QColor, QPalette
from pytestqt.qtbot import QtBot

from socialinbox.domain import Direction, Message, OutboxItem, OutboxState, Visibility
from socialinbox.ui.theme import dark_palette, light_palette
from socialinbox.ui.thread_html import (
    MAX_SHOWN_CHARS,
    MIN_CONTRAST,
    ThreadColours,
    contrast,
    luminance,
    text_to_html,
    thread_html,
)
from socialinbox.ui.views.conversation_pane import ThreadView

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _message(text: str, direction: Direction = Direction.INBOUND) -> Message:
    return Message(1, 1, 1, "m1", direction, "@anna", "Anna <b>", text, NOW, Visibility.PUBLIC)


def test_hostile_markup_is_escaped_not_rendered() -> None:
    shown = thread_html([_message('<script>alert(1)</script><img src="https://evil.example/x.png">')], [], NOW)
    assert "<script>" not in shown and "<img" not in shown
    assert "&lt;script&gt;" in shown and "Anna &lt;b&gt;" in shown


def test_only_web_urls_become_links() -> None:
    shown = text_to_html('go https://example.org/a?b=1&c="2" or javascript:alert(1) or file:///etc/passwd')
    assert shown.count("<a ") == 1
    assert 'href="https://example.org/a?b=1&amp;c=' in shown
    assert "javascript:alert(1)" in shown and "file:///etc/passwd" in shown


def test_a_huge_message_is_cut_for_display() -> None:
    shown = text_to_html("x" * (MAX_SHOWN_CHARS + 500))
    assert "500 more characters not shown" in shown


def test_failed_reply_shows_its_reason() -> None:
    item = OutboxItem(3, 1, 1, "On its way!", OutboxState.FAILED, 2, NOW, "k", last_error="Network down.")
    shown = thread_html([_message("hi")], [item], NOW)
    assert "Not sent" in shown and "Network down." in shown


# --- colours that follow the palette ---------------------------------------------------------------------------------


@pytest.mark.parametrize("palette", [light_palette, dark_palette], ids=["light", "dark"])
def test_every_text_colour_reads_on_every_bubble(qtbot: QtBot, palette: Callable[[], QPalette]) -> None:
    colours = ThreadColours.from_palette(palette())

    for bubble in (colours.ours, colours.theirs, colours.pending):
        for text in (colours.text, colours.meta, colours.error):
            assert contrast(text, bubble) >= MIN_CONTRAST, (text, bubble)


def test_dark_theme_bubbles_are_dark_and_light_theme_bubbles_light(qtbot: QtBot) -> None:
    dark, light = ThreadColours.from_palette(dark_palette()), ThreadColours.from_palette(light_palette())

    assert all(luminance(QColor(bubble)) < 0.1 for bubble in (dark.ours, dark.theirs, dark.pending))
    assert all(luminance(QColor(bubble)) > 0.7 for bubble in (light.ours, light.theirs, light.pending))
    assert dark.ours != dark.theirs  # our replies still stand apart from the customer's messages


def test_the_thread_is_written_in_the_colours_it_is_given(qtbot: QtBot) -> None:
    colours = ThreadColours.from_palette(dark_palette())
    item = OutboxItem(3, 1, 1, "On its way!", OutboxState.FAILED, 2, NOW, "k", last_error="Network down.")

    shown = thread_html([_message("hi"), _message("hello", Direction.OUTBOUND)], [item], NOW, colours)

    for colour in (colours.ours, colours.theirs, colours.pending, colours.text, colours.meta, colours.error):
        assert colour in shown
    assert "black" not in shown and "gray" not in shown


def test_the_thread_view_redraws_its_bubbles_when_the_theme_switches(qtbot: QtBot) -> None:
    view = ThreadView()
    qtbot.addWidget(view)
    view.setPalette(light_palette())
    view.show_thread([_message("Is the blue mug back?")], [], NOW)
    light_bubble = ThreadColours.from_palette(light_palette()).theirs

    view.setPalette(dark_palette())

    dark_bubble = ThreadColours.from_palette(dark_palette()).theirs
    assert QColor(dark_bubble).name() in view.toHtml() and QColor(light_bubble).name() not in view.toHtml()
    assert "Is the blue mug back?" in view.toPlainText()


def _left_and_width(view: ThreadView, starting: str) -> tuple[float, float]:
    document = view.document()
    block = document.begin()
    while block.isValid():
        if block.text().startswith(starting):
            found = document.documentLayout().blockBoundingRect(block)
            return found.x(), found.width()
        block = block.next()
    raise AssertionError(f"no block starts with {starting!r}")


def test_the_shops_bubbles_sit_right_and_the_customers_left(qtbot: QtBot) -> None:
    """Who said what shows in the layout, not only in the colour (Qt's rich text ignored a nested table's width)."""
    view = ThreadView()
    qtbot.addWidget(view)
    view.resize(640, 330)
    view.show()
    pending = OutboxItem(3, 1, 1, "Of course!", OutboxState.QUEUED, 0, NOW, "k")
    view.setHtml(thread_html([_message("Is the mug back?"), _message("Yes!", Direction.OUTBOUND)], [pending], NOW))
    width = view.viewport().width()

    theirs, ours, queued = (_left_and_width(view, who) for who in ("Anna", "You · 12:00", "You · Queued"))

    assert ours[0] - theirs[0] >= 0.1 * width and queued[0] == ours[0]
    assert all(bubble_width <= 0.9 * width for _, bubble_width in (theirs, ours, queued))
