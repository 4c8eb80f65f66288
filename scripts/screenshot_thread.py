"""Screenshots of a thread's bubbles (the customer's on the left, the shop's on the right) in both themes.

TZ=UTC .venv/bin/python scripts/screenshot_thread.py docs/screenshots
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from socialinbox.domain import Direction, Message, OutboxItem, OutboxState, Visibility
from socialinbox.ui.theme import dark_palette, light_palette
from socialinbox.ui.thread_html import thread_html
from socialinbox.ui.views.conversation_pane import ThreadView

T0 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)


def _thread() -> tuple[list[Message], list[OutboxItem]]:
    def said(n: int, minutes: int, direction: Direction, text: str) -> Message:
        who = ("@ana", "Ana") if direction is Direction.INBOUND else ("@shop", "You")
        return Message(n, 1, 1, f"m{n}", direction, *who, text, T0 + timedelta(minutes=minutes), Visibility.PRIVATE)

    messages = [
        said(1, 0, Direction.INBOUND, "Is the blue mug back in stock? https://shop.example/mugs"),
        said(2, 10, Direction.OUTBOUND, "Yes! Ten arrived this morning."),
        said(3, 25, Direction.INBOUND, "Great, can you keep one for me?"),
    ]
    failed = OutboxItem(
        4,
        1,
        1,
        "Of course, it is under your name.",
        OutboxState.FAILED,
        2,
        T0,
        "k",
        last_error="Network down: will retry.",
    )
    return messages, [failed]


def main(out_dir: Path) -> int:
    app = QApplication(sys.argv)
    out_dir.mkdir(parents=True, exist_ok=True)
    messages, pending = _thread()
    for name, palette in (("light", light_palette()), ("dark", dark_palette())):
        app.setPalette(palette)
        view = ThreadView()
        view.resize(640, 330)
        view.show()
        view.setHtml(thread_html(messages, pending, T0 + timedelta(minutes=30)))
        app.processEvents()
        view.grab().save(str(out_dir / f"thread-bubbles-{name}.png"))
        view.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
