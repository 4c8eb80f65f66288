"""Every query the app makes. Returns domain values; tables and sessions never leave ``storage/``.

Writes are serialised with one lock (SQLite allows one writer; queueing them here is kinder than busy retries),
each in one short transaction. Reads may run on any thread, each in its own short session.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from socialinbox.domain import (
    Account,
    Conversation,
    Health,
    Message,
    Platform,
    PollResult,
    Status,
)
from socialinbox.storage import answering_queries, history, message_queries, outbox_queries
from socialinbox.storage.conversation_rows import (
    CONVERSATION,
    ConversationMemo,
    conversation_bundles,
    conversation_select,
    inbox_page_select,
)
from socialinbox.storage.convert import to_account
from socialinbox.storage.ingest import store_messages
from socialinbox.storage.ingest_rows import written_messages
from socialinbox.storage.models import AccountRow, ConversationRow
from socialinbox.storage.paging import InboxCounts, InboxView, PageAfter
from socialinbox.storage.row_values import to_conversations
from socialinbox.storage.search import SearchAfter, SearchHit, search_conversations

_POLL_ATTEMPTS = 3  # a race with another copy is settled by the second; a third would be a bug


class NotFound(LookupError):
    """The account, conversation or reply asked for does not exist (any more)."""


@dataclasses.dataclass(frozen=True, slots=True)
class SavedPoll:
    account: Account
    new_messages: tuple[Message, ...]
    conversations: tuple[Conversation, ...]


class Repository(
    message_queries.MessageMixin, outbox_queries.OutboxMixin, answering_queries.AnsweringMixin, history.HistoryMixin
):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._write_lock = threading.Lock()
        self._conversation_memo = ConversationMemo()  # the due-ordered inbox's values, reused while rows are unchanged

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        with Session(self._engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        with self._write_lock, Session(self._engine, expire_on_commit=False) as session, session.begin():
            yield session

    # --- accounts --------------------------------------------------------------------------

    def add_account(
        self,
        platform: Platform,
        handle: str,
        now: datetime,
        *,
        display_name: str = "",
        settings: Mapping[str, Any] | None = None,
        poll_interval_s: int = 60,
    ) -> Account:
        row = AccountRow(
            platform=platform.value,
            handle=handle,
            display_name=display_name,
            settings_json=json.dumps(dict(settings or {}), sort_keys=True),
            poll_interval_s=poll_interval_s,
            created_at=now,
        )
        with self._writing() as session:
            session.add(row)
            session.flush()
            return to_account(row)

    def accounts(self) -> list[Account]:
        with self._reading() as session:
            return [to_account(row) for row in session.scalars(select(AccountRow).order_by(col(AccountRow.id)))]

    def account(self, account_id: int) -> Account:
        with self._reading() as session:
            return to_account(self._account_row(session, account_id))

    def remove_account(self, account_id: int) -> None:
        """Forget an account and everything it brought in (the caller removes its token)."""
        with self._writing() as session:
            row = self._account_row(session, account_id)
            session.delete(row)

    def cursor(self, account_id: int) -> str | None:
        with self._reading() as session:
            return self._account_row(session, account_id).cursor

    def record_poll_problem(
        self, account_id: int, health: Health, detail: str, now: datetime, next_poll_at: datetime | None
    ) -> Account:
        """Note a failed poll; the cursor and the messages stay as they were."""
        with self._writing() as session:
            row = self._account_row(session, account_id)
            row.health = health.value
            row.health_detail = detail
            row.last_poll_at = now
            row.next_poll_at = next_poll_at
            return to_account(row)

    def mark_reconnected(self, account_id: int, handle: str) -> Account:
        """The owner signed in again: polling may resume, history is kept."""
        with self._writing() as session:
            row = self._account_row(session, account_id)
            row.handle = handle or row.handle
            row.health = Health.NEW.value
            row.health_detail = ""
            return to_account(row)

    def update_account_settings(
        self, account_id: int, changes: Mapping[str, Any], *, display_name: str | None = None
    ) -> Account:
        """Merge ``changes`` into the account's connector settings (never a token), e.g. limits read on reconnect."""
        with self._writing() as session:
            row = self._account_row(session, account_id)
            merged = {**json.loads(row.settings_json or "{}"), **changes}
            row.settings_json = json.dumps(merged, sort_keys=True)
            if display_name is not None:
                row.display_name = display_name
            return to_account(row)

    @staticmethod
    def _account_row(session: Session, account_id: int) -> AccountRow:
        row = session.get(AccountRow, account_id)
        if row is None:
            raise NotFound(f"There is no account {account_id}.")
        return row

    # --- ingest ----------------------------------------------------------------------------

    def save_poll(
        self, account_id: int, result: PollResult, now: datetime, next_poll_at: datetime | None = None
    ) -> SavedPoll:
        """Store a poll's messages and advance the cursor in the same transaction: all or nothing.

        A team's copies of the app share one PostgreSQL database and may store the same messages at the same moment.
        The copy whose transaction meets the other's rows on a unique key rolls back and stores again, now finding
        them: the messages are there once, and the poll is not an error."""
        attempt = 1
        while True:
            try:
                return self._save_poll_once(account_id, result, now, next_poll_at)
            except IntegrityError:
                if attempt == _POLL_ATTEMPTS:
                    raise  # not a race that a second look settles: a bug to see
                attempt += 1

    def _save_poll_once(
        self, account_id: int, result: PollResult, now: datetime, next_poll_at: datetime | None
    ) -> SavedPoll:
        with self._writing() as session:
            account = self._account_row(session, account_id)
            stored = store_messages(session, account_id, result.messages, now)
            account.cursor = result.cursor if result.cursor is not None else account.cursor
            account.health = Health.CONNECTED.value
            account.health_detail = "; ".join(result.warnings)
            account.last_poll_at = account.last_success_at = now
            account.next_poll_at = next_poll_at
            if result.rate_budget is not None:
                account.rate_remaining = result.rate_budget.remaining
                account.rate_limit = result.rate_budget.limit
                account.rate_resets_at = result.rate_budget.resets_at
            session.flush()
            messages = written_messages(stored.message_rows)  # not read back: built from what was just written
            conversations = self._conversations_by_id(session, stored.conversation_ids)
            return SavedPoll(to_account(account), tuple(messages), tuple(conversations))

    # --- inbox reads -----------------------------------------------------------------------

    def _conversation_query(self) -> Any:
        """Rows of (conversation, contact, platform) for ``convert.to_conversation``: the first two are column
        bundles with the tables' attribute names, not ORM entities, which cost ten times more to load."""
        return conversation_bundles()

    def _conversations_by_id(self, session: Session, ids: list[int]) -> list[Conversation]:
        if not ids:
            return []
        query = conversation_select().where(CONVERSATION.c.id.in_(ids)).order_by(CONVERSATION.c.id)
        return to_conversations(session.connection().execute(query).all())

    def conversations_now(self, ids: Sequence[int]) -> list[Conversation]:
        """These conversations as they are now (a team's other copies change them too); ids gone are left out."""
        with self._reading() as session:
            return self._conversations_by_id(session, list(ids))

    def conversation(self, conversation_id: int) -> Conversation:
        with self._reading() as session:
            found = self._conversations_by_id(session, [conversation_id])
        if not found:
            raise NotFound(f"There is no conversation {conversation_id}.")
        return found[0]

    def conversations(
        self,
        view: InboxView = InboxView.ALL,
        *,
        account_id: int | None = None,
        limit: int = 100,
        after: PageAfter | None = None,
    ) -> list[Conversation]:
        """One page of the inbox, keyset-paginated on indexed columns.

        "Needs reply" lists the longest-waiting first (the next to miss the hour); the other views newest first.
        """
        statuses = {
            InboxView.ALL: [Status.NEEDS_REPLY, Status.WAITING],
            InboxView.NEEDS_REPLY: [Status.NEEDS_REPLY],
            InboxView.WAITING: [Status.WAITING],
            InboxView.DONE: [Status.DONE],
            InboxView.SNOOZED: [Status.SNOOZED],
        }[view]
        # A prepared Core statement and plain rows, not ORM entities: see storage/conversation_rows.py.
        query = inbox_page_select(view is not InboxView.NEEDS_REPLY, account_id is not None, after is not None)
        params: dict[str, Any] = {"statuses": [s.value for s in statuses], "limit": limit}
        if account_id is not None:
            params["account_id"] = account_id
        if after is not None:
            params.update(after_value=after.sort_value, after_id=after.id)
        with self._reading() as session:
            return to_conversations(session.connection().execute(query, params).all())

    @staticmethod
    def page_after(view: InboxView, last: Conversation) -> PageAfter:
        """The keyset position after ``last`` in ``view``'s order."""
        if view is InboxView.NEEDS_REPLY and last.waiting_since is not None:
            return PageAfter(last.waiting_since, last.id)
        return PageAfter(last.last_message_at, last.id)

    def message(self, message_id: int) -> Message:
        """One stored message (``socialinbox attachment save`` names it by id)."""
        found = self.messages_by_id([message_id])
        if not found:
            raise NotFound(f"There is no message {message_id}.")
        return found[0]

    def search(self, query: str, limit: int = 50, after: SearchAfter | None = None) -> list[SearchHit]:
        """Conversations whose messages hold every word of ``query``, best match first (see ``storage/search.py``).

        Continue with ``after=hits[-1].after``. The GUI's search box ("/") is wired by the inbox views.
        """
        with self._reading() as session:
            return search_conversations(session, query, limit, after, self._conversations_by_id)

    def counts(self) -> InboxCounts:
        with self._reading() as session:
            by_status = dict(
                session.execute(
                    select(col(ConversationRow.status), func.count()).group_by(col(ConversationRow.status))
                ).all()
            )
            per_account = session.execute(
                select(col(ConversationRow.account_id), func.count())
                .where(col(ConversationRow.status) == Status.NEEDS_REPLY.value)
                .group_by(col(ConversationRow.account_id))
            ).all()
        needs, waiting = by_status.get(Status.NEEDS_REPLY.value, 0), by_status.get(Status.WAITING.value, 0)
        by_view = {
            InboxView.ALL: needs + waiting,
            InboxView.NEEDS_REPLY: needs,
            InboxView.WAITING: waiting,
            InboxView.DONE: by_status.get(Status.DONE.value, 0),
            InboxView.SNOOZED: by_status.get(Status.SNOOZED.value, 0),
        }
        return InboxCounts(by_view, {account: count for account, count in per_account})

    # --- the owner's actions ---------------------------------------------------------------

    def mark_done(self, conversation_id: int) -> Conversation:
        return self._update_conversation(conversation_id, _mark_done)

    def reopen(self, conversation_id: int, now: datetime) -> Conversation:
        """Put a conversation back in "needs reply"; its clock runs from now."""
        return self._update_conversation(conversation_id, lambda row: _reopen(row, now))

    def snooze(self, conversation_id: int, until: datetime) -> Conversation:
        return self._update_conversation(conversation_id, lambda row: _snooze(row, until))

    def wake_snoozed(self, now: datetime) -> list[Conversation]:
        """Return conversations whose snooze is over to "needs reply"."""
        with self._writing() as session:
            rows = list(
                session.scalars(
                    select(ConversationRow).where(
                        col(ConversationRow.status) == Status.SNOOZED.value,
                        col(ConversationRow.snoozed_until) <= now,
                    )
                )
            )
            for row in rows:
                row.status = Status.NEEDS_REPLY.value
                # snoozed_until stays for the rest of this waiting period: the reminder tick needs it to say
                # "back from snooze" once, and to keep quiet about what happened while snoozed.
                row.waiting_since = row.waiting_since or row.snoozed_until or now
            session.flush()
            return self._conversations_by_id(session, [row.id for row in rows if row.id is not None])

    def mark_read(self, conversation_id: int) -> Conversation:
        return self._update_conversation(conversation_id, lambda row: setattr(row, "unread", 0))

    def _update_conversation(self, conversation_id: int, change: Any) -> Conversation:
        with self._writing() as session:
            row = session.get(ConversationRow, conversation_id)
            if row is None:
                raise NotFound(f"There is no conversation {conversation_id}.")
            change(row)
            session.flush()
            return self._conversations_by_id(session, [conversation_id])[0]


def _mark_done(row: ConversationRow) -> None:
    row.status = Status.DONE.value
    row.waiting_since = None
    row.snoozed_until = None
    row.follow_up_at = None
    row.unread = 0


def _reopen(row: ConversationRow, now: datetime) -> None:
    row.status = Status.NEEDS_REPLY.value
    row.waiting_since = now
    row.snoozed_until = None


def _snooze(row: ConversationRow, until: datetime) -> None:
    row.status = Status.SNOOZED.value
    row.snoozed_until = until
