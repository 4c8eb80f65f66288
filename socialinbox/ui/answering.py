"""Answering well and fast, in the window: keyboard triage actions, templates, the public-reply check, take it private
and held replies. Built once by the app next to the inbox controller; it owns no data, only wiring.

It serves the composer (``ComposerServices``): the template variables for the open conversation, the library and
suggestions, the account's exact length rules and, for a public reply, the tone check's context. Writes run on the
background task runner and come back through the bridge like every other result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QItemSelectionModel, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from socialinbox.domain import Account, Conversation, Message, OutboxItem, SyncReport, Visibility
from socialinbox.drafts import fit_to_mood, last_customer_message, review_context, template_context
from socialinbox.sentiment import Analyzer
from socialinbox.settings import Settings
from socialinbox.storage.repository import Repository
from socialinbox.sync.tasks import BackgroundTasks, TaskResult
from socialinbox.template_store import TemplateStore
from socialinbox.templates import TemplateLibrary, suggest
from socialinbox.tone import Finding, ReviewContext, ToneChecker
from socialinbox.triage import Triage
from socialinbox.ui.dialogs.cheat_sheet import CheatSheet
from socialinbox.ui.dialogs.templates_dialog import TemplatesDialog
from socialinbox.ui.main_window import MainWindow
from socialinbox.ui.private_case_actions import PrivateCaseActions
from socialinbox.ui.sync_bridge import SyncBridge
from socialinbox.ui.views.composer import DraftSetup
from socialinbox.ui.views.inbox_search import InboxSearch
from socialinbox.ui.views.notices import CaseBanner, HeldReplyBar

log = logging.getLogger(__name__)


class AnsweringController(QObject):
    def __init__(
        self,
        window: MainWindow,
        repository: Repository,
        tasks: BackgroundTasks,
        store: TemplateStore,
        settings: Callable[[], Settings],
        send_now: Callable[[], None],
        now: Callable[[], datetime],
        bridge: SyncBridge,
        parent: QObject | None = None,
        analyzer: Analyzer | None = None,  # the app's shared one (socialinbox.sentiment)
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._repository = repository
        self._tasks = tasks
        self._store = store
        self._settings = settings
        self._now = now
        self._checker = ToneChecker(analyzer=analyzer)
        self._triage = Triage(analyzer)
        self._library = store.load()
        self._uses = store.past_uses()
        self._accounts: dict[int, Account] = {account.id: account for account in repository.accounts()}
        self._messages: list[Message] = []
        self._after_shown: tuple[int, Callable[[], None]] | None = None  # see once_shown
        self.dialog: QWidget | None = None  # the last dialog opened, for tests and screenshots
        pane = window.pane
        self.case_banner = CaseBanner(pane)
        self.held_bar = HeldReplyBar(pane)
        pane.add_notice(self.case_banner)
        pane.add_notice(self.held_bar)
        self.cases = PrivateCaseActions(window, repository, tasks, self, self.case_banner, send_now, now, parent=self)
        self.search = InboxSearch(window.inbox, window.inbox_model, window)
        window.search_toolbar.clear()  # the look-alike that held its place since the first paint
        window.search_toolbar.addWidget(self.search)
        self._build_actions()
        self._wire(bridge)
        # Once every part of the app has added its actions: each tooltip names its key, whoever added it.
        QTimer.singleShot(0, self.name_keys_in_tooltips)

    # --- actions and menus ----------------------------------------------------------------------

    def _build_actions(self) -> None:
        self.open_action = self._action("&Open conversation", "Return", "Open the selected conversation", self.on_open)
        self.template_action = self._action("Reply with a &template", "T", "Find a reply template", self.on_template)
        self.take_private_action = self._action(
            "Take it &private", "P", "Answer in public briefly and continue in private", self.cases.on_take_private
        )
        self.unread_action = self._action("Mark &unread", "U", "Mark the conversation unread", self.on_mark_unread)
        self.search_action = self._action("&Search", "/", "Search the loaded conversations", self.on_search)
        self.templates_action = self._action(
            "Edit reply templates…", "Ctrl+Shift+T", "Add and change your reply templates", self.on_edit_templates
        )
        self.cheat_sheet_action = self._action(
            "&Keyboard shortcuts", "?", "Show every keyboard shortcut", self.on_cheat_sheet
        )
        menu = self._window.menu_named("&Conversation")
        menu.addSeparator()
        for action in (self.open_action, self.template_action, self.take_private_action, self.unread_action):
            menu.addAction(action)
        menu.addAction(self.search_action)
        menu.addSeparator()
        menu.addAction(self.templates_action)
        self._window.menu_named("&Help").addAction(self.cheat_sheet_action)

    def _action(self, text: str, keys: str, tip: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self._window)
        action.setShortcut(QKeySequence(keys))
        # Single keys act in the lists and the thread, never while the owner types a reply.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        named = QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({named})")
        action.setStatusTip(f"{tip} ({named})")
        action.triggered.connect(slot)
        for widget in (self._window.inbox, self._window.navigation, self._window.pane.thread_view):
            widget.addAction(action)
        return action

    def menu_actions(self) -> list[QAction]:
        """Every action in the window's menus, in order (for the cheat sheet and its tests)."""
        found: list[QAction] = []
        for top in self._window.menuBar().actions():
            menu = top.menu()
            if isinstance(menu, QMenu):
                found += [action for action in menu.actions() if not action.isSeparator()]
        return found

    def name_keys_in_tooltips(self) -> None:
        for action in self.menu_actions():
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            tip = action.toolTip() or action.text().replace("&", "")
            if keys and keys not in tip:
                action.setToolTip(f"{tip} ({keys})")

    def _wire(self, bridge: SyncBridge) -> None:
        pane = self._window.pane
        pane.composer.set_services(self)
        pane.conversation_shown.connect(self.on_conversation_shown)
        bridge.report_ready.connect(self.on_report_ready)
        self.held_bar.send_anyway_requested.connect(self.on_send_anyway)
        self.held_bar.discard_requested.connect(self.on_discard_held)
        self.held_bar.edit_requested.connect(self.on_edit_held)

    # --- ComposerServices -----------------------------------------------------------------------

    def draft_setup(self, conversation: Conversation, messages: Sequence[Message]) -> DraftSetup:
        settings = self._settings()
        customer_message = last_customer_message(messages)
        complaint = self._triage.is_complaint(customer_message)
        review: ReviewContext | None = None
        if conversation.visibility is Visibility.PUBLIC:
            review = review_context(messages, complaint=complaint, settings=settings)
        ranked = suggest(self._library, customer_message, conversation.platform, self._uses, limit=6)
        usable = [t for t in self._library if t.allows(conversation.platform)]
        suggestions = fit_to_mood(ranked, usable, complaint=complaint) if customer_message.strip() else []
        return DraftSetup(
            context=template_context(conversation, settings),
            library=self._library,
            suggestions=tuple(suggestions),
            review=review,
            account_settings=self._account(conversation.account_id).settings,
            customer_message=customer_message,
        )

    def review(self, text: str, context: ReviewContext) -> list[Finding]:
        return self._checker.review(text, public=True, context=context)

    def templates_used(self, names: Sequence[str], customer_message: str) -> None:
        text = " ".join(customer_message.split())
        if not text:
            return
        for name in names:
            self._uses.setdefault(name, []).append(text)
        self._tasks.run("template-uses", lambda: self._store.record_use(list(names), customer_message))

    @property
    def library(self) -> TemplateLibrary:
        """The owner's reply templates, as last saved."""
        return self._library

    def _account(self, account_id: int) -> Account:
        if account_id not in self._accounts:
            self._accounts[account_id] = self._repository.account(account_id)
        return self._accounts[account_id]

    # --- what the pane shows ----------------------------------------------------------------------

    @Slot(object, object, object)
    def on_conversation_shown(self, conversation: object, messages: object, outbox: object) -> None:
        shown = conversation if isinstance(conversation, Conversation) else None
        self._messages = list(messages) if isinstance(messages, list) else []
        self._window.pane.composer.set_thread(self._messages)
        items: list[OutboxItem] = list(outbox) if isinstance(outbox, list) else []
        self.held_bar.show_item(next((item for item in items if item.held), None))
        self.cases.refresh_banner()
        waiting, self._after_shown = self._after_shown, None
        if waiting is not None and shown is not None and waiting[0] == shown.id:
            waiting[1]()
        elif waiting is not None and self._window.pane.expected_id == waiting[0]:
            self._after_shown = waiting  # another conversation's thread, read before the owner opened this one

    @Slot(object)
    def on_report_ready(self, result: object) -> None:
        if isinstance(result, SyncReport):
            self._accounts[result.account.id] = result.account
        elif isinstance(result, TaskResult):
            self.cases.on_task_result(result)

    # --- keyboard triage ----------------------------------------------------------------------

    def on_open(self) -> None:
        self._when_open(self._window.pane.thread_view.setFocus)

    def on_template(self) -> None:
        self._when_open(self._window.pane.composer.open_picker)

    def on_mark_unread(self) -> None:
        conversation = self._window.opened_conversation()
        if conversation is not None:
            self._tasks.run("mark-unread", lambda: self._repository.mark_unread(conversation.id))

    def on_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def on_cheat_sheet(self) -> None:
        self.name_keys_in_tooltips()
        sheet = CheatSheet(self.menu_actions(), self._window)
        self.dialog = sheet
        sheet.open()

    def on_edit_templates(self) -> None:
        dialog = TemplatesDialog(self._store, self._window)
        dialog.library_changed.connect(self.on_library_changed)
        self.dialog = dialog
        dialog.open()

    def on_library_changed(self) -> None:
        self._library = self._store.load()
        self._uses = self._store.past_uses()
        self._window.pane.composer.set_thread(self._messages)

    def _when_open(self, action: Callable[[], None]) -> None:
        """``action`` on the open conversation; with none open, on the first one the inbox shows, once its thread
        is shown (so T works straight away)."""
        pane = self._window.pane
        if pane.expected_id is None:
            rows = self.search.visible_rows()
            if not rows:
                return
            index = self._window.inbox_model.index(rows[0])
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
            self._window.inbox.selectionModel().setCurrentIndex(index, flags)  # opens it (conversation_opened)
        if pane.expected_id is not None:
            self.once_shown(pane.expected_id, action)

    def once_shown(self, conversation_id: int, action: Callable[[], None]) -> None:
        """Run ``action`` once the pane shows ``conversation_id``'s thread: at once if it does, else when its
        thread has been read (the pane shows the one before until then, and an action such as filling in the
        composer must not land there). Dropped if the owner opens another conversation first."""
        pane = self._window.pane
        if pane.conversation is not None and pane.conversation.id == conversation_id == pane.expected_id:
            action()
        else:
            self._after_shown = (conversation_id, action)

    def open_conversation(self, conversation_id: int) -> None:
        """Show a conversation: select it in the list when it is there, else open it directly."""
        self._window.select_conversation(conversation_id)
        if self._window.pane.expected_id != conversation_id:
            self._window.conversation_opened.emit(conversation_id)

    # --- held replies --------------------------------------------------------------------------

    def on_send_anyway(self, outbox_id: int) -> None:
        now = self._now()
        # Named "retry" on purpose: the inbox controller then sends it at once and refreshes the conversation.
        self._tasks.run("retry", lambda: self._repository.confirm_reply(outbox_id, now))

    def on_discard_held(self, outbox_id: int) -> None:
        item = self.held_bar.item
        if item is None:
            return
        conversation_id = item.conversation_id

        def work() -> Conversation:
            self._repository.discard_reply(outbox_id)
            return self._repository.conversation(conversation_id)

        self._tasks.run("discard", work)

    def on_edit_held(self, outbox_id: int, text: str) -> None:
        composer = self._window.pane.composer
        composer.editor.setPlainText(text)
        composer.editor.setFocus()
        self.on_discard_held(outbox_id)
