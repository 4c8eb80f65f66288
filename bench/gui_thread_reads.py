"""How much the GUI thread reads from the database while the owner opens conversations and scrolls (offscreen).

    QT_QPA_PLATFORM=offscreen python -m bench.gui_thread_reads [--open N] [--scroll ROWS] [--choose ROUNDS]

Counts the SQL statements and pool checkouts made on the GUI thread (SQLAlchemy's ``before_cursor_execute`` and
``checkout`` events) while N conversations of the demo shop are opened one after another, each until the pane shows
it; with ``--scroll``, then while the "Done" list of a generated 20,000-message inbox (``bench/generate.py``) is
scrolled until it holds ROWS rows; with ``--choose``, while each list of the left column of that inbox is chosen in
turn, ROUNDS times, each until its first page is shown. On a team's PostgreSQL every statement is a round trip to
the server, and every checkout one more (``pool_pre_ping``): this is what froze the window on a slow or lost server
(docs/performance.md, "Opening a conversation off the GUI thread"). Not one of issue 9's targets, so not in
``python -m bench``; it prints its figures and exits 0.
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

from bench.generate import cached_database
from bench.gui_benchmarks import data_folder
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.storage.paging import InboxView
from socialinbox.ui.app import InboxApp
from socialinbox.wiring import Core, build_core, ensure_demo_account


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--open", type=int, default=10, help="how many conversations to open")
    parser.add_argument("--scroll", type=int, default=0, help="then scroll a generated inbox's list to this many rows")
    parser.add_argument("--choose", type=int, default=0, help="then choose each list of that inbox this many times")
    args = parser.parse_args(argv)
    qt = QApplication.instance() or QApplication(sys.argv)
    _open_conversations(qt, args.open)
    if args.scroll:
        _scroll(qt, args.scroll)
    if args.choose:
        _choose_lists(qt, args.choose)
    return 0


class GuiThreadReads:
    """Counts the statements and pool checkouts ``core``'s engine makes on the GUI thread."""

    def __init__(self, core: Core) -> None:
        self.statements = self.checkouts = 0
        gui = threading.main_thread()

        def statement(*_args: object) -> None:
            self.statements += threading.current_thread() is gui

        def checkout(*_args: object) -> None:
            self.checkouts += threading.current_thread() is gui

        event.listen(core.engine, "before_cursor_execute", statement)
        event.listen(core.engine, "checkout", checkout)

    def __str__(self) -> str:
        return f"{self.statements} statements and {self.checkouts} pool checkouts on the GUI thread"


def _open_conversations(qt: QApplication, count: int) -> None:
    core = build_core(paths_in(Path(tempfile.mkdtemp(prefix="socialinbox-reads-"))), secrets=MemorySecretStore())
    ensure_demo_account(core)
    app = InboxApp(core)
    app.start()
    _until(qt, lambda: app.window.inbox_model.rowCount() >= count)
    counts = GuiThreadReads(core)
    model, pane = app.window.inbox_model, app.window.pane
    opened = [conversation.id for row in range(count) if (conversation := model.conversation_at(row))]
    for conversation_id in opened:
        app.window.conversation_opened.emit(conversation_id)
        _until(qt, lambda wanted=conversation_id: pane.conversation is not None and pane.conversation.id == wanted)
        _until(qt, lambda: False, seconds=0.1)  # what follows the showing (the case banner, the composer's setup)
    print(
        f"opened {len(opened)} conversations: {counts} ({counts.statements / max(1, len(opened)):.1f} and "
        f"{counts.checkouts / max(1, len(opened)):.1f} per conversation)"
    )
    app.shutdown()


def _generated_inbox(qt: QApplication) -> tuple[Core, InboxApp]:
    """The app on a generated 20,000-message inbox (its accounts have no sign-in here, so their polls stop at once)."""
    database = cached_database(20_000, Path(tempfile.gettempdir()) / "socialinbox-bench", log=False)
    folder = data_folder(database, Path(tempfile.mkdtemp(prefix="socialinbox-scroll-")))
    core = build_core(paths_in(folder), secrets=MemorySecretStore())
    app = InboxApp(core)
    app.start()
    _until(qt, lambda: app.window.inbox_model.rowCount() > 0)
    return core, app


def _choose(qt: QApplication, app: InboxApp, view: InboxView) -> None:
    """Choose ``view`` in the left column, as a click does, and wait until its first page is in."""
    window = app.window
    window.navigation.setCurrentIndex(window.navigation_model.index(window.navigation_model.row_for_view(view)))
    _until(qt, lambda: not window.inbox_model.page_on_its_way)


def _scroll(qt: QApplication, rows: int) -> None:
    """Scroll "Done" of a generated inbox."""
    core, app = _generated_inbox(qt)
    window = app.window
    counts = GuiThreadReads(core)
    _choose(qt, app, InboxView.DONE)
    model = window.inbox_model
    first_page = model.rowCount()
    while model.rowCount() < rows and (model.canFetchMore() or model.page_on_its_way):
        window.inbox.scrollToBottom()
        model.fetchMore()  # as the view does when its scroll bar reaches the end
        _until(qt, lambda: not model.page_on_its_way)
    pages = max(0, (model.rowCount() - first_page + 99) // 100)
    print(f"scrolled to {model.rowCount():,} rows ({pages} pages after the first): {counts}")
    app.shutdown()


def _choose_lists(qt: QApplication, rounds: int) -> None:
    core, app = _generated_inbox(qt)
    counts = GuiThreadReads(core)
    views = [InboxView.ALL, InboxView.NEEDS_REPLY, InboxView.WAITING, InboxView.SNOOZED, InboxView.DONE]
    for _ in range(rounds):
        for view in views:
            _choose(qt, app, view)
    chosen = rounds * len(views)
    print(f"chose {chosen} lists: {counts} ({counts.statements / max(1, chosen):.1f} per list)")
    app.shutdown()


def _until(qt: QApplication, done: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not done():  # type: ignore[operator]
        qt.processEvents()
        time.sleep(0.002)


if __name__ == "__main__":
    sys.exit(main())
