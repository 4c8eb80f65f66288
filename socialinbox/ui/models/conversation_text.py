"""What a row of the inbox list says about its conversation, beyond what the delegate paints: the one-line preview,
the tooltip, and the sentence a screen reader speaks."""

from __future__ import annotations

from datetime import datetime, tzinfo

from socialinbox.domain import PLATFORM_LABELS, Conversation, Visibility
from socialinbox.ui.timefmt import local_time, spoken_age
from socialinbox.ui.views.platform_style import STATUS_LABELS

_TOOLTIP_PREVIEW_CHARS = 500
_SPOKEN_PREVIEW_CHARS = 200


def preview_line(conversation: Conversation) -> str:
    """The first non-empty line of the preview: what fits in one row."""
    for line in conversation.preview.splitlines():
        if line.strip():
            return line.strip()
    return ""


def spoken(conversation: Conversation, now: datetime, tz: tzinfo | None) -> str:
    kind = "Private" if conversation.visibility is Visibility.PRIVATE else "Public"
    age = spoken_age(conversation.last_message_at, now, tz)
    unread = f", {conversation.unread} unread" if conversation.unread else ""
    status = STATUS_LABELS[conversation.status].lower()
    preview = preview_line(conversation)[:_SPOKEN_PREVIEW_CHARS]
    return (
        f"{kind} message from {conversation.contact.name} on {PLATFORM_LABELS[conversation.platform]}, "
        f"{age}, {status}{unread}: {preview}"
    )


def tooltip(conversation: Conversation, now: datetime, tz: tzinfo | None) -> str:
    """Plain text: the model escapes it for Qt's rich-text tooltips (``plain_tooltip``)."""
    contact = conversation.contact
    facts = [PLATFORM_LABELS[conversation.platform], conversation.visibility.value]
    facts.append(STATUS_LABELS[conversation.status].lower())
    if conversation.unread:
        facts.append(f"{conversation.unread} unread")
    lines = [f"{contact.name} ({contact.handle})", " · ".join(facts)]
    lines.append(f"Last message: {local_time(conversation.last_message_at, now, tz)}")
    if conversation.waiting_since is not None:
        lines.append(f"Waiting since: {local_time(conversation.waiting_since, now, tz)}")
    if conversation.snoozed_until is not None:
        lines.append(f"Snoozed until: {local_time(conversation.snoozed_until, now, tz)}")
    preview = conversation.preview[:_TOOLTIP_PREVIEW_CHARS]
    return "\n".join(lines) + (f"\n\n{preview}" if preview else "")
