"""How long the GUI thread is held when a long conversation is shown (offscreen).

    QT_QPA_PLATFORM=offscreen python -m bench.long_thread [--sizes 400,2000,5000] [--repeats 5]

A customer with a long history (a regular on Telegram for years, a team's busy shared chat) has a thread of
thousands of messages. For chats of each size, this times the pane showing a conversation until it has painted:
the part it opens at (the newest ``controller.THREAD_NEWEST``), then that part with one "Show earlier messages"
click's worth more, against the whole thread, which is what opening a conversation drew before. Times are
medians of interleaved runs (``measure.interleaved_medians``). Not one of issue 9's targets, so not in ``python -m
bench``; it prints its figures and exits 0.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta

from PySide6.QtWidgets import QApplication

from bench.corpus import PRODUCTS, SENTENCES, SHOP_REPLIES
from bench.measure import interleaved_medians
from socialinbox.domain import Contact, Conversation, Direction, Message, Platform, Status, Visibility
from socialinbox.ui.controller import THREAD_EARLIER_STEP, THREAD_NEWEST
from socialinbox.ui.views.conversation_pane import ConversationPane

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def chat(size: int, seed: int = 7) -> tuple[Conversation, list[Message]]:
    """One customer's private chat of ``size`` messages, two of theirs to each of the shop's, an hour apart."""
    pick = random.Random(seed)
    contact = Contact(1, 1, "anna-1", "anna.berg", "Anna Berg")
    conversation = Conversation(
        1, 1, Platform.TELEGRAM, contact, Visibility.PRIVATE, Status.NEEDS_REPLY, NOW, "…", NOW, message_count=size
    )
    messages = []
    for n in range(size):
        ours = n % 3 == 2
        text = pick.choice(SHOP_REPLIES if ours else SENTENCES[pick.choice(list(SENTENCES))])
        text = text.format(p=pick.choice(PRODUCTS)[0], o=pick.randrange(1000, 9999), d="Friday", e="")
        direction = Direction.OUTBOUND if ours else Direction.INBOUND
        sent = NOW - timedelta(hours=size - n)
        messages.append(Message(n + 1, 1, 1, f"m{n}", direction, "anna.berg", "Anna", text, sent, Visibility.PRIVATE))
    return conversation, messages


def _medians(
    pane: ConversationPane, conversation: Conversation, messages: list[Message], repeats: int
) -> tuple[float, float, float]:
    """Seconds to show the newest part, the newest part and one step earlier, and the whole thread."""

    def show(count: int) -> None:
        pane.show_conversation(None, [], [])  # another conversation first, as when the owner opens this one
        pane.show_conversation(conversation, messages[-count:], [], earlier=count < len(messages))
        pane.repaint()

    newest, whole = interleaved_medians(lambda: show(THREAD_NEWEST), lambda: show(len(messages)), repeats)
    more, _ = interleaved_medians(lambda: show(THREAD_NEWEST + THREAD_EARLIER_STEP), lambda: None, repeats)
    return newest, more, whole


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.long_thread")
    parser.add_argument("--sizes", default="400,2000,5000", help="thread lengths, comma-separated")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    pane = ConversationPane(lambda: NOW)
    pane.resize(560, 700)
    pane.show()
    app.processEvents()
    print(f"showing a thread until painted, median of {args.repeats} (newest part: {THREAD_NEWEST} messages)")
    for size in (int(part) for part in args.sizes.split(",")):
        newest, more, whole = _medians(pane, *chat(size), args.repeats)
        print(
            f"{size:>6,} messages: newest part {newest * 1000:7.1f} ms, after one 'earlier' {more * 1000:7.1f} ms; "
            f"whole thread (before) {whole * 1000:8.1f} ms; {whole / newest:5.1f}x less"
        )
    pane.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
