"""Paints one inbox row: channel badge, customer, age, status chip, private lock, preview, optional deadline badge.

Every row has the same height (two text lines plus padding, from the font's metrics), so a QListView with
uniformItemSizes never measures a row. Customer text is drawn with QPainter.drawText as plain strings: it is never
parsed as rich text. Colours come from the palette, so light and dark themes both work, and the layout is mirrored
for right-to-left interfaces.

    (M)  Anna Berg  @anna@shop.social                         12 min
         [Needs reply] 🔒 Do you still have the blue one in size…   [38 min left]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, tzinfo

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionFocusRect,
    QStyleOptionViewItem,
)

from socialinbox.domain import Conversation, Visibility
from socialinbox.ui.models.conversation_text import preview_line
from socialinbox.ui.models.inbox_model import ConversationRole
from socialinbox.ui.timefmt import relative_age
from socialinbox.ui.views.platform_style import (
    STATUS_LABELS,
    platform_colour,
    platform_style,
    status_colour,
    text_colour_on,
)

BadgeFor = Callable[[Conversation], tuple[str, QColor] | None]
AnyIndex = QModelIndex | QPersistentModelIndex

_SMALL = 0.85  # chips and badges use a slightly smaller font than the names
_SECONDARY_ALPHA = 0.62  # handles, ages and read previews: the text colour, faded (works on any palette)
_CHIP_TINT_ALPHA = 0.18
_MIN_WIDTH_CHARS = 28
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_CENTRE = Qt.AlignmentFlag.AlignCenter


@dataclasses.dataclass(frozen=True, slots=True)
class _Metrics:
    line: int  # one line of body text
    pad: int  # around the row's content
    gap: int  # between pieces of a line, and between the two lines
    badge: int  # diameter of the channel badge
    height: int  # of the whole row


def _metrics(font: QFont) -> _Metrics:
    line = QFontMetrics(font).height()
    pad = max(4, round(line * 0.85))
    gap = max(2, round(line * 0.4))
    return _Metrics(line=line, pad=pad, gap=gap, badge=2 * line, height=2 * pad + 2 * line + gap)


def _scaled(font: QFont, factor: float) -> QFont:
    scaled = QFont(font)
    if font.pointSizeF() > 0:
        scaled.setPointSizeF(font.pointSizeF() * factor)
    else:  # a pixel-sized font (some themes set one)
        scaled.setPixelSize(max(1, round(font.pixelSize() * factor)))
    return scaled


def _bold(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setBold(True)
    return bold


def _one_line(text: str) -> str:
    """Names and handles can carry newlines or tabs; a row shows them as single spaces."""
    return " ".join(text.split())


class InboxDelegate(QStyledItemDelegate):
    """Paints InboxModel rows.

    Args:
        now: the clock for the age column (called once per painted row).
        badge_for: optional; a (text, colour) badge painted right-aligned under the age, e.g. "38 min left".
        tz: the zone for dates (None: the machine's).
    """

    def __init__(
        self,
        now: Callable[[], datetime],
        badge_for: BadgeFor | None = None,
        parent: QObject | None = None,
        *,
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        self._now = now
        self._tz = tz
        self.badge_for = badge_for
        self._metrics_cache: tuple[str, _Metrics] | None = None

    # --- Qt overrides ----------------------------------------------------------------------

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        """Override QStyledItemDelegate::sizeHint: the same for every row, whatever it holds.

        The width is a modest minimum, not the view's width: a list view stretches rows to its viewport anyway, and a
        wider hint would only bring a horizontal scroll bar when the view narrows.
        """
        metrics = self._metrics_for(option.font)
        return QSize(QFontMetrics(option.font).averageCharWidth() * _MIN_WIDTH_CHARS, metrics.height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """Override QStyledItemDelegate::paint."""
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""  # the panel primitive paints background and selection only; the text is ours
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        painter.save()
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
            if opt.state & QStyle.StateFlag.State_HasFocus:
                # Under the content, not over it: some styles (Fusion) fill the focus frame with a translucent tint.
                self._paint_focus(painter, opt, style)
            conversation = index.data(ConversationRole)
            if isinstance(conversation, Conversation):
                _RowPainter(painter, opt, self._metrics_for(opt.font)).paint(
                    conversation,
                    age=relative_age(conversation.last_message_at, self._now(), self._tz),
                    badge=self.badge_for(conversation) if self.badge_for is not None else None,
                )
        finally:
            painter.restore()

    # --- helpers ---------------------------------------------------------------------------

    def _metrics_for(self, font: QFont) -> _Metrics:
        key = font.key()
        if self._metrics_cache is None or self._metrics_cache[0] != key:
            self._metrics_cache = (key, _metrics(font))
        return self._metrics_cache[1]

    @staticmethod
    def _paint_focus(painter: QPainter, opt: QStyleOptionViewItem, style: QStyle) -> None:
        focus = QStyleOptionFocusRect()
        if opt.widget is not None:
            focus.initFrom(opt.widget)
        focus.rect = opt.rect
        focus.palette = opt.palette
        focus.state = opt.state | QStyle.StateFlag.State_KeyboardFocusChange | QStyle.StateFlag.State_Item
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        focus.backgroundColor = opt.palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base)
        style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, focus, painter, opt.widget)


class _RowPainter:
    """Lays out and paints one row; geometry is worked out left-to-right and mirrored for RTL interfaces."""

    def __init__(self, painter: QPainter, opt: QStyleOptionViewItem, metrics: _Metrics) -> None:
        self.p = painter
        self.opt = opt
        self.m = metrics
        group = self._colour_group(opt.state)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        self.text = opt.palette.color(group, role)
        self.secondary = QColor(self.text)
        self.secondary.setAlphaF(_SECONDARY_ALPHA)
        self.font = QFont(opt.font)
        self.small = _scaled(opt.font, _SMALL)

    @staticmethod
    def _colour_group(state: QStyle.StateFlag) -> QPalette.ColorGroup:
        if not state & QStyle.StateFlag.State_Enabled:
            return QPalette.ColorGroup.Disabled
        if not state & QStyle.StateFlag.State_Active:
            return QPalette.ColorGroup.Inactive
        return QPalette.ColorGroup.Normal

    def paint(self, conversation: Conversation, *, age: str, badge: tuple[str, QColor] | None) -> None:
        m, area = self.m, self.opt.rect.adjusted(self.m.pad, self.m.pad, -self.m.pad, -self.m.pad)
        self._channel_badge(conversation, QRect(area.left(), area.center().y() - m.badge // 2 + 1, m.badge, m.badge))
        left = area.left() + m.badge + m.pad
        first = QRect(left, area.top(), area.right() - left + 1, m.line)
        second = QRect(left, area.top() + m.line + m.gap, first.width(), m.line)
        self._first_line(conversation, first, age)
        self._second_line(conversation, second, badge)

    def _first_line(self, conversation: Conversation, line: QRect, age: str) -> None:
        age_width = QFontMetrics(self.font).horizontalAdvance(age)
        age_rect = QRect(line.right() - age_width + 1, line.top(), age_width, line.height())
        self._text(age_rect, age, self.secondary, self.font, _RIGHT)
        room = line.adjusted(0, 0, -(age_width + self.m.gap), 0)
        name_font = _bold(self.font) if conversation.unread else self.font
        name = _one_line(conversation.contact.name)
        used = self._elided(room, name, self.text, name_font)
        handle = _one_line(conversation.contact.handle)
        if handle and handle != name and used + self.m.gap < room.width():
            rest = room.adjusted(used + self.m.gap, 0, 0, 0)
            self._elided(rest, handle, self.secondary, self.font)

    def _second_line(self, conversation: Conversation, line: QRect, badge: tuple[str, QColor] | None) -> None:
        room = QRect(line)
        if badge is not None:
            text, colour = badge
            width = self._chip_width(text)
            self._chip(QRect(room.right() - width + 1, room.top(), width, room.height()), text, colour, solid=True)
            room.setRight(room.right() - width - self.m.gap)
        label = STATUS_LABELS[conversation.status]
        width = self._chip_width(label)
        self._chip(QRect(room.left(), room.top(), width, room.height()), label, status_colour(conversation.status))
        room.setLeft(room.left() + width + self.m.gap)
        if conversation.visibility is Visibility.PRIVATE:
            size = QFontMetrics(self.small).height()
            self._lock(QRect(room.left(), room.center().y() - size // 2, size, size))
            room.setLeft(room.left() + size + self.m.gap)
        colour = self.text if conversation.unread else self.secondary
        if room.width() > 0:
            self._elided(room, preview_line(conversation), colour, self.font)

    # --- pieces ------------------------------------------------------------------------------

    def _channel_badge(self, conversation: Conversation, rect: QRect) -> None:
        style = platform_style(conversation.platform)
        fill = platform_colour(conversation.platform)
        target = self._visual(rect)
        self.p.setPen(Qt.PenStyle.NoPen)
        self.p.setBrush(fill)
        self.p.drawEllipse(target)
        letter_font = _bold(self.font)
        letter_font.setPixelSize(max(1, round(rect.height() * 0.5)))
        self.p.setFont(letter_font)
        self.p.setPen(text_colour_on(fill))
        self.p.drawText(target, int(_CENTRE), style.letter)

    def _chip_width(self, text: str) -> int:
        return QFontMetrics(self.small).horizontalAdvance(text) + 2 * self.m.gap + 2

    def _chip(self, rect: QRect, text: str, colour: QColor, *, solid: bool = False) -> None:
        height = QFontMetrics(self.small).height() + 2
        chip = QRectF(self._visual(QRect(rect.left(), rect.center().y() - height // 2, rect.width(), height)))
        chip.adjust(0.5, 0.5, -0.5, -0.5)  # keep the 1 px outline on whole pixels
        fill = QColor(colour)
        if not solid:
            fill.setAlphaF(_CHIP_TINT_ALPHA)
        self.p.setBrush(fill)
        self.p.setPen(colour)
        radius = chip.height() / 2
        self.p.drawRoundedRect(chip, radius, radius)
        self.p.setFont(self.small)
        self.p.setPen(text_colour_on(colour) if solid else self.text)
        self.p.drawText(chip, int(_CENTRE), text)

    def _lock(self, rect: QRect) -> None:
        """A padlock drawn with lines, so it needs no icon file and no emoji font."""
        box = QRectF(self._visual(rect))
        pen_width = max(1.0, box.width() / 9)
        body = QRectF(
            box.left() + box.width() * 0.15, box.top() + box.height() * 0.45, box.width() * 0.7, box.height() * 0.5
        )
        shackle = QRectF(
            body.left() + body.width() * 0.2, box.top() + box.height() * 0.1, body.width() * 0.6, body.height()
        )
        self.p.setPen(Qt.PenStyle.NoPen)
        self.p.setBrush(self.secondary)
        self.p.drawRoundedRect(body, pen_width, pen_width)
        pen = self.p.pen()
        pen.setStyle(Qt.PenStyle.SolidLine)
        pen.setColor(self.secondary)
        pen.setWidthF(pen_width)
        self.p.setPen(pen)
        self.p.setBrush(Qt.BrushStyle.NoBrush)
        self.p.drawArc(shackle, 0, 180 * 16)  # the upper half of an ellipse, in 1/16ths of a degree

    def _elided(self, rect: QRect, text: str, colour: QColor, font: QFont) -> int:
        """Draw ``text`` elided to ``rect``; return the width it took."""
        metrics = QFontMetrics(font)
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(0, rect.width()))
        width = min(rect.width(), metrics.horizontalAdvance(shown))
        self._text(rect, shown, colour, font, _LEFT)
        return width

    def _text(self, rect: QRect, text: str, colour: QColor, font: QFont, alignment: Qt.AlignmentFlag) -> None:
        self.p.setFont(font)
        self.p.setPen(colour)
        flags = QStyle.visualAlignment(self.opt.direction, alignment) | Qt.TextFlag.TextSingleLine
        self.p.drawText(self._visual(rect), int(flags), text)

    def _visual(self, rect: QRect) -> QRect:
        return QStyle.visualRect(self.opt.direction, self.opt.rect, rect)
