""" "Save attachment…" in the conversation pane: the open thread's e-mail attachments, each saved on request.

The button appears only when a message of the open conversation lists attachments (``sync/attachments.py`` reads
them from the stored text). Choosing one opens a save dialog on the mail's (made safe) file name in the Downloads
folder; Qt's dialog itself asks before replacing a file. The fetch from the mail server and the writing run on the
background task runner, never the GUI thread; the outcome comes back through the bridge as a status-bar message.
A file that appeared at the chosen path after the dialog closed is kept, and the attachment saved beside it.
Nothing saved is ever opened or run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Slot
from PySide6.QtWidgets import QFileDialog, QMenu, QToolButton, QWidget

from socialinbox.connectors import TOKENLESS
from socialinbox.connectors.base import ConnectorError
from socialinbox.domain import Message
from socialinbox.sync.attachments import AttachmentFetcher, listed_attachments, safe_file_name, save_as
from socialinbox.sync.service import Credentials
from socialinbox.sync.tasks import BackgroundTasks, TaskResult
from socialinbox.ui.main_window import MainWindow
from socialinbox.ui.sync_bridge import SyncBridge
from socialinbox.ui.timefmt import local_time
from socialinbox.wiring import Core

TASK = "save-attachment"
Fetch = Callable[[Message, int], tuple[str, bytes]]
ChooseTarget = Callable[[QWidget, str], str]  # (parent, suggested path) -> chosen path, "" when cancelled


@dataclasses.dataclass(frozen=True, slots=True)
class Saved:
    path: Path | None
    error: str = ""


def ask_where(parent: QWidget, suggested: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Save attachment", suggested)
    return str(path)


class AttachmentActions(QObject):
    def __init__(
        self,
        window: MainWindow,
        bridge: SyncBridge,
        tasks: BackgroundTasks,
        fetch: Fetch,
        now: Callable[[], datetime],
        *,
        choose_target: ChooseTarget = ask_where,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._tasks = tasks
        self._fetch = fetch
        self._now = now
        self._choose_target = choose_target
        self.menu = QMenu(window)
        self.button = QToolButton(window.pane)
        self.button.setText("Save attachment…")
        self.button.setToolTip("Fetch an attachment of this e-mail from the mail server and save it")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setMenu(self.menu)
        self.button.hide()
        window.pane.header_actions.addWidget(self.button)
        window.pane.conversation_shown.connect(self.on_conversation_shown)
        bridge.report_ready.connect(self.on_result)

    @classmethod
    def for_core(cls, core: Core, window: MainWindow, bridge: SyncBridge, tasks: BackgroundTasks) -> AttachmentActions:
        fetcher = AttachmentFetcher(core.repository, core.connectors, Credentials(core.secrets, TOKENLESS))
        return cls(window, bridge, tasks, fetcher.fetch, core.clock.now)

    @Slot(object, object, object)
    def on_conversation_shown(self, conversation: object, messages: Sequence[Message], outbox: object) -> None:
        self.menu.clear()
        with_files = [(m, listed_attachments(m.text)) for m in messages]
        with_files = [(m, items) for m, items in with_files if items]
        now = self._now()
        for message, items in with_files:
            for item in items:
                label = f"{item.name} ({item.size})"
                if len(with_files) > 1:  # say which mail when the thread has several with attachments
                    label += f" · {message.author_name or message.author_handle}, {local_time(message.sent_at, now)}"
                action = self.menu.addAction(label)
                action.triggered.connect(lambda _=False, m=message, i=item.index, n=item.name: self.save(m, i, n))
        self.button.setVisible(bool(with_files))

    def save(self, message: Message, index: int, name: str) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation) or str(Path.home())
        chosen = self._choose_target(self._window, str(Path(folder) / safe_file_name(name, index)))
        if not chosen:
            return
        target = Path(chosen)
        replace = target.exists()  # it was there when the owner chose it: the dialog asked before replacing
        self._window.show_message(f"Fetching {target.name} from the mail server…")
        self._tasks.run(TASK, lambda: self._fetch_and_save(message, index, target, replace))

    def _fetch_and_save(self, message: Message, index: int, target: Path, replace: bool) -> Saved:
        """On the task runner: the owner's errors come back as a message, not as a failed task."""
        try:
            _, data = self._fetch(message, index)
            return Saved(save_as(target, data, replace=replace))
        except (ConnectorError, LookupError) as error:
            return Saved(None, str(error))
        except OSError as error:
            return Saved(None, f"Could not save {target.name}: {error.strerror or error}")

    @Slot(object)
    def on_result(self, result: object) -> None:
        if not isinstance(result, TaskResult) or result.name != TASK or not isinstance(result.value, Saved):
            return
        saved: Saved = result.value
        if saved.path is None:
            self._window.show_message(f"The attachment was not saved: {saved.error}", error=True)
        else:
            self._window.show_message(f"Saved {saved.path}")
