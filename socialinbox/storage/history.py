"""The one-hour clock's queries: report histories, the reminder tick's rows, follow-ups and the due-ordered inbox.

Reports read a time range with the message time index (``ix_message_sent``) and then, per conversation, only the
events from the start of the waiting period open at ``since`` (a correlated lookup on ``ix_message_conversation_sent``):
never the whole table. A customer message's sentiment is scored the first time a report needs it and stored, so a
report over the same weeks is cheap the second time.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Select, or_, select, update
from sqlalchemy.orm import Session, aliased
from sqlmodel import col, func

from socialinbox.domain import PLATFORM_LABELS, Conversation, Direction, Platform, Status, Visibility
from socialinbox.reports import ConversationHistory, EventKind, HistoryEvent
from socialinbox.storage.conversation_rows import (
    ACCOUNT,
    CONTACT,
    CONVERSATION,
    ConversationMemo,
    needs_reply_page,
    text_time,
)
from socialinbox.storage.ingest import apply_message
from socialinbox.storage.models import AccountRow, ConversationRow, MessageRow
from socialinbox.storage.row_values import utc_time

Scorer = Callable[[str], float]
_CHUNK = 500  # stay well under SQLite's bound-parameter limit
_STOPS_CLOCK = (EventKind.MESSAGE.value, EventKind.HOLDING_REPLY.value)


@dataclasses.dataclass(frozen=True, slots=True)
class ClockRow:
    """What the reminder tick needs of one conversation, read in one query."""

    conversation_id: int
    platform: Platform
    status: Status
    label: str  # "Anna on Mastodon", for notifications
    waiting_since: datetime | None
    snoozed_until: datetime | None
    follow_up_at: datetime | None
    last_message_at: datetime
    away_replied_at: datetime | None


def settle_sent_reply(
    conversation: ConversationRow, kind: str, follow_up_at: datetime | None, text: str, sent_at: datetime
) -> None:
    """Move a conversation's clock for a reply the app just sent.

    A full or holding reply stops the first-response clock. An away reply does not: it only notes when it went out
    (one per closed period) and leaves the preview on the customer's words, which is what the owner must answer.
    A full reply settles an earlier promise; a reply that came with a confirmed follow-up sets it.
    """
    if kind == EventKind.AWAY_REPLY.value:
        conversation.message_count += 1
        conversation.away_replied_at = sent_at
        return
    apply_message(conversation, Direction.OUTBOUND, text, sent_at)
    if follow_up_at is not None:
        conversation.follow_up_at = follow_up_at
    elif kind == EventKind.MESSAGE.value:
        conversation.follow_up_at = None


class HistoryMixin:
    if TYPE_CHECKING:
        _engine: Engine
        _conversation_memo: ConversationMemo

        def _reading(self) -> AbstractContextManager[Session]: ...
        def _writing(self) -> AbstractContextManager[Session]: ...
        def _conversation_query(self) -> Any: ...
        def _conversations_by_id(self, session: Session, ids: list[int]) -> list[Conversation]: ...

    # --- reports ---------------------------------------------------------------------------------

    def conversation_histories(
        self, since: datetime, until: datetime, scorer: Scorer | None = None
    ) -> list[ConversationHistory]:
        """Every conversation a customer wrote in during [since, until), plus every one waiting for a reply now,
        with its events from the start of the waiting period open at ``since`` (see ``reports.build_report``)."""
        with self._reading() as session:
            ids = sorted(_conversations_in_range(session, since, until))
            heads = {cid: head for chunk in _chunks(ids) for cid, head in _heads(session, chunk).items()}
            rows = [row for chunk in _chunks(ids) for row in _events(session, chunk, since)]
        if scorer is not None:
            rows = self._score_missing(rows, since, until, scorer)
        events: dict[int, list[HistoryEvent]] = {cid: [] for cid in ids}
        for conversation_id, _id, direction, kind, sent_at, sentiment in rows:
            events[conversation_id].append(HistoryEvent(Direction(direction), sent_at, EventKind(kind), sentiment))
        return [
            ConversationHistory(cid, heads[cid][0], heads[cid][1], tuple(events[cid])) for cid in ids if cid in heads
        ]

    def _score_missing(
        self, rows: list[tuple[Any, ...]], since: datetime, until: datetime, scorer: Scorer
    ) -> list[tuple[Any, ...]]:
        """Score and store the sentiment of customer messages in range that have none yet."""
        wanted = [r[1] for r in rows if r[2] == Direction.INBOUND.value and r[5] is None and since <= r[4] < until]
        if not wanted:
            return rows
        scores: dict[int, float] = {}
        with self._writing() as session:
            for chunk in _chunks(wanted):
                texts = session.execute(
                    select(col(MessageRow.id), col(MessageRow.text)).where(col(MessageRow.id).in_(chunk))
                ).all()
                scored = {int(row_id or 0): scorer(text) for row_id, text in texts}
                scores.update(scored)
                # A bulk update by primary key: one statement for the chunk.
                session.execute(update(MessageRow), [{"id": key, "sentiment": value} for key, value in scored.items()])
        return [(*r[:5], scores.get(r[1], r[5])) for r in rows]

    # --- the reminder tick -------------------------------------------------------------------------

    def clock_rows(self) -> list[ClockRow]:
        """Conversations needing a reply or snoozed, and those owed a promised follow-up (two indexed reads).

        Just the columns a ``ClockRow`` needs, as plain rows: the tick reads every waiting conversation twice a
        minute, and loading them as ORM entities took 0.24-0.36 s of CPU each time for the 4,241 of a team's 1M-message
        inbox, about 1% of a core by itself (docs/performance.md, B8)."""
        statuses = [Status.NEEDS_REPLY.value, Status.SNOOZED.value]
        with self._reading() as session:
            connection = session.connection()
            found = {
                row[0]: row
                for where in (CONVERSATION.c.status.in_(statuses), CONVERSATION.c.follow_up_at.is_not(None))
                for row in connection.execute(clock_select().where(where))
            }
        return [_clock_row(found[key]) for key in sorted(found)]

    def set_follow_up(self, conversation_id: int, at: datetime | None) -> Conversation:
        """Remember (or with None forget) when the shop promised to come back to this customer."""
        with self._writing() as session:
            row = session.get(ConversationRow, conversation_id)
            if row is None:
                raise LookupError(f"There is no conversation {conversation_id}.")
            row.follow_up_at = at
            session.flush()
            return self._conversations_by_id(session, [conversation_id])[0]

    def note_away_reply(self, conversation_id: int, at: datetime) -> None:
        """An away reply is on its way for this closed period (noted when queued, so a slow send never doubles it)."""
        with self._writing() as session:
            row = session.get(ConversationRow, conversation_id)
            if row is not None:
                row.away_replied_at = at

    # --- the due-ordered inbox ---------------------------------------------------------------------

    def needs_reply_stream(
        self,
        *,
        only: Collection[Platform] | None = None,
        exclude: Collection[Platform] = (),
        account_id: int | None = None,
        after: tuple[datetime, int] | None = None,
        limit: int = 100,
    ) -> list[Conversation]:
        """Conversations needing a reply on some platforms, longest-waiting first, keyset-paginated.

        For one response target the due time never decreases as ``waiting_since`` grows (with or without business
        hours), so each such stream is already in due order; the inbox merges one stream per target.
        """
        # A prepared Core statement and plain rows (storage/conversation_rows.py) on a bare connection: ORM entities
        # and even an empty Session cost a large part of the inbox's first page (docs/performance.md, B2).
        with self._engine.connect() as connection:
            return needs_reply_page(
                connection,
                only=only,
                exclude=exclude,
                account_id=account_id,
                after=after,
                limit=limit,
                memo=self._conversation_memo,
            )


@functools.cache  # statements are immutable; building one costs more than running it
def clock_select() -> Select[Any]:
    """What a ``ClockRow`` is built from, in ``_clock_row``'s order; times read as text where SQLite keeps text."""
    times = ("waiting_since", "snoozed_until", "follow_up_at", "last_message_at", "away_replied_at")
    return (
        select(
            CONVERSATION.c.id,
            ACCOUNT.c.platform,
            CONVERSATION.c.status,
            CONTACT.c.display_name,
            CONTACT.c.handle,
            *(text_time(CONVERSATION.c[name]) for name in times),
        )
        .join_from(CONVERSATION, CONTACT, CONTACT.c.id == CONVERSATION.c.contact_id)
        .join(ACCOUNT, ACCOUNT.c.id == CONVERSATION.c.account_id)
    )


def _clock_row(row: Sequence[Any]) -> ClockRow:
    conversation_id, platform_value, status_value, display_name, handle, *times = row
    waiting_since, snoozed_until, follow_up_at, last_message_at, away_replied_at = (utc_time(t) for t in times)
    platform, status = Platform(platform_value), Status(status_value)
    return ClockRow(
        conversation_id=conversation_id,
        platform=platform,
        status=status,
        label=f"{display_name or handle} on {PLATFORM_LABELS[platform]}",
        waiting_since=waiting_since if status is not Status.WAITING else None,
        # A snooze belongs to a waiting period; once the shop has answered it is history.
        snoozed_until=snoozed_until if status in (Status.NEEDS_REPLY, Status.SNOOZED) else None,
        follow_up_at=follow_up_at,
        last_message_at=last_message_at,
        away_replied_at=away_replied_at,
    )


def _conversations_in_range(session: Session, since: datetime, until: datetime) -> set[int]:
    wrote = (
        select(col(MessageRow.conversation_id))
        .distinct()
        .where(
            col(MessageRow.sent_at) >= since,
            col(MessageRow.sent_at) < until,
            col(MessageRow.direction) == Direction.INBOUND.value,
            col(MessageRow.kind) != EventKind.NOTE.value,
        )
    )
    waiting = select(col(ConversationRow.id)).where(col(ConversationRow.status) == Status.NEEDS_REPLY.value)
    return set(session.scalars(wrote)) | set(session.scalars(waiting))


def _heads(session: Session, ids: list[int]) -> dict[int, tuple[Platform, Visibility]]:
    query = (
        select(col(ConversationRow.id), col(AccountRow.platform), col(ConversationRow.visibility))
        .join(AccountRow, col(AccountRow.id) == col(ConversationRow.account_id))
        .where(col(ConversationRow.id).in_(ids))
    )
    found = session.execute(query)
    return {int(cid or 0): (Platform(platform), Visibility(visibility)) for cid, platform, visibility in found}


def _events(session: Session, ids: list[int], since: datetime) -> Iterable[tuple[Any, ...]]:
    """Events from the last clock-stopping reply before ``since`` on (all of them when there is none)."""
    earlier = aliased(MessageRow)
    floor = (
        select(func.max(earlier.sent_at))
        .where(
            col(earlier.conversation_id) == col(MessageRow.conversation_id),
            col(earlier.direction) == Direction.OUTBOUND.value,
            col(earlier.kind).in_(_STOPS_CLOCK),
            col(earlier.sent_at) < since,
        )
        .correlate(MessageRow)
        .scalar_subquery()
    )
    query = (
        select(
            col(MessageRow.conversation_id),
            col(MessageRow.id),
            col(MessageRow.direction),
            col(MessageRow.kind),
            col(MessageRow.sent_at),
            col(MessageRow.sentiment),
        )
        .where(col(MessageRow.conversation_id).in_(ids), or_(floor.is_(None), col(MessageRow.sent_at) >= floor))
        .order_by(col(MessageRow.conversation_id), col(MessageRow.sent_at), col(MessageRow.id))
    )
    return [tuple(row) for row in session.execute(query)]


def _chunks(items: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
