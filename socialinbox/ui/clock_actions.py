"""The owner's clock actions: snooze (menu and the S key), holding replies and promised follow-ups, and Reports.

Writes go to the background task runner; their results come back through the bridge like every other owner action
(a snoozed conversation leaves "Needs reply" when the controller applies it). The dialogs are injectable so tests
can answer them without a modal window.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import Any, Protocol

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QCheckBox, QMenu, QMessageBox, QWidget

from socialinbox.domain import Conversation
from socialinbox.promises import find_promised_time
from socialinbox.reports import EventKind
from socialinbox.responsetime import BusinessHours, ResponsePolicy
from socialinbox.storage.repository import Repository
from socialinbox.sync.tasks import BackgroundTasks, TaskResult
from socialinbox.ui.dialogs.snooze_dialog import ask_snooze, snooze_choices
from socialinbox.ui.timefmt import local_time
from socialinbox.ui.views.composer_look import HOLDING_REPLY_LABEL

AskSnooze = Callable[[QWidget, datetime, tzinfo, BusinessHours | None, str], datetime | None]
ConfirmFollowUp = Callable[[QWidget, datetime, datetime, tzinfo], datetime | None]
REPORT_TASK = "report"


def confirm_follow_up(parent: QWidget, promised: datetime, now: datetime, tz: tzinfo) -> datetime | None:
    """Ask whether to be reminded at the time the reply promises; the time, or None."""
    answer = QMessageBox.question(
        parent,
        "Remind you to follow up?",
        f"Your reply promises an answer by {local_time(promised, now, tz)}.\n\nRemind you then?",
    )
    return promised if answer == QMessageBox.StandardButton.Yes else None


class ClockWindow(Protocol):
    """What the actions need of the main window (its small hooks for this feature)."""

    pane: Any
    send_hook: Callable[[Conversation, str], bool] | None

    def add_menu_action(
        self, menu: str, text: str, keys: str, tip: str, slot: Callable[[], None] | None = None
    ) -> Any: ...

    def menu_named(self, title: str) -> QMenu: ...

    def show_message(self, text: str, *, error: bool = False) -> None: ...

    def opened_conversation(self) -> Conversation | None: ...


class ReportsView(Protocol):
    def show_report(self, value: object) -> None: ...

    def period(self) -> tuple[date, date]: ...


class ClockActions(QObject):
    def __init__(
        self,
        window: ClockWindow,
        repository: Repository,
        tasks: BackgroundTasks,
        policy: Callable[[], ResponsePolicy],
        tz: tzinfo,
        now: Callable[[], datetime],
        *,
        ask_snooze: AskSnooze = ask_snooze,
        confirm_follow_up: ConfirmFollowUp = confirm_follow_up,
        open_reports: Callable[[ClockActions], ReportsView] | None = None,
        long_reads: BackgroundTasks | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``long_reads``: where a report is built (a month of a big inbox takes a second or more), so that opening
        a conversation, read on ``tasks`` behind the owner's writes, never waits behind one."""
        super().__init__(parent)
        self._window = window
        self._repository = repository
        self._tasks = tasks
        self._long_reads = long_reads or tasks
        self._policy = policy
        self._tz = tz
        self._now = now
        self.ask_snooze = ask_snooze
        self.confirm_follow_up = confirm_follow_up
        self._open_reports = open_reports
        self.reports: ReportsView | None = None
        self.holding_box = QCheckBox(HOLDING_REPLY_LABEL)
        self.holding_box.setToolTip(
            "Stops the one-hour clock like any reply; a time you promise in it becomes a follow-up reminder."
        )

    def install(self) -> None:
        window = self._window
        self.snooze_action = window.add_menu_action(
            "&Conversation", "&Snooze…", "S", "Hide it until later; it comes back with a reminder (S)", self.on_snooze
        )
        self.snooze_menu = window.menu_named("&Conversation").addMenu("Snooze &for")
        self.snooze_menu.aboutToShow.connect(self._fill_snooze_menu)  # times are worked out when it opens
        self.reports_action = window.add_menu_action(
            "&View", "&Reports…", "Ctrl+Shift+R", "Response times and volumes", self.on_reports
        )
        window.pane.add_footer(self.holding_box)
        window.send_hook = self.on_send

    # --- snooze --------------------------------------------------------------------------------------

    def _fill_snooze_menu(self) -> None:
        self.snooze_menu.clear()
        for label, until in snooze_choices(self._now(), self._tz, self._policy().business_hours):
            self.snooze_menu.addAction(label, functools.partial(self.snooze, until))
        self.snooze_menu.addAction("Custom…", self.on_snooze)

    @Slot()
    def on_snooze(self) -> None:
        conversation = self._window.opened_conversation()
        if conversation is None:
            self._window.show_message("Pick a conversation to snooze.")
            return
        hours = self._policy().business_hours
        until = self.ask_snooze(self._window, self._now(), self._tz, hours, conversation.contact.name)  # type: ignore[arg-type]
        if until is not None:
            self.snooze(until)

    def snooze(self, until: datetime) -> None:
        """Snooze the open conversation; it leaves the list now and comes back with a "back from snooze" reminder."""
        conversation = self._window.opened_conversation()
        if conversation is None:
            return
        conversation_id = conversation.id
        self._tasks.run("snooze", lambda: self._repository.snooze(conversation_id, until))
        self._window.show_message(f"Snoozed until {local_time(until, self._now(), self._tz)}.")

    # --- holding replies and promises ---------------------------------------------------------------

    def on_send(self, conversation: Conversation, text: str) -> bool:
        """Queue a holding reply or one with a confirmed follow-up; False leaves an ordinary reply to the window."""
        now = self._now()
        holding = self.holding_box.isChecked()
        promised = find_promised_time(text, now, self._tz, self._policy().business_hours)
        follow_up = self.confirm_follow_up(self._window, promised, now, self._tz) if promised else None  # type: ignore[arg-type]
        if not holding and follow_up is None:
            return False
        kind = EventKind.HOLDING_REPLY.value if holding else EventKind.MESSAGE.value
        conversation_id = conversation.id
        self._tasks.run(
            "queue-reply",
            lambda: self._repository.queue_reply(conversation_id, text, now, kind=kind, follow_up_at=follow_up),
        )
        self.holding_box.setChecked(False)
        if follow_up is not None:
            self._window.show_message(f"You will be reminded at {local_time(follow_up, now, self._tz)}.")
        return True

    # --- reports -------------------------------------------------------------------------------------

    @Slot()
    def on_reports(self) -> None:
        if self._open_reports is not None:
            self.reports = self._open_reports(self)

    def request_report(self, first: date, last: date, build: Callable[[], object]) -> None:
        """Build a report off the GUI thread (it reads a range of messages and may score their sentiment)."""
        self._long_reads.run(REPORT_TASK, build, context=(first, last))

    @Slot(object)
    def on_report_ready(self, result: object) -> None:
        if not (isinstance(result, TaskResult) and result.name == REPORT_TASK and result.ok) or self.reports is None:
            return
        if result.context == self.reports.period():  # an older request answered late: a newer one is on its way
            self.reports.show_report(result.value)
