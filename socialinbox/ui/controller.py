"""Applies what comes through the bridge: model updates, notifications, the status bar.

It never queries the database on the GUI thread: a poll's report carries what changed, and opening a conversation
reads its thread, and choosing or scrolling a list its pages, on the background task runner (a team's database is
a server, maybe a slow or a lost one, away). A long thread is read and shown from its newest messages, the earlier
ones a part at a time when the owner asks for them (drawing a whole thread of thousands held the window for half a
second).
Writes go to the task runner too, in the order the owner made them, so a thread read after a write sees it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QObject, Slot

from socialinbox.domain import (
    PLATFORM_LABELS,
    Account,
    Conversation,
    DeliveryReport,
    Direction,
    Message,
    OutboxItem,
    OutboxState,
    Status,
    SyncReport,
)
from socialinbox.storage.paging import InboxCounts
from socialinbox.storage.repository import Repository
from socialinbox.sync.tasks import BackgroundTasks, TaskResult
from socialinbox.ui.main_window import MainWindow
from socialinbox.ui.models.page_reading import Deliver
from socialinbox.ui.notifications import Notifier
from socialinbox.ui.sync_bridge import SyncBridge
from socialinbox.ui.team_news import TeamNews

log = logging.getLogger(__name__)

MAX_SEPARATE_NOTIFICATIONS = 3
# A team's shared database (PostgreSQL): the other copies' polls, replies and "done"s reach this window only by
# reading again. Every half minute it re-reads its loaded rows (up to this many) and the newest conversations.
TEAM_REFRESH_S = 30
TEAM_REFRESH_ROWS = 200
TEAM_REFRESH_NEWEST = 100
PAGE_TASK = "page"  # a later page of the inbox list
# A thread shows its newest messages first (drawn on the GUI thread: 0.1-0.3 ms each, bench/long_thread.py), and
# "Show earlier messages" adds this many more each time.
THREAD_NEWEST = 50
THREAD_EARLIER_STEP = 150


@dataclasses.dataclass(frozen=True)
class TeamReading:
    """One team refresh, read on the task runner."""

    conversations: list[Conversation]  # the loaded rows and the newest conversations, as they are now
    gone_ids: list[int]  # loaded rows no longer in the database (a teammate removed their account, a chat joined)
    newest_id: int  # where the database stood (``TeamNews.read_up_to``)
    unheard_ids: list[int]  # customers' messages above the floor, less those told when the reading began
    messages: list[Message]  # the newest few of them, to tell one by one


def read_the_team(
    repository: Repository, loaded_ids: Sequence[int], floor: int | None, told: frozenset[int]
) -> TeamReading:
    """What a team's other copies changed: conversations, and the customers' messages above ``floor`` (none on the
    first reading, which only marks where the database stands)."""
    loaded = repository.conversations_now(loaded_ids)
    gone = sorted(set(loaded_ids) - {conversation.id for conversation in loaded})
    conversations = [*repository.conversations(limit=TEAM_REFRESH_NEWEST), *loaded]
    if floor is None:
        return TeamReading(conversations, gone, repository.newest_message_id(), [], [])
    above = repository.inbound_ids_after(floor)
    unheard = [message_id for message_id in above if message_id not in told]
    messages = repository.messages_by_id(unheard[-MAX_SEPARATE_NOTIFICATIONS:])  # more are told as a count
    conversations += repository.conversations_now(sorted({m.conversation_id for m in messages}))
    return TeamReading(conversations, gone, max(above, default=floor), unheard, messages)


@dataclasses.dataclass(frozen=True)
class ThreadReading:
    """What the pane shows of one conversation, read on the task runner."""

    conversation: Conversation | None  # None: it is gone (merged, or deleted by a teammate)
    messages: list[Message]  # the newest ``length`` of the thread, oldest first
    pending: list[OutboxItem]  # the replies not sent yet: queued, sending, failed or held
    earlier: bool = False  # the thread has messages before these


def read_thread(repository: Repository, conversation_id: int, length: int = THREAD_NEWEST) -> ThreadReading:
    """The conversation, its newest ``length`` messages and its replies not sent yet."""
    try:
        conversation = repository.conversation(conversation_id)
    except LookupError:
        return ThreadReading(None, [], [])
    messages = repository.messages(conversation_id, newest=length + 1)  # one more tells whether there are earlier
    pending = [item for item in repository.outbox(conversation_id) if item.state is not OutboxState.SENT]
    return ThreadReading(conversation, messages[-length:], pending, earlier=len(messages) > length)


class InboxController(QObject):
    def __init__(
        self,
        bridge: SyncBridge,
        window: MainWindow,
        repository: Repository,
        tasks: BackgroundTasks,
        notifier: Notifier,
        send_now: Callable[[], None],
        now: Callable[[], datetime],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._repository = repository
        self._tasks = tasks
        self._notifier = notifier
        self._send_now = send_now
        self._now = now
        self._counts_pending = False
        self._accounts: dict[int, Account] = {}
        self._news: TeamNews | None = None  # a team's shared database only (follow_the_team)
        self._marks_read: int | None = None  # opened by the owner: marked read once its thread is shown
        self._thread_length = (0, THREAD_NEWEST)  # (conversation id, how many of its newest messages are shown)
        bridge.report_ready.connect(self.on_report_ready)
        window.reply_requested.connect(self.on_reply_requested)
        window.done_requested.connect(self.on_done_requested)
        window.reopen_requested.connect(self.on_reopen_requested)
        window.retry_requested.connect(self.on_retry_requested)
        window.conversation_opened.connect(self.on_conversation_opened)
        window.pane.earlier_requested.connect(self.on_earlier_requested)
        window.inbox_model.read_pages_with(self.read_page)  # scrolling never waits on the database

    def set_notifier(self, notifier: Notifier) -> None:
        self._notifier = notifier

    def start(self, accounts: Sequence[Account]) -> None:
        self._accounts = {account.id: account for account in accounts}
        self._window.set_accounts(list(accounts))
        self.refresh_counts()

    # --- results from the worker threads --------------------------------------------------

    @Slot(object)
    def on_report_ready(self, result: object) -> None:
        if isinstance(result, SyncReport):
            self._apply_sync(result)
        elif isinstance(result, DeliveryReport):
            self._apply_delivery(result)
        elif isinstance(result, TaskResult):
            self._apply_task(result)
        elif isinstance(result, Conversation):  # e.g. a snooze that ended
            self._apply_conversations([result])

    def _apply_sync(self, report: SyncReport) -> None:
        self._accounts[report.account.id] = report.account
        self._window.update_account(report.account)
        self._window.show_poll_status(report)
        self._apply_conversations(report.conversations)
        self._notify_new(report.new_messages, report.conversations)

    def _apply_delivery(self, report: DeliveryReport) -> None:
        if report.joined_id is not None:
            self._drop_joined(report.joined_id, report.conversation)
        if report.conversation is not None:
            self._apply_conversations([report.conversation])
        else:
            self._reload_open(report.item.conversation_id)
        if report.item.state is OutboxState.FAILED:
            self._window.show_message(f"A reply was not sent: {report.item.last_error}", error=True)
        elif report.item.state is OutboxState.SENT:
            self._window.show_message("Reply sent.")

    def _drop_joined(self, joined_id: int, into: Conversation | None) -> None:
        """A chat taken private joined the customer's earlier chat (``DeliveryReport.joined_id``): it leaves the list,
        and a pane showing it shows the chat it joined."""
        showing = self._window.pane.expected_id == joined_id
        self._window.inbox_model.remove_ids([joined_id])  # first: the list then moves its selection on
        if showing and into is not None:
            self._window.select_conversation(into.id)
            self.on_conversation_opened(into.id)

    def _apply_task(self, result: TaskResult) -> None:
        if result.name == "thread":
            self._show_thread(result)
            return
        if result.name == PAGE_TASK:
            deliver: Deliver = result.context
            deliver(result.value if result.ok else None, result.error)  # the list tells the owner what went wrong
            return
        if result.name == "team-view":
            if result.ok:  # a server that is down is for the polls to report, not for this every half minute
                reading: TeamReading = result.value
                self._window.inbox_model.remove_ids(reading.gone_ids)
                self._apply_conversations(self._window.inbox_model.differing(reading.conversations))
                self.refresh_counts()  # a teammate may have changed conversations this window has not loaded
                self._tell_the_teams_news(reading)
            return
        if not result.ok:
            self._window.show_message(result.error, error=True)
        if result.name == "counts" and result.ok:
            self._counts_pending = False
            self._apply_counts(result.value)
            return
        if result.name == "counts":
            self._counts_pending = False
        if isinstance(result.value, Conversation):
            self._apply_conversations([result.value])
        if result.name in ("queue-reply", "retry") and result.ok:
            self._send_now()  # the reply is stored: try it now rather than at the next outbox tick
            self._reload_open(result.value.conversation_id)

    def _apply_conversations(self, conversations: Sequence[Conversation]) -> None:
        if not conversations:
            return
        self._window.inbox_model.upsert(conversations)
        shown = self._window.pane.expected_id
        if shown is not None and any(c.id == shown for c in conversations):
            self._reload_open(shown)
        self.refresh_counts()

    def _apply_counts(self, counts: InboxCounts) -> None:
        self._window.set_counts(counts)

    def refresh_counts(self) -> None:
        """Counts are a grouped query: run it off the GUI thread, at most one at a time."""
        if not self._counts_pending:
            self._counts_pending = True
            self._tasks.run("counts", self._repository.counts)

    def follow_the_team(self) -> None:
        """A team's shared database: from now on this window also shows what the other copies change (each
        ``refresh_from_the_team``), and tells its owner of customers' messages they stored."""
        self._news = TeamNews(self._now)
        self.refresh_from_the_team()

    def refresh_from_the_team(self) -> None:
        """Show what a team's other copies changed in the shared database: the loaded rows and the newest
        conversations of every view are read again on the task runner, and what differs is applied as a poll's
        report is: the model keeps those its list accepts, where they sort. Not the list's own first page: its order
        (due times, triage) is the GUI thread's to compute. Customers' messages that another copy stored are told
        as this copy's own polls tell theirs (``TeamNews``)."""
        ids = self._window.inbox_model.conversation_ids()[:TEAM_REFRESH_ROWS]
        repository = self._repository
        floor, told = (self._news.floor, self._news.told()) if self._news is not None else (None, frozenset[int]())
        self._tasks.run("team-view", lambda: read_the_team(repository, ids, floor, told))

    # --- notifications ---------------------------------------------------------------------

    def _notify_new(self, messages: Sequence[Message], conversations: Sequence[Conversation]) -> None:
        inbound = [m for m in messages if m.direction is Direction.INBOUND]
        if self._news is not None:  # a team refresh may have told of some already
            unheard = set(self._news.unheard(m.id for m in inbound))
            inbound = [m for m in inbound if m.id in unheard]
        self._tell(inbound, len(inbound), conversations)

    def _tell_the_teams_news(self, reading: TeamReading) -> None:
        """Tell of the customers' messages another copy stored: those still waiting for the shop one by one, or
        how many there are; none that this copy's own poll told of meanwhile."""
        if self._news is None:
            return
        unheard = set(self._news.unheard(reading.unheard_ids))
        self._news.read_up_to(reading.newest_id)
        status = {c.id: c.status for c in reading.conversations}
        waiting = [
            m for m in reading.messages if m.id in unheard and status.get(m.conversation_id) is Status.NEEDS_REPLY
        ]
        self._tell(
            waiting, len(unheard) if len(unheard) > MAX_SEPARATE_NOTIFICATIONS else len(waiting), reading.conversations
        )

    def _tell(self, inbound: Sequence[Message], count: int, conversations: Sequence[Conversation]) -> None:
        """One notification per message, or one that counts them when there are more than a few."""
        if count == 0 or self._window.is_in_front():
            return
        if count > MAX_SEPARATE_NOTIFICATIONS:
            self._notifier.notify(f"{count} new customer messages", "Open Social Inbox to answer them.")
            return
        by_id = {c.id: c for c in conversations}
        for message in inbound:
            conversation = by_id.get(message.conversation_id)
            channel = PLATFORM_LABELS[conversation.platform] if conversation else "a channel"
            where = "private message" if message.visibility.value == "private" else "mention"
            title = f"New {where} from {message.author_name or message.author_handle} on {channel}"
            self._notifier.notify(title, message.text[:200], message.conversation_id)

    # --- the owner's actions ---------------------------------------------------------------

    @Slot(int)
    def on_conversation_opened(self, conversation_id: int) -> None:
        """The owner opened a conversation: its thread is read on the task runner and shown when it comes, and
        marked read then if it was unread. Until then the pane shows what it showed."""
        self._window.pane.expect(conversation_id)
        self._marks_read = conversation_id
        self._thread_length = (conversation_id, THREAD_NEWEST)
        self._read_thread(conversation_id)

    @Slot(int)
    def on_earlier_requested(self, conversation_id: int) -> None:
        """The owner asked for earlier messages: the thread is read again with more of it, and reloads keep that."""
        if self._window.pane.expected_id != conversation_id:
            return  # a click meant for a thread the owner has left
        shown_id, length = self._thread_length
        shown = length if shown_id == conversation_id else THREAD_NEWEST
        self._thread_length = (conversation_id, shown + THREAD_EARLIER_STEP)
        self._read_thread(conversation_id)

    def open_conversation(self, conversation_id: int) -> None:
        """From a notification click: bring the window forward and show that conversation."""
        self._window.bring_to_front()
        self._window.select_conversation(conversation_id)
        self.on_conversation_opened(conversation_id)

    def _reload_open(self, conversation_id: int) -> None:
        """Read ``conversation_id``'s thread again if the pane shows it (or is about to)."""
        if self._window.pane.expected_id == conversation_id:
            self._read_thread(conversation_id)

    def read_page(self, read: Callable[[], list[Conversation]], deliver: Deliver) -> None:
        """The inbox list's reader of later pages (``InboxModel.read_pages_with``): on the task runner, after the
        writes before it, with the page handed back on the GUI thread."""
        self._tasks.run(PAGE_TASK, read, context=deliver)

    def _read_thread(self, conversation_id: int) -> None:
        repository = self._repository
        shown_id, length = self._thread_length
        if shown_id != conversation_id:
            length = THREAD_NEWEST
        self._tasks.run("thread", lambda: read_thread(repository, conversation_id, length), context=conversation_id)

    def _show_thread(self, result: TaskResult) -> None:
        pane = self._window.pane
        if result.context != pane.expected_id:
            return  # the owner has moved on to another conversation meanwhile
        if not result.ok:  # a team's server out of reach, a failing disk: the pane keeps what it showed
            self._window.show_message(result.error, error=True)
            return
        reading: ThreadReading = result.value
        pane.show_conversation(reading.conversation, reading.messages, reading.pending, earlier=reading.earlier)
        opened = reading.conversation is not None and reading.conversation.id == self._marks_read
        if opened:
            self._marks_read = None
        if opened and reading.conversation is not None and reading.conversation.unread:
            conversation_id = reading.conversation.id
            self._tasks.run("mark-read", lambda: self._repository.mark_read(conversation_id))

    @Slot(int, str)
    def on_reply_requested(self, conversation_id: int, text: str) -> None:
        now = self._now()
        self._tasks.run("queue-reply", lambda: self._repository.queue_reply(conversation_id, text, now))

    @Slot(int)
    def on_done_requested(self, conversation_id: int) -> None:
        self._tasks.run("done", lambda: self._repository.mark_done(conversation_id))

    @Slot(int)
    def on_reopen_requested(self, conversation_id: int) -> None:
        now = self._now()
        self._tasks.run("reopen", lambda: self._repository.reopen(conversation_id, now))

    @Slot(int)
    def on_retry_requested(self, outbox_id: int) -> None:
        self._tasks.run("retry", lambda: self._repository.retry_reply(outbox_id))
