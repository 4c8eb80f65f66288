"""The conversation thread as HTML that we write ourselves: every piece of platform text is escaped.

Nothing a platform sends is rendered as rich text: its text is escaped and only http(s) URLs become links,
which the pane opens after showing their real target. No <img>, no style from outside, nothing remote.

The bubbles' colours come from the palette (ThreadColours.from_palette), so they follow the light or dark theme;
every text colour is checked against its bubble for a contrast of at least 4.5:1 (WCAG AA for body text).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtGui import QColor, QGuiApplication, QPalette

from socialinbox.domain import Direction, Message, OutboxItem, OutboxState
from socialinbox.links import find_urls
from socialinbox.ui.timefmt import local_time

# Qt lays out 20,000 characters of one unbroken word in about 0.3 s, 10,000 emoji in 0.1 s (R4 in docs/reliability.md);
# 5,000 stay well under the 100 ms a click may take. The full text stays in the database.
MAX_SHOWN_CHARS = 5_000


def text_to_html(text: str) -> str:
    """Escape ``text`` and turn its http(s) URLs into links; newlines become line breaks."""
    if len(text) > MAX_SHOWN_CHARS:
        text = text[:MAX_SHOWN_CHARS] + f"\n[… {len(text) - MAX_SHOWN_CHARS:,} more characters not shown]"
    parts, position = [], 0
    for start, end in find_urls(text):
        parts.append(html.escape(text[position:start]))
        url = text[start:end]
        parts.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>')
        position = end
    parts.append(html.escape(text[position:]))
    return "".join(parts).replace("\n", "<br>")


MIN_CONTRAST = 4.5
_ROLE = QPalette.ColorRole
_AMBER = QColor("#e8a400")  # a reply still on its way: the colour of a queued / waiting state
_RED_ON_LIGHT, _RED_ON_DARK = QColor("#b00020"), QColor("#ff8a80")


@dataclass(frozen=True)
class ThreadColours:
    """Colours of the thread as #rrggbb: the three bubbles and the text written on them."""

    ours: str  # a reply we sent
    theirs: str  # the customer's message
    pending: str  # a reply not sent yet
    text: str
    meta: str  # handle, time and visibility: quieter than the text, still readable
    error: str  # why a reply was not sent

    @classmethod
    def from_palette(cls, palette: QPalette) -> ThreadColours:
        base, text = palette.color(_ROLE.Base), palette.color(_ROLE.Text)
        bubbles = (_mix(base, palette.color(_ROLE.Highlight), 0.16), _mix(base, text, 0.07), _mix(base, _AMBER, 0.2))
        dark = luminance(base) < 0.5
        meta = _readable(_mix(text, base, 0.4), text, bubbles)
        error = _readable(_RED_ON_DARK if dark else _RED_ON_LIGHT, text, bubbles)
        ours, theirs, pending = (bubble.name() for bubble in bubbles)
        return cls(ours, theirs, pending, text.name(), meta.name(), error.name())


def luminance(colour: QColor) -> float:
    """WCAG relative luminance, 0 (black) to 1 (white)."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(first: QColor | str, second: QColor | str) -> float:
    """WCAG contrast ratio, 1 to 21."""
    lighter, darker = sorted((luminance(QColor(first)), luminance(QColor(second))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _mix(colour: QColor, other: QColor, share: float) -> QColor:
    red, green, blue = (a + (b - a) * share for a, b in zip(_rgb(colour), _rgb(other), strict=True))
    return QColor.fromRgbF(red, green, blue)


def _rgb(colour: QColor) -> tuple[float, float, float]:
    return colour.redF(), colour.greenF(), colour.blueF()


def _readable(colour: QColor, text: QColor, backgrounds: Sequence[QColor]) -> QColor:
    """``colour``, moved toward the text colour until it reads on every background (the text itself always does)."""
    for step in range(11):
        candidate = _mix(colour, text, step / 10)
        if all(contrast(candidate, background) >= MIN_CONTRAST for background in backgrounds):
            return candidate
    return text


def current_colours() -> ThreadColours:
    """The colours for the application's palette now (the light palette's before a QGuiApplication exists)."""
    palette = QGuiApplication.palette() if QGuiApplication.instance() is not None else QPalette(QColor("#efefef"))
    return ThreadColours.from_palette(palette)


def thread_html(
    messages: Sequence[Message], pending: Sequence[OutboxItem], now: datetime, colours: ThreadColours | None = None
) -> str:
    """The thread in ``colours`` (default: the application palette's)."""
    colours = colours or current_colours()
    blocks = [_message_block(message, now, colours) for message in messages]
    blocks += [_pending_block(item, colours) for item in pending if item.state is not OutboxState.SENT]
    return "<html><body>" + "".join(blocks) + "</body></html>"


def _bubble(ours: bool, shade: str, colours: ThreadColours, content: str) -> str:
    """One message as a bubble 85% of the view wide, the shop's on the right, the customer's on the left.

    Two cells side by side, because Qt's rich text honours a cell's width but not a nested table's: a bubble that
    was a table inside an aligned cell filled the whole width, and only its colour told who was speaking.
    """
    bubble = f'<td width="85%" style="background-color:{shade}; color:{colours.text}">{content}</td>'
    spacer = '<td width="15%"></td>'
    row = spacer + bubble if ours else bubble + spacer
    return f'<table width="100%" cellspacing="6" cellpadding="8"><tr>{row}</tr></table>'


def _message_block(message: Message, now: datetime, colours: ThreadColours) -> str:
    ours = message.direction is Direction.OUTBOUND
    who = "You" if ours else html.escape(message.author_name or message.author_handle)
    handle = "" if ours else f' <span style="color:{colours.meta}">{html.escape(message.author_handle)}</span>'
    when = html.escape(local_time(message.sent_at, now))
    meta = f'<span style="color:{colours.meta}">· {when} · {message.visibility.value}</span>'
    content = f"<b>{who}</b>{handle} {meta}<br>{text_to_html(message.text)}"
    return _bubble(ours, colours.ours if ours else colours.theirs, colours, content)


def _pending_block(item: OutboxItem, colours: ThreadColours) -> str:
    label = {
        OutboxState.QUEUED: "Queued, sending shortly",
        OutboxState.SENDING: "Sending…",
        OutboxState.FAILED: "Not sent",
    }[item.state]
    reason = f'<br><span style="color:{colours.error}">{html.escape(item.last_error)}</span>' if item.last_error else ""
    content = f'<b>You</b> <span style="color:{colours.meta}">· {label}</span><br>{text_to_html(item.text)}{reason}'
    return _bubble(True, colours.pending, colours, content)
