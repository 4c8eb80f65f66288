"""The one-hour clock on screen: time-left badges, triage reasons, reminders as grouped notifications.

Nothing here queries the database while painting: a badge is computed from the row's own Conversation, the policy
and ``now``; triage priorities come from a cache warmed on the worker threads before results cross the bridge; the
viewport is repainted once a minute so "23 min left" counts down without any read.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QHelpEvent
from PySide6.QtWidgets import QListView, QToolTip

from socialinbox.domain import Conversation, Status
from socialinbox.responsetime import (
    ClockState,
    ResponsePolicy,
    clock_state,
    describe_time_left,
    due_at,
    reminder_notes,
)
from socialinbox.sync.reminders import FollowUps, ReminderBatch
from socialinbox.triage import TriageCache
from socialinbox.ui.models.inbox_model import ConversationRole
from socialinbox.ui.timefmt import local_time

if TYPE_CHECKING:  # a type only: the notifiers (D-Bus, jeepney) load after the first paint, in build_rest
    from socialinbox.ui.notifications import Notifier

ON_TIME = QColor("#546e7a")  # blue-grey: calm, readable with white text
AT_RISK = QColor("#e65100")  # amber-orange, dark enough for white text
OVERDUE = QColor("#c62828")  # red
FOLLOW_UP = QColor("#1565c0")  # blue: a promise, not a deadline missed
SNOOZED = QColor("#6a1b9a")
_STATE_COLOURS = {ClockState.ON_TIME: ON_TIME, ClockState.AT_RISK: AT_RISK, ClockState.OVERDUE: OVERDUE}
REPAINT_MS = 60_000

Badge = tuple[str, QColor]


def badge_text(
    conversation: Conversation,
    now: datetime,
    policy: ResponsePolicy,
    follow_up_at: datetime | None = None,
    tz: tzinfo | None = None,
) -> Badge | None:
    """What the row's deadline chip says: the time left while a reply is owed, a promise while one is, else none."""
    if conversation.status is Status.NEEDS_REPLY:
        due = due_at(conversation.waiting_since or conversation.last_message_at, policy, conversation.platform)
        return describe_time_left(due, now), _STATE_COLOURS[clock_state(due, now, policy)]
    if conversation.status is Status.SNOOZED and conversation.snoozed_until is not None:
        return f"back {local_time(conversation.snoozed_until, now, tz)}", SNOOZED
    if follow_up_at is not None and conversation.status is Status.WAITING:
        if follow_up_at <= now:
            return "follow-up due", OVERDUE
        return f"follow up {local_time(follow_up_at, now, tz)}", FOLLOW_UP
    return None


def clock_lines(
    conversation: Conversation,
    now: datetime,
    policy: ResponsePolicy,
    triage: TriageCache,
    follow_up_at: datetime | None = None,
    tz: tzinfo | None = None,
) -> list[str]:
    """The tooltip's clock part: when it is due and why triage puts it where it is."""
    lines = []
    if conversation.status is Status.NEEDS_REPLY:
        due = due_at(conversation.waiting_since or conversation.last_message_at, policy, conversation.platform)
        lines.append(f"Reply due: {local_time(due, now, tz)} ({describe_time_left(due, now)})")
        reasons = triage.priority(conversation).summary
        if reasons:
            lines.append(f"Why it is high: {reasons}")
    if follow_up_at is not None:
        lines.append(f"Follow up promised: {local_time(follow_up_at, now, tz)}")
    return lines


class ClockView(QObject):
    """Badges, the minute repaint, tooltips with triage reasons, and reminders as notifications for one inbox view.

    Args:
        inbox: the list view whose delegate has a ``badge_for`` hook.
        policy: the response policy (a callable, so a change of preferences shows at the next repaint).
        notifier: the notifier to use (a callable: the app builds it after this object).
        notifications_enabled: the owner's preference, read at each batch.
    """

    def __init__(
        self,
        inbox: QListView,
        policy: Callable[[], ResponsePolicy],
        triage: TriageCache,
        now: Callable[[], datetime],
        notifier: Callable[[], Notifier],
        *,
        notifications_enabled: Callable[[], bool] = lambda: True,
        tz: tzinfo | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._inbox = inbox
        self._policy = policy
        self._triage = triage
        self._now = now
        self._notifier = notifier
        self._notifications_enabled = notifications_enabled
        self._tz = tz
        self.follow_ups: Mapping[int, datetime] = {}
        self.notified: list[tuple[str, str, int | None]] = []  # what was shown this run (for the status bar, tests)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)  # re-armed each minute, aligned to the wall clock's minute
        self.timer.timeout.connect(self.on_minute)
        inbox.itemDelegate().badge_for = self.badge_for  # type: ignore[attr-defined]
        inbox.viewport().installEventFilter(self)

    def start(self) -> None:
        self._arm()

    def badge_for(self, conversation: Conversation) -> Badge | None:
        return badge_text(conversation, self._now(), self._policy(), self.follow_ups.get(conversation.id), self._tz)

    # --- the minute ----------------------------------------------------------------------------------

    @Slot()
    def on_minute(self) -> None:
        """Repaint the visible rows so the badges count down; no query, no model change."""
        self._inbox.viewport().update()
        self._arm()

    def _arm(self) -> None:
        now = self._now()
        into_minute = timedelta(seconds=now.second, microseconds=now.microsecond)
        self.timer.start(max(1000, int((timedelta(minutes=1) - into_minute).total_seconds() * 1000)))

    # --- results from the tick ----------------------------------------------------------------------

    @Slot(object)
    def on_report_ready(self, result: object) -> None:
        if isinstance(result, ReminderBatch):
            self.notify_reminders(result)
        elif isinstance(result, FollowUps):
            self.follow_ups = dict(result.by_conversation)
            self._inbox.viewport().update()

    def notify_reminders(self, batch: ReminderBatch) -> None:
        """One notification per kind (never one per conversation): "3 conversations are about to miss the hour"."""
        self._inbox.viewport().update()  # a state just changed: repaint now rather than at the next minute
        if not self._notifications_enabled():
            return
        for note in reminder_notes(batch.reminders, batch.now, batch.labels):
            only = note.conversation_ids[0] if len(note.conversation_ids) == 1 else None
            self._notifier().notify(note.title, note.body, only)
            self.notified.append((note.title, note.body, only))

    # --- tooltips -------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Add the due time and the triage reasons to the row's own tooltip."""
        if event.type() != QEvent.Type.ToolTip or not isinstance(event, QHelpEvent):
            return False
        index = self._inbox.indexAt(event.pos())
        conversation = index.data(ConversationRole) if index.isValid() else None
        if not isinstance(conversation, Conversation):
            return False
        lines = clock_lines(
            conversation, self._now(), self._policy(), self._triage, self.follow_ups.get(conversation.id), self._tz
        )
        QToolTip.showText(
            event.globalPos(),
            tooltip_with(str(index.data(Qt.ItemDataRole.ToolTipRole) or ""), lines),
            self._inbox.viewport(),
        )
        return True


def tooltip_with(base: str, lines: list[str]) -> str:
    """Append escaped lines to the model's (already escaped, ``<p>``-wrapped) tooltip."""
    extra = "<br>".join(html.escape(line, quote=False) for line in lines)
    if not extra:
        return base
    if base.endswith("</p>"):
        return f"{base[:-4]}<br><br>{extra}</p>"
    return f"<p style='white-space:pre-wrap'>{extra}</p>"
