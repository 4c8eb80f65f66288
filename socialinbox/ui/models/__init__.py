"""Qt item models over domain values, and the one helper they share for text Qt might take for rich text."""

from __future__ import annotations

import html


def plain_tooltip(text: str) -> str:
    """Make ``text`` safe to return for Qt.ToolTipRole: it shows exactly as written, never as rich text.

    QToolTip guesses the format (Qt.mightBeRichText), so a customer's "<b>hi</b>" or "<img src=…>" would render as
    markup. We hand it our own tiny document instead, with every character of the text escaped.
    """
    escaped = html.escape(text, quote=False).replace("\n", "<br>")
    return f"<p style='white-space:pre-wrap'>{escaped}</p>"
