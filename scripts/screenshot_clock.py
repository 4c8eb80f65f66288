"""Take the one-hour clock's screenshots: the inbox with time-left badges, and the Reports view.

A throwaway data folder gets two weeks of made-up history on three channels (customers writing, the shop answering
after realistic delays, some holding replies) plus the live demo shop, so the figures and charts have something to show.

.venv/bin/python scripts/screenshot_clock.py docs/screenshots
"""

from __future__ import annotations

import dataclasses
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QTimer
from shots import out_dir_argument, start, throwaway_core

from socialinbox.domain import Platform, PollResult, RemoteAuthor, RemoteMessage, SentReply, Visibility
from socialinbox.storage.repository import Repository
from socialinbox.ui.app import InboxApp
from socialinbox.wiring import ensure_demo_account

ASKING = [
    "Do you have gluten-free bread on Saturdays?",
    "What time do you close today?",
    "Can I order a birthday cake for Friday?",
    "Is the sourdough vegan?",
    "Love your cinnamon buns, best in town!",
    "Thank you for the lovely wedding cake, everyone loved it",
]
COMPLAINING = [
    "My order arrived late and the box was damaged. Really disappointed.",
    "Still waiting for my refund, this is ridiculous",
    "The cake was the wrong size, not what I ordered!",
]
CHANNELS = {
    Platform.MASTODON: Visibility.PUBLIC,
    Platform.TELEGRAM: Visibility.PRIVATE,
    Platform.EMAIL: Visibility.PRIVATE,
}


def _history(repository: Repository, now: datetime, rng: random.Random) -> None:
    accounts = {p: repository.add_account(p, "crumbandco", now - timedelta(days=30)).id for p in CHANNELS}
    serial = 0
    for day in range(14, 0, -1):
        for _ in range(rng.randrange(6, 14)):
            serial += 1
            platform = rng.choice(list(CHANNELS))
            hour = rng.choices(range(24), weights=[1] * 7 + [4, 6, 8, 8, 9, 10, 8, 7, 7, 8, 9, 6, 4, 3, 2, 1, 1])[0]
            sent = (now - timedelta(days=day)).replace(hour=hour, minute=rng.randrange(60), second=0, microsecond=0)
            text = rng.choice(COMPLAINING if rng.random() < 0.25 else ASKING)
            author = RemoteAuthor(f"h{serial}", f"customer{serial}", f"Customer {serial}", rng.choice([None, 80, 2400]))
            message = RemoteMessage(f"h{serial}", author, text, sent, CHANNELS[platform], thread_key=f"h{serial}")
            (conversation,) = repository.save_poll(accounts[platform], PollResult((message,), None), sent).conversations
            delay = timedelta(minutes=rng.choice([8, 15, 25, 35, 50, 70, 110, 240]) if 8 <= hour < 19 else 600)
            kind = "holding-reply" if rng.random() < 0.15 else "message"
            item = repository.queue_reply(conversation.id, "Thanks for your message!", sent + delay, kind=kind)
            for claim in repository.claim_due_replies(sent + delay):
                repository.mark_sent(claim.item.id, SentReply(f"r{claim.item.id}", sent + delay), sent + delay)
            del item
    waiting = [
        (Platform.MASTODON, 52, COMPLAINING[0], 12_400),
        (Platform.TELEGRAM, 35, "Can I still order for tomorrow morning?", None),
        (Platform.EMAIL, 150, "Quote for 200 croissants for a company breakfast, please", None),
    ]
    for n, (platform, minutes, text, followers) in enumerate(waiting):
        author = RemoteAuthor(f"w{n}", ["oliviabakes", "tomasz.k", "events@acme.example"][n], "", followers)
        author = dataclasses.replace(author, display_name=["Olivia Grant", "Tomasz K.", "ACME Events"][n])
        sent = now - timedelta(minutes=minutes)
        message = RemoteMessage(f"w{n}", author, text, sent, CHANNELS[platform], thread_key=f"w{n}")
        repository.save_poll(accounts[platform], PollResult((message,), None), sent)


def main(out_dir: Path) -> int:
    app = start(out_dir)
    with throwaway_core() as core:
        core.settings = dataclasses.replace(core.settings, channel_targets="email=240", time_zone="UTC")
        _history(core.repository, datetime.now(UTC), random.Random(5))  # noqa: S311  (made-up data, not secrets)
        demo = ensure_demo_account(core)
        inbox = InboxApp(core)
        inbox.window.resize(1280, 800)
        inbox.controller.start(core.repository.accounts())
        inbox.clock.start(inbox)
        inbox.scheduler.start([demo])  # only the demo polls: the made-up channels have no servers
        inbox.window.show()

        def shoot() -> None:
            window = inbox.window
            if window.inbox_model.rowCount() < 8:
                QTimer.singleShot(200, shoot)
                return
            window.inbox.setCurrentIndex(window.inbox_model.index(0))
            QTimer.singleShot(500, reports)

        def reports() -> None:
            inbox.window.grab().save(str(out_dir / "clock-inbox.png"))
            assert inbox.clock.actions is not None
            inbox.clock.actions.on_reports()
            QTimer.singleShot(3000, finish)

        def finish() -> None:
            dialog = inbox.clock.actions.reports if inbox.clock.actions else None
            if dialog is not None:
                dialog.grab().save(str(out_dir / "clock-reports.png"))  # type: ignore[attr-defined]
            app.quit()

        QTimer.singleShot(300, shoot)
        app.exec()
        inbox.shutdown()
    print(f"saved {out_dir / 'clock-inbox.png'} and {out_dir / 'clock-reports.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(out_dir_argument()))
