"""InboxDelegate: rows paint for every kind of conversation, follow the palette, stay one height, and scale to 100k."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QListView, QStyle, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from socialinbox.domain import Contact, Conversation, Platform, Status, Visibility
from socialinbox.storage.paging import PageAfter
from socialinbox.ui.models.inbox_model import InboxModel
from socialinbox.ui.views.inbox_delegate import InboxDelegate
from socialinbox.ui.views.platform_style import platform_colour

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WIDTH = 420
BADGE_RED = QColor("#c92a2a")


def conversation(
    conversation_id: int = 1,
    *,
    name: str = "Anna Berg",
    preview: str = "Do you still have the blue one in size M?",
    visibility: Visibility = Visibility.PUBLIC,
    platform: Platform = Platform.MASTODON,
    status: Status = Status.NEEDS_REPLY,
    unread: int = 0,
    minutes_ago: float = 12,
    contact: Contact | None = None,
) -> Conversation:
    sent = NOW - timedelta(minutes=minutes_ago)
    return Conversation(
        id=conversation_id,
        account_id=1,
        platform=platform,
        contact=contact or Contact(conversation_id, 1, f"u{conversation_id}", "@anna@shop.social", name),
        visibility=visibility,
        status=status,
        last_message_at=sent,
        preview=preview,
        waiting_since=sent,
        unread=unread,
    )


def model_of(conversations: Sequence[Conversation]) -> InboxModel:
    """A model holding ``conversations`` in the given order, all in its first page."""
    rows = list(conversations)
    order = {c.id: position for position, c in enumerate(rows)}

    def fetch_page(after: PageAfter | None, limit: int) -> list[Conversation]:
        return rows[:limit] if after is None else []

    model = InboxModel(
        fetch_page,
        lambda c: PageAfter(c.last_message_at, c.id),
        lambda c: (order[c.id],),
        lambda c: True,
        page_size=len(rows) + 1,
        now=lambda: NOW,
    )
    model.reload()
    return model


def option_for(
    *,
    palette: QPalette | None = None,
    selected: bool = False,
    focus: bool = False,
    direction: Qt.LayoutDirection = Qt.LayoutDirection.LeftToRight,
) -> QStyleOptionViewItem:
    option = QStyleOptionViewItem()
    option.font = QApplication.font()
    option.palette = palette or QApplication.palette()
    option.direction = direction
    state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Active
    if selected:
        state |= QStyle.StateFlag.State_Selected
    if focus:
        state |= QStyle.StateFlag.State_HasFocus
    option.state = state
    return option


def paint(delegate: InboxDelegate, model: InboxModel, row: int = 0, **option_args: Any) -> QImage:
    index = model.index(row)
    option = option_for(**option_args)
    option.rect = QRect(0, 0, WIDTH, delegate.sizeHint(option, index).height())
    image = QImage(option.rect.size(), QImage.Format.Format_ARGB32)
    image.fill(option.palette.color(QPalette.ColorRole.Base))
    painter = QPainter(image)
    try:
        delegate.paint(painter, option, index)
    finally:
        painter.end()
    return image


def pixels(image: QImage, region: QRect | None = None) -> list[tuple[int, int, int]]:
    """(x, y, 0xAARRGGBB) for each pixel of ``region``; read in bulk, as pixelColor() per pixel is slow."""
    words = memoryview(image.constBits()).cast("I")  # Format_ARGB32: one native-endian 0xAARRGGBB word per pixel
    stride = image.bytesPerLine() // 4
    area = (region or image.rect()).intersected(image.rect())
    found = []
    for y in range(area.top(), area.bottom() + 1):
        line = words[y * stride + area.left() : y * stride + area.right() + 1]
        found.extend((area.left() + i, y, word) for i, word in enumerate(line))
    return found


def has_colour(image: QImage, colour: QColor, region: QRect | None = None) -> bool:
    return any(word == colour.rgb() for _, _, word in pixels(image, region))


def ink(image: QImage, background: QColor, region: QRect | None = None) -> list[tuple[int, int]]:
    """Pixels that differ from the background: what was painted."""
    return [(x, y) for x, y, word in pixels(image, region) if word != background.rgb()]


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in [
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.Base, "#1b1b1d"),
        (QPalette.ColorRole.Text, "#f1f3f4"),
        (QPalette.ColorRole.WindowText, "#f1f3f4"),
        (QPalette.ColorRole.Highlight, "#3d5afe"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
    ]:
        palette.setColor(role, QColor(colour))
    return palette


def clock() -> Callable[[], datetime]:
    return lambda: NOW


ROWS = {
    "public": conversation(),
    "private": conversation(visibility=Visibility.PRIVATE),
    "unread": conversation(unread=3),
    "long-preview": conversation(preview="So many questions about the order " * 80, name="N" * 300),
    "emoji": conversation(name="Zoë 🌸", preview="Thanks!!! 😍🎉 Package arrived 📦"),
    "rtl": conversation(name="سارة", preview="שלום, האם יש לכם את זה במידה M? مرحبا"),
    "empty": conversation(preview="", name=""),
    "done": conversation(status=Status.DONE, platform=Platform.TELEGRAM),
}


@pytest.mark.parametrize("kind", list(ROWS))
@pytest.mark.parametrize(
    "option_args",
    [{}, {"selected": True, "focus": True}, {"palette": "dark"}, {"direction": Qt.LayoutDirection.RightToLeft}],
    ids=["plain", "selected", "dark", "rtl-layout"],
)
def test_every_kind_of_row_paints_with_a_platform_badge(qapp: Any, kind: str, option_args: dict[str, Any]) -> None:
    args = dict(option_args)
    if args.get("palette") == "dark":
        args["palette"] = dark_palette()
    item = ROWS[kind]
    delegate = InboxDelegate(clock(), badge_for=lambda c: ("38 min left", BADGE_RED))
    model = model_of([item])

    image = paint(delegate, model, **args)

    background = image.pixelColor(image.width() // 2, image.height() - 1)  # the base, or the selection
    assert len(ink(image, background)) > 200
    badge = platform_colour(item.platform)
    start_strip, end_strip = QRect(0, 0, 60, image.height()), QRect(WIDTH - 60, 0, 60, image.height())
    if args.get("direction") == Qt.LayoutDirection.RightToLeft:
        start_strip, end_strip = end_strip, start_strip
    assert has_colour(image, badge, start_strip)
    assert not has_colour(image, badge, end_strip)


def test_size_hint_is_the_same_for_every_row_and_grows_with_the_font(qapp: Any) -> None:
    delegate = InboxDelegate(clock())
    model = model_of(list(ROWS.values()))
    option = option_for()

    heights = {delegate.sizeHint(option, model.index(row)).height() for row in range(model.rowCount())}
    assert len(heights) == 1
    (height,) = heights
    assert 40 <= height <= 80  # about 58 px for a 9-10 pt font at 96 dpi

    bigger = option_for()
    font = QFont(bigger.font)
    font.setPointSizeF(font.pointSizeF() * 2)
    bigger.font = font
    assert delegate.sizeHint(bigger, model.index(0)).height() > height * 1.5


def test_the_text_follows_the_palette(qapp: Any) -> None:
    delegate = InboxDelegate(clock())
    model = model_of([ROWS["unread"]])

    light = paint(delegate, model)
    dark = paint(delegate, model, palette=dark_palette())

    def lightest_and_darkest(image: QImage) -> tuple[int, int]:
        text_band = QRect(80, 4, 200, 20)  # the customer's name
        values = [QColor.fromRgb(word).lightness() for _, _, word in pixels(image, text_band)]
        return max(values), min(values)

    assert lightest_and_darkest(light)[1] < 80  # dark ink on a light base
    assert lightest_and_darkest(dark)[0] > 180  # light ink on a dark base


def test_selection_fills_the_row_with_the_highlight(qapp: Any) -> None:
    delegate = InboxDelegate(clock())
    model = model_of([ROWS["public"]])
    highlight = QApplication.palette().color(QPalette.ColorRole.Highlight)

    image = paint(delegate, model, selected=True)

    assert image.pixelColor(WIDTH - 3, image.height() - 3).rgb() == highlight.rgb()


def test_unread_private_and_badges_change_what_is_painted(qapp: Any) -> None:
    plain = paint(InboxDelegate(clock()), model_of([ROWS["public"]]))

    assert paint(InboxDelegate(clock()), model_of([ROWS["unread"]])) != plain
    assert paint(InboxDelegate(clock()), model_of([ROWS["private"]])) != plain
    with_badge = paint(
        InboxDelegate(clock(), badge_for=lambda c: ("38 min left", BADGE_RED)), model_of([ROWS["public"]])
    )
    lower_right = QRect(WIDTH // 2, with_badge.height() // 2, WIDTH // 2, with_badge.height() // 2)
    assert has_colour(with_badge, BADGE_RED, lower_right)
    assert not has_colour(plain, BADGE_RED, lower_right)
    no_badge = paint(InboxDelegate(clock(), badge_for=lambda c: None), model_of([ROWS["public"]]))
    assert no_badge == plain


def test_markup_in_a_preview_is_drawn_as_the_characters_it_is(qapp: Any) -> None:
    """Were "<b>x</b>" taken as rich text, only a bold x would show; drawn as plain text, the tags take room."""
    delegate = InboxDelegate(clock())
    background = QApplication.palette().color(QPalette.ColorRole.Base)

    def rightmost_ink(preview: str) -> int:
        image = paint(delegate, model_of([conversation(preview=preview)]))
        second_line = QRect(0, image.height() // 2 + 2, WIDTH, image.height() // 2 - 6)
        return max(x for x, _ in ink(image, background, second_line))

    assert rightmost_ink("<b>x</b>") > rightmost_ink("x") + 20


def test_a_list_view_over_100k_rows_shows_its_first_rows(qtbot: QtBot) -> None:
    shared = conversation()
    visibilities = (Visibility.PUBLIC, Visibility.PRIVATE)
    rows = [
        Conversation(i, 1, shared.platform, shared.contact, visibilities[i % 2], shared.status, NOW, "Hi", None, i % 3)
        for i in range(100_000)
    ]
    model = model_of(rows)
    view = QListView()
    qtbot.addWidget(view)
    view.setUniformItemSizes(True)
    view.setLayoutMode(QListView.LayoutMode.Batched)
    delegate = InboxDelegate(clock(), parent=view)
    view.setItemDelegate(delegate)
    view.setModel(model)
    view.resize(480, 600)
    view.show()
    qtbot.waitExposed(view)

    # The view lays its items out on a zero timer after show(): wait for that, not for a fixed time.
    qtbot.waitUntil(lambda: view.indexAt(QPoint(10, 10)).isValid())

    assert model.rowCount() == 100_000
    first = view.indexAt(QPoint(10, 10))
    assert first.row() == 0
    assert view.visualRect(first).width() == view.viewport().width()  # rows span the view; no sideways scrolling
    assert view.visualRect(first).height() == delegate.sizeHint(option_for(), model.index(0)).height()
    assert not view.grab().isNull()
    assert view.indexAt(QPoint(10, view.viewport().height() - 5)).row() > 3
    assert model.index(99_999).isValid() and not model.index(100_000).isValid()
    assert not model.canFetchMore(QModelIndex())
