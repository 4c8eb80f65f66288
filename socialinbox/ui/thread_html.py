"""The conversation thread as HTML that we write ourselves: every piece of platform text is escaped.

Nothing a platform sends is rendered as rich text: its text is escaped and only http(s) URLs become links,
which the pane opens after showing their real target. No <img>, no style from outside, nothing remote.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

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


def thread_html(messages: Sequence[Message], pending: Sequence[OutboxItem], now: datetime) -> str:
    blocks = [_message_block(message, now) for message in messages]
    blocks += [_pending_block(item) for item in pending if item.state is not OutboxState.SENT]
    return "<html><body>" + "".join(blocks) + "</body></html>"


def _message_block(message: Message, now: datetime) -> str:
    ours = message.direction is Direction.OUTBOUND
    who = "You" if ours else html.escape(message.author_name or message.author_handle)
    handle = "" if ours else f' <span style="color:gray">{html.escape(message.author_handle)}</span>'
    when = html.escape(local_time(message.sent_at, now))
    align = "right" if ours else "left"
    shade = "#e3f0e6" if ours else "#eef1f6"
    return (
        f'<table width="100%" cellspacing="0" cellpadding="6"><tr><td align="{align}">'
        f'<table cellpadding="8" style="background-color:{shade}; color:black" width="85%"><tr><td>'
        f'<b>{who}</b>{handle} <span style="color:gray">· {when} · {message.visibility.value}</span><br>'
        f"{text_to_html(message.text)}</td></tr></table></td></tr></table>"
    )


def _pending_block(item: OutboxItem) -> str:
    label = {
        OutboxState.QUEUED: "Queued, sending shortly",
        OutboxState.SENDING: "Sending…",
        OutboxState.FAILED: "Not sent",
    }[item.state]
    reason = f'<br><span style="color:#b00020">{html.escape(item.last_error)}</span>' if item.last_error else ""
    return (
        '<table width="100%" cellspacing="0" cellpadding="6"><tr><td align="right">'
        '<table cellpadding="8" style="background-color:#fff4d6; color:black" width="85%"><tr><td>'
        f'<b>You</b> <span style="color:gray">· {label}</span><br>{text_to_html(item.text)}{reason}'
        "</td></tr></table></td></tr></table>"
    )
