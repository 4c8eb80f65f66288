"""The Accounts menu: add an account, see how one is doing, reconnect it, remove it.

It owns the account dialogs and runs their work off the GUI thread (``SetupRunner``), then tells the scheduler:
a new account starts polling at once, a reconnected one resumes (``SyncScheduler.poll_now``), a removed one stops.
"Reconnect" is one click: it first tries the sign-in already stored (the trouble may have passed) and opens the
sign-in page only when that is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject
from PySide6.QtWidgets import QMessageBox, QWidget

from socialinbox.accounts_setup import NeedsSignIn, WebhookInUse, remove_account, retry_stored_sign_in
from socialinbox.domain import Account, Health, SyncReport
from socialinbox.sync.scheduler import SyncScheduler
from socialinbox.ui.dialogs.account_health import AccountHealthDialog
from socialinbox.ui.dialogs.account_page import PageContext, SetupRunner, explain, open_in_browser
from socialinbox.ui.main_window import MainWindow
from socialinbox.ui.models.navigation_model import AccountRole
from socialinbox.ui.sync_bridge import SyncBridge
from socialinbox.wiring import Core

# The "Add account" dialog brings every platform's page, set-up module and connector with it: it loads when the
# owner opens it, not at every start (a shop with only a demo or a Mastodon account never needs the others).
if TYPE_CHECKING:
    from socialinbox.ui.dialogs.add_account_dialog import AddAccountDialog

log = logging.getLogger(__name__)

MENU = "&Accounts"


def ask_to_remove(parent: QWidget, account: Account) -> bool:
    answer = QMessageBox.question(
        parent,
        "Remove account",
        f"Remove {account.label}? Its conversations are deleted from Social Inbox (not from "
        f"{account.label.split(' · ')[0]}), and its sign-in is forgotten.",
    )
    return answer == QMessageBox.StandardButton.Yes


class AccountsController(QObject):
    def __init__(
        self,
        core: Core,
        window: MainWindow,
        scheduler: SyncScheduler,
        bridge: SyncBridge,
        *,
        refresh_counts: Callable[[], None],
        open_url: Callable[[str], bool] = open_in_browser,
        confirm_remove: Callable[[QWidget, Account], bool] = ask_to_remove,
    ) -> None:
        super().__init__(window)
        self._core = core
        self._window = window
        self._scheduler = scheduler
        self._refresh_counts = refresh_counts
        self._open_url = open_url
        self._confirm_remove = confirm_remove
        self._runner = SetupRunner(self)
        self._runner.finished.connect(self.on_task_finished)
        self._tasks: dict[int, tuple[str, int]] = {}  # task id -> (what, account id)
        self.dialog: AddAccountDialog | None = None
        self.details: AccountHealthDialog | None = None
        self.add_action = window.add_menu_action(MENU, "&Add account…", "", "Connect a Mastodon, Telegram… account")
        self.add_action.triggered.connect(self.add_account)
        self.details_action = window.add_menu_action(MENU, "Connection &details…", "", "How the account is doing")
        self.details_action.triggered.connect(lambda: self._with_selected(self.show_details))
        self.reconnect_action = window.add_menu_action(MENU, "&Reconnect", "", "Sign the account in again")
        self.reconnect_action.triggered.connect(lambda: self._with_selected(self.reconnect))
        self.remove_action = window.add_menu_action(MENU, "Re&move account…", "", "Disconnect the account")
        self.remove_action.triggered.connect(lambda: self._with_selected(self.remove))
        window.navigation.selectionModel().currentChanged.connect(lambda *_: self._update_actions())
        window.navigation.doubleClicked.connect(self._on_double_click)
        bridge.report_ready.connect(self.on_report)
        self._update_actions()

    # --- the owner's actions ----------------------------------------------------------------------

    def add_account(self) -> AddAccountDialog:
        from socialinbox.ui.dialogs.add_account_dialog import AddAccountDialog

        dialog = AddAccountDialog(PageContext(self._core, self._open_url), parent=self._window)
        dialog.account_connected.connect(self._on_connected)
        self._show_dialog(dialog)
        return dialog

    def reconnect(self, account_id: int) -> None:
        """One click: resume with the stored sign-in if it works now, else open the sign-in page."""
        core = self._core
        self._start("retry", account_id, lambda: retry_stored_sign_in(core, account_id))
        self._window.show_message("Checking the stored sign-in…")

    def sign_in_again(self, account: Account) -> AddAccountDialog:
        from socialinbox.ui.dialogs.add_account_dialog import AddAccountDialog

        dialog = AddAccountDialog(PageContext(self._core, self._open_url), reconnect=account, parent=self._window)
        dialog.account_reconnected.connect(self._on_reconnected)
        self._show_dialog(dialog)
        return dialog

    def remove(self, account_id: int) -> None:
        account = self._core.repository.account(account_id)
        if not self._confirm_remove(self._window, account):
            return
        self._scheduler.remove_account(account_id)  # first: no poll may write for an account being deleted
        core = self._core
        self._start("remove", account_id, lambda: remove_account(core, account_id))

    def show_details(self, account_id: int) -> AccountHealthDialog:
        if self.details is not None:
            self.details.close()
        details = AccountHealthDialog(self._core.repository.account(account_id), self._core.clock.now, self._window)
        details.reconnect_requested.connect(self.reconnect)
        details.remove_requested.connect(self.remove)
        details.show()
        self.details = details
        return details

    # --- results ----------------------------------------------------------------------------------

    def on_report(self, result: object) -> None:
        if not isinstance(result, SyncReport):
            return
        if self.details is not None:
            self.details.update_account(result.account)
        if result.account.health is Health.NEEDS_RECONNECT:
            label = result.account.label
            self._window.show_message(f"{label} needs reconnecting: choose Accounts → Reconnect.", error=True)
        self._update_actions()

    def on_task_finished(self, task: int, value: object, error: object) -> None:
        what, account_id = self._tasks.pop(task, ("", 0))
        if isinstance(error, NeedsSignIn | WebhookInUse) and what == "retry":
            self.sign_in_again(self._core.repository.account(account_id))
            self._window.show_message(str(error), error=True)
        elif isinstance(error, BaseException):
            self._window.show_message(explain(error), error=True)
            if what == "remove":  # it stays: keep polling it
                self._scheduler.add_account(self._core.repository.account(account_id))
        elif what == "retry" and isinstance(value, Account):
            self._on_reconnected(value)
        elif what == "remove" and isinstance(value, Account):
            self._on_removed(value)

    def _on_connected(self, account: object) -> None:
        if not isinstance(account, Account):
            return
        self._scheduler.add_account(account)
        self._window.update_account(account)
        self._window.show_message(f"Connected {account.label}. Fetching recent messages…")

    def _on_reconnected(self, account: object) -> None:
        if not isinstance(account, Account):
            return
        self._window.update_account(account)
        try:
            self._scheduler.poll_now(account.id)
        except LookupError:  # APScheduler's JobLookupError
            self._scheduler.add_account(account)  # it was never scheduled (e.g. polling not started)
        self._window.show_message(f"Reconnected {account.label}; checking for new messages.")
        if self.details is not None:
            self.details.update_account(account)

    def _on_removed(self, account: Account) -> None:
        self._window.navigation_model.remove_account(account.id)
        open_conversation = self._window.pane.conversation
        if open_conversation is not None and open_conversation.account_id == account.id:
            self._window.pane.show_conversation(None, [], [])
        self._window.inbox_model.reload()
        self._refresh_counts()
        if self.details is not None and self.details.account.id == account.id:
            self.details.close()
            self.details = None
        self._window.show_message(f"Removed {account.label} and its conversations.")

    # --- helpers ----------------------------------------------------------------------------------

    def _start(self, what: str, account_id: int, work: Callable[[], object]) -> None:
        self._tasks[self._runner.run(work)] = (what, account_id)

    def _show_dialog(self, dialog: AddAccountDialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.open()  # window-modal, without a nested event loop: reports keep arriving meanwhile

    def selected_account(self) -> Account | None:
        account = self._window.navigation.currentIndex().data(AccountRole)
        return account if isinstance(account, Account) else None

    def _with_selected(self, action: Callable[[int], object]) -> None:
        account = self.selected_account()
        if account is not None:
            action(account.id)

    def _on_double_click(self, index: QModelIndex) -> None:
        account = index.data(AccountRole)
        if isinstance(account, Account):
            self.show_details(account.id)

    def _update_actions(self) -> None:
        account = self.selected_account()
        for action in (self.details_action, self.reconnect_action, self.remove_action):
            action.setEnabled(account is not None)
