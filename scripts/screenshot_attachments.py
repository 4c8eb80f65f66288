"""Screenshot of "Save attachment…" on an e-mail conversation, with its menu open (offscreen unless a display is set).

.venv/bin/python scripts/screenshot_attachments.py docs/screenshots
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QPainter
from shots import out_dir_argument, start, throwaway_core

from socialinbox.domain import Direction, Platform, PollResult, RemoteAuthor, RemoteMessage, Visibility
from socialinbox.sync.tasks import BackgroundTasks
from socialinbox.ui.attachment_actions import AttachmentActions
from socialinbox.ui.inbox_sources import inbox_sources
from socialinbox.ui.main_window import MainWindow
from socialinbox.ui.sync_bridge import SyncBridge

ANNA = RemoteAuthor("anna@mailbox.example", "anna@mailbox.example", "Anna Lindqvist")
SHOP = RemoteAuthor("shop@cornerbakery.example", "shop@cornerbakery.example", "Corner Bakery")


def main(out_dir: Path) -> int:
    app = start(out_dir)
    with throwaway_core() as core:
        now = core.clock.now()
        account = core.repository.add_account(Platform.EMAIL, SHOP.handle, now, display_name="Corner Bakery")
        thread = "anna-cake"
        mails = [
            (ANNA, Direction.INBOUND, 3, "Subject: Damaged cake\n\nHello! The princess cake I ordered arrived "
             "squashed on one side. Photos and the invoice are attached.\n\n"
             "[attachment: Rechnung_März.pdf (3 KB)]\n[attachment: tårta skadad.jpg (30 KB)]"),
            (SHOP, Direction.OUTBOUND, 2, "So sorry, Anna! Could you send one more photo of the box?"),
            (ANNA, Direction.INBOUND, 1, "Here it is.\n\n[attachment: kartong.jpg (41 KB)]"),
        ]  # fmt: skip
        remote = tuple(
            RemoteMessage(
                f"m{n}@mailbox.example",
                who,
                text,
                now - timedelta(minutes=40 * n),
                Visibility.PRIVATE,
                direction,
                thread_key=thread,
            )
            for who, direction, n, text in mails
        )
        saved = core.repository.save_poll(account.id, PollResult(remote, "1:3"), now)
        window = MainWindow(inbox_sources(lambda: core.repository), core.clock.now)
        bridge = SyncBridge()
        tasks = BackgroundTasks(bridge.publish)
        actions = AttachmentActions.for_core(core, window, bridge, tasks)
        window.resize(1280, 720)
        window.set_accounts(core.repository.accounts())
        window.inbox_model.upsert(saved.conversations)
        conversation = saved.conversations[0]
        window.show()
        window.pane.show_conversation(conversation, core.repository.messages(conversation.id), [])
        app.processEvents()
        shot = window.grab()
        menu = actions.menu.grab()
        corner = actions.button.mapTo(window, QPoint(0, actions.button.height()))
        painter = QPainter(shot)
        painter.drawPixmap(QPoint(min(corner.x(), shot.width() - menu.width() - 8), corner.y()), menu)
        painter.end()
        target = out_dir / "save-attachment.png"
        shot.save(str(target))
        tasks.shutdown()
        core.close()
    print(f"saved {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(out_dir_argument()))
