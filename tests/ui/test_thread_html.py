from datetime import UTC, datetime

from socialinbox.domain import Direction, Message, OutboxItem, OutboxState, Visibility
from socialinbox.ui.thread_html import MAX_SHOWN_CHARS, text_to_html, thread_html

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
