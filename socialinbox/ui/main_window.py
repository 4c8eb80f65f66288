"""The main window: layout, actions and menus only. What the actions do is the controller's business."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QToolBar,
    QWidget,
)

from socialinbox import __version__
from socialinbox.domain import Account, Conversation, SyncReport
from socialinbox.storage.paging import InboxCounts, InboxView
from socialinbox.ui import INT64
from socialinbox.ui.inbox_sources import Sources
from socialinbox.ui.models.inbox_model import InboxModel
from socialinbox.ui.models.navigation_model import NavEntry, NavigationModel
from socialinbox.ui.timefmt import local_time
from socialinbox.ui.views.conversation_pane import ConversationPane
from socialinbox.ui.views.inbox_delegate import InboxDelegate

STARTING_MESSAGE = "Getting replies, accounts and reminders ready…"
# How long a chosen list may show its last picture while its first page is read: a page takes a few milliseconds
# from SQLite; longer than this, and the owner sees the list empty until it comes (``_hold_the_lists_picture``).
LIST_PICTURE_HELD_MS = 300
READING_LIST_MESSAGE = "Reading the list…"  # then, until the page comes: an empty list is not "nothing here"


class MainWindow(QMainWindow):
    """Signals:
    conversation_opened(int), reply_requested(int, str), done_requested(int), reopen_requested(int),
    retry_requested(int): the owner's actions, for the controller.
    app_started(): the whole app is built and running (a paint-first start: about a second after the first paint).
    needs_reply_counted(int): how many conversations need a reply now (the tray shows it).
    """

    conversation_opened = Signal(INT64)
    reply_requested = Signal(INT64, str)
    done_requested = Signal(INT64)
    reopen_requested = Signal(INT64)
    retry_requested = Signal(INT64)
    app_started = Signal()
    needs_reply_counted = Signal(int)

    def __init__(
        self,
        sources: Sources,  # the clock's (clock_setup) put "Needs reply" in due order
        now: Callable[[], datetime],
        parent: QWidget | None = None,
        *,
        composer_later: bool = False,  # a start paints first: ``install_composer`` after the paint
    ) -> None:
        super().__init__(parent)
        self.now = now
        self._sources = sources
        # The clock's hook: a holding reply or a confirmed follow-up is queued there (True), else here.
        self.send_hook: Callable[[Conversation, str], bool] | None = None
        self._close_to_tray: Callable[[], bool] = lambda: False
        self.setWindowTitle("Social Inbox")
        self.resize(1200, 760)
        self.navigation_model = NavigationModel(self)
        self.navigation = QListView(self)
        self.navigation.setModel(self.navigation_model)
        self.navigation.setAccessibleName("Inbox views and accounts")
        self.navigation.setMaximumWidth(260)
        self.navigation.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.navigation.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.navigation.setSpacing(2)
        source = sources(InboxView.NEEDS_REPLY, None)
        self.inbox_model = InboxModel(
            source.fetch_page, source.page_after, source.sort_key, source.accepts, parent=self
        )
        self.inbox = QListView(self)
        self.inbox.setModel(self.inbox_model)
        self.inbox.setItemDelegate(InboxDelegate(now, parent=self.inbox))
        self.inbox.setUniformItemSizes(True)  # with Batched layout: first paint stays instant at any size
        self.inbox.setLayoutMode(QListView.LayoutMode.Batched)
        self.inbox.setBatchSize(200)
        self.inbox.setAccessibleName("Conversations")
        self.inbox.setMinimumWidth(340)
        self._list_picture_timer: QTimer | None = None  # made when a list is first read away (not before the paint)
        self.pane = ConversationPane(now, self, composer_later=composer_later)
        splitter = QSplitter(self)
        for widget in (self.navigation, self.inbox, self.pane):
            splitter.addWidget(widget)
        splitter.setStretchFactor(2, 1)
        splitter.setSizes([220, 420, 560])
        self.setCentralWidget(splitter)
        self.search_toolbar = self._reserve_search_toolbar()
        self._poll_label = QLabel(self)
        self._last_polls: dict[int, str] = {}  # account id -> "name: checked 10:05", in the status bar
        self.statusBar().addPermanentWidget(self._poll_label)
        self._build_actions()
        self._wire()
        # Choosing the entry loads the first page (on_navigation_changed); reloading before it read it twice.
        self.navigation.setCurrentIndex(
            self.navigation_model.index(self.navigation_model.row_for_view(InboxView.NEEDS_REPLY))
        )

    # --- building ----------------------------------------------------------------------------

    def _reserve_search_toolbar(self) -> QToolBar:
        """The search bar's place, held by a disabled look-alike: the answering tools that own the real search box
        arrive after the first paint, and a toolbar appearing then would push the list down under the owner's eyes."""
        toolbar = QToolBar("Search", self)
        toolbar.setObjectName("search-toolbar")
        toolbar.setMovable(False)
        placeholder = QLineEdit(toolbar)
        placeholder.setPlaceholderText("Search loaded conversations  (/)")
        placeholder.setMaximumWidth(360)
        placeholder.setEnabled(False)
        toolbar.addWidget(placeholder)
        self.addToolBar(toolbar)
        return toolbar

    def _build_actions(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        self.quit_action = self._action("&Quit", "Ctrl+Q", "Quit Social Inbox; polling stops (Ctrl+Q)")
        file_menu.addAction(self.quit_action)
        conversation_menu = menus.addMenu("&Conversation")
        self.next_action = self._action("&Next conversation", "J", "Move down the inbox (J)", self.on_next)
        self.previous_action = self._action("&Previous conversation", "K", "Move up the inbox (K)", self.on_previous)
        self.reply_action = self._action("&Reply", "R", "Write a reply (R)", self.on_reply)
        self.done_action = self._action("Mark &done", "E", "Mark the conversation done (E)", self.on_done)
        for action in (self.next_action, self.previous_action, self.reply_action, self.done_action):
            conversation_menu.addAction(action)
        # Filled by the features built after the first paint (Reports; the accounts' actions): there from the
        # start, so the menu bar does not change under the owner's eyes when they arrive.
        menus.addMenu("&View")
        menus.addMenu("&Accounts")
        help_menu = menus.addMenu("&Help")
        help_menu.addAction(self._action("&About Social Inbox", "", "Version and folders", self.on_about))

    def _action(self, text: str, keys: str, tip: str, slot: Callable[[], object] | None = None) -> QAction:
        action = QAction(text, self)
        if keys:
            action.setShortcut(QKeySequence(keys))
            # Single-letter keys must not fire while the owner types a reply.
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        if slot is not None:
            action.triggered.connect(slot)
        for widget in (self.inbox, self.navigation):
            widget.addAction(action)
        return action

    def menu_named(self, title: str) -> QMenu:
        """The menu bar's menu with this title ("&View"), added before Help when it does not exist yet."""
        actions = self.menuBar().actions()
        for action in actions:
            if action.text() == title and action.menu() is not None:
                return action.menu()  # type: ignore[return-value]
        menu = QMenu(title, self)
        help_action = next((a for a in actions if a.text() == "&Help"), None)
        if help_action is not None:
            self.menuBar().insertMenu(help_action, menu)
        else:
            self.menuBar().addMenu(menu)
        return menu

    def add_menu_action(
        self, menu: str, text: str, keys: str, tip: str, slot: Callable[[], object] | None = None
    ) -> QAction:
        """An action with the window's shortcut rules, in the menu called ``menu`` (for features that add their own)."""
        action = self._action(text, keys, tip, slot)
        self.menu_named(menu).addAction(action)
        return action

    def _wire(self) -> None:
        self.navigation.selectionModel().currentChanged.connect(self.on_navigation_changed)
        self.inbox.selectionModel().currentChanged.connect(self.on_inbox_current_changed)
        self.inbox_model.page_unavailable.connect(self._tell_page_unavailable)
        self.inbox_model.first_page_pending.connect(self._hold_the_lists_picture)
        if self.pane.has_composer:
            self.pane.composer.send_requested.connect(self.on_send_requested)
        self.pane.done_requested.connect(self.done_requested)
        self.pane.reopen_requested.connect(self.reopen_requested)
        self.pane.retry_requested.connect(self.retry_requested)

    # --- what the controller calls ------------------------------------------------------------

    def set_accounts(self, accounts: list[Account]) -> None:
        self.navigation_model.set_accounts(accounts)
        self._poll_label.setText(self._poll_summary(accounts))

    def update_account(self, account: Account) -> None:
        self.navigation_model.update_account(account)

    def set_counts(self, counts: InboxCounts) -> None:
        self.navigation_model.set_counts(counts)
        needs = counts.by_view[InboxView.NEEDS_REPLY]
        self.setWindowTitle(f"Social Inbox ({needs} need a reply)" if needs else "Social Inbox")
        self.needs_reply_counted.emit(needs)

    def show_poll_status(self, report: SyncReport) -> None:
        account = report.account
        when = local_time(account.last_poll_at, self.now()) if account.last_poll_at else "never"
        name = account.display_name or account.handle
        self._last_polls[account.id] = f"{name}: checked {when}" if report.ok else f"{name}: {report.error}"
        self._poll_label.setText("   ·   ".join(self._last_polls.values()))
        self._poll_label.setToolTip("\n".join(self._last_polls.values()))

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.statusBar().showMessage(text, 15000 if error else 5000)

    def show_starting(self) -> None:
        """While a paint-first start builds the rest: the list can be read already, answering is on its way."""
        self.statusBar().showMessage(STARTING_MESSAGE)

    def hide_starting(self) -> None:
        """The app is whole; a message shown since (a warning) stays."""
        if self.statusBar().currentMessage() == STARTING_MESSAGE:
            self.statusBar().clearMessage()

    def is_in_front(self) -> bool:
        return self.isVisible() and not self.isMinimized() and self.isActiveWindow()

    def bring_to_front(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def select_conversation(self, conversation_id: int) -> None:
        row = self.inbox_model.row_of(conversation_id)
        if row is not None:
            self.inbox.setCurrentIndex(self.inbox_model.index(row))

    def chosen_conversation_id(self) -> int | None:
        """The conversation chosen in the list, if any."""
        current = self.inbox.currentIndex()
        conversation = self.inbox_model.conversation_at(current.row()) if current.isValid() else None
        return None if conversation is None else conversation.id

    def set_close_to_tray(self, enabled: Callable[[], bool]) -> None:
        self._close_to_tray = enabled

    # --- slots --------------------------------------------------------------------------------

    def on_navigation_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = current.data(NavigationModel.EntryRole)
        if not isinstance(entry, NavEntry):
            return
        view = entry.view or InboxView.ALL
        source = self._sources(view, entry.account_id)
        self.inbox_model.set_source(source.fetch_page, source.page_after, source.sort_key, source.accepts)

    def _hold_the_lists_picture(self, pending: bool) -> None:
        """While a chosen list's first page is read (off the GUI thread), the list shows its last picture rather than
        flash empty for the few milliseconds that takes; the model is already empty, so a click or a key lands on
        nothing of the list before. A page that takes longer (a slow team server) lets the empty list show."""
        if self._list_picture_timer is None:
            self._list_picture_timer = QTimer(self)
            self._list_picture_timer.setSingleShot(True)
            self._list_picture_timer.timeout.connect(self._show_the_list_reading)
        self.inbox.setUpdatesEnabled(not pending)
        if pending:
            self._list_picture_timer.start(LIST_PICTURE_HELD_MS)
            return
        self._list_picture_timer.stop()
        if self.statusBar().currentMessage() == READING_LIST_MESSAGE:
            self.statusBar().clearMessage()  # a problem told instead (page_unavailable) stays

    def _show_the_list_reading(self) -> None:
        self.inbox.setUpdatesEnabled(True)
        self.statusBar().showMessage(READING_LIST_MESSAGE)

    def _tell_page_unavailable(self, problem: str) -> None:
        """A page the database cannot give now (a team's server out of reach, a locked or failing disk)."""
        self.show_message(problem, error=True)

    def on_inbox_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        conversation = self.inbox_model.conversation_at(current.row()) if current.isValid() else None
        if conversation is not None:
            self.conversation_opened.emit(conversation.id)

    def on_send_requested(self, text: str) -> None:
        conversation = self.pane.conversation
        if conversation is not None:
            if self.send_hook is not None and self.send_hook(conversation, text):
                return
            self.reply_requested.emit(conversation.id, text)

    def on_next(self) -> None:
        self._move(+1)

    def on_previous(self) -> None:
        self._move(-1)

    def _move(self, step: int) -> None:
        rows = self.inbox_model.rowCount()
        if rows == 0:
            return
        current = self.inbox.currentIndex().row()
        target = 0 if current < 0 else max(0, min(rows - 1, current + step))
        if step > 0 and current == rows - 1 and self.inbox_model.canFetchMore(QModelIndex()):
            self.inbox_model.fetchMore(QModelIndex())
            target = min(self.inbox_model.rowCount() - 1, current + step)
        # Rows hidden by the search (/) are skipped; with none further that way, stay where we are.
        while 0 <= target < self.inbox_model.rowCount() and self.inbox.isRowHidden(target) and target != current:
            target += 1 if step > 0 or current < 0 else -1
        if not 0 <= target < self.inbox_model.rowCount() or self.inbox.isRowHidden(target):
            return
        index = self.inbox_model.index(target)
        self.inbox.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.inbox.scrollTo(index)

    def install_composer(self) -> None:
        """The reply composer in its stand-in's place (a paint-first start builds it after the first paint)."""
        if not self.pane.has_composer:
            self.pane.install_composer().send_requested.connect(self.on_send_requested)

    def on_reply(self) -> None:
        if self.pane.conversation is not None and self.pane.has_composer:
            self.pane.composer.editor.setFocus()

    def opened_conversation(self) -> Conversation | None:
        """The conversation the pane shows, if it is the one the owner opened last; None while that one's thread
        is still being read (the pane then still shows the one before, which an action must not hit instead)."""
        conversation = self.pane.conversation
        return conversation if conversation is not None and conversation.id == self.pane.expected_id else None

    def on_done(self) -> None:
        conversation = self.opened_conversation()
        if conversation is not None:
            self.done_requested.emit(conversation.id)

    def on_about(self) -> None:
        QMessageBox.about(
            self,
            "About Social Inbox",
            f"Social Inbox {__version__}\nEvery customer answered within the hour.",
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._close_to_tray():
            event.ignore()
            self.hide()
            return
        super().closeEvent(event)

    @staticmethod
    def _poll_summary(accounts: list[Account]) -> str:
        if not accounts:
            return "No accounts connected"
        return f"{len(accounts)} account{'s' if len(accounts) != 1 else ''} connected"
