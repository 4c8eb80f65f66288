"""How much the GUI thread reads from the database while the owner opens conversations (the demo shop, offscreen).

    QT_QPA_PLATFORM=offscreen python -m bench.gui_thread_reads [--open N]

Counts the SQL statements and pool checkouts made on the GUI thread (SQLAlchemy's ``before_cursor_execute`` and
``checkout`` events) while N conversations are opened one after another, each until the pane shows it. On a team's
PostgreSQL every statement is a round trip to the server, and every checkout one more (``pool_pre_ping``): this is
what froze the window on a slow or lost server (docs/performance.md, "Opening a conversation off the GUI thread").
Not one of issue 9's targets, so not in ``python -m bench``; it prints its figures and exits 0.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication
from sqlalchemy import event

from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.ui.app import InboxApp
from socialinbox.wiring import build_core, ensure_demo_account


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--open", type=int, default=10, help="how many conversations to open")
    args = parser.parse_args(argv)
    qt = QApplication.instance() or QApplication(sys.argv)
    core = build_core(paths_in(Path(tempfile.mkdtemp(prefix="socialinbox-reads-"))), secrets=MemorySecretStore())
    ensure_demo_account(core)
    app = InboxApp(core)
    app.start()
    _until(qt, lambda: app.window.inbox_model.rowCount() >= args.open)
    counts = {"statements": 0, "checkouts": 0}
    gui = threading.main_thread()

    def counted(kind: str) -> None:
        if threading.current_thread() is gui:
            counts[kind] += 1

    engine = core.engine
    event.listen(engine, "before_cursor_execute", lambda *_args: counted("statements"))
    event.listen(engine, "checkout", lambda *_args: counted("checkouts"))
    model, pane = app.window.inbox_model, app.window.pane
    opened = [conversation.id for row in range(args.open) if (conversation := model.conversation_at(row))]
    for conversation_id in opened:
        app.window.conversation_opened.emit(conversation_id)
        _until(qt, lambda wanted=conversation_id: pane.conversation is not None and pane.conversation.id == wanted)
        _until(qt, lambda: False, seconds=0.1)  # what follows the showing (the case banner, the composer's setup)
    print(
        f"opened {len(opened)} conversations: {counts['statements']} statements and {counts['checkouts']} pool "
        f"checkouts on the GUI thread ({counts['statements'] / max(1, len(opened)):.1f} and "
        f"{counts['checkouts'] / max(1, len(opened)):.1f} per conversation)"
    )
    app.shutdown()
    return 0


def _until(qt: QApplication, done: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not done():  # type: ignore[operator]
        qt.processEvents()
        time.sleep(0.002)


if __name__ == "__main__":
    sys.exit(main())
