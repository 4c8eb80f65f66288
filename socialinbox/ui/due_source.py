""" "Needs reply" in due order, with triage inside each due window, paged exactly (no Qt here).

Why not sort by ``waiting_since``: with per-channel targets an e-mail that has waited longest may be due hours after
a Telegram message that just arrived. Why not sort the loaded rows only: the inbox model's paging needs its order to
be the full list's order, or a page could hide a conversation due before the rows already shown.

How, without a stored due time (the owner can change targets and hours at any moment): for one response target the
due time never decreases as ``waiting_since`` grows, with or without business hours (more open time can only pass
after a later start). So each target's conversations, read in ``waiting_since`` order on the existing index, are
already in due order; a page merges one keyset stream per target by due time. Triage reorders within a due window
(``triage.triage_sort_key``), so a page always ends at the end of a window: every page is then exactly the next slice
of the full sorted list, which is what ``InboxModel`` needs to merge live updates and later pages correctly.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, Unpack

from socialinbox.domain import Conversation, Platform, Status
from socialinbox.responsetime import ResponsePolicy, due_at
from socialinbox.storage.paging import InboxView, PageAfter, StreamQuery
from socialinbox.triage import TriageCache, due_window, triage_sort_key
from socialinbox.ui.inbox_sources import InboxSource, Sources, inbox_source

if TYPE_CHECKING:
    from socialinbox.storage.repository import Repository

DUE_WINDOW = timedelta(minutes=15)
_Cursor = tuple[datetime, int] | None  # (waiting_since, id) of the last row taken from one stream
_Dated = tuple[datetime, int, Conversation]  # (due, id, row): merges in due order by tuple comparison, in C
_MIN_MARGIN, _MARGIN_PART = 8, 10  # read limit + 10% (at least 8) to finish the last due window in the same query


class NeedsReplyReader(Protocol):
    """``Repository.needs_reply_stream``; at a start, ``wiring.Core`` reads the first page without SQLAlchemy."""

    def needs_reply_stream(self, **query: Unpack[StreamQuery]) -> list[Conversation]: ...


@dataclasses.dataclass(frozen=True, slots=True)
class _Stream:
    only: frozenset[Platform] | None  # None: every platform without a target of its own
    exclude: frozenset[Platform]


class DueOrder:
    """The fetch/order/accept functions of the "Needs reply" list (optionally one account's)."""

    def __init__(
        self,
        reader: NeedsReplyReader,
        policy: ResponsePolicy,
        triage: TriageCache,
        account_id: int | None = None,
        window: timedelta = DUE_WINDOW,
    ) -> None:
        self._reader = reader
        self._policy = policy
        self._triage = triage
        self._account_id = account_id
        self._window = window
        own = frozenset(policy.per_platform)
        self._streams = [_Stream(frozenset({p}), frozenset()) for p in sorted(own)] + [_Stream(None, own)]
        self._cursors_after: dict[int, dict[_Stream, _Cursor]] = {}  # by the id of a page's last row

    def source(self) -> InboxSource:
        return InboxSource(self.fetch_page, self.page_after, self.sort_key, self.accepts)

    def due(self, conversation: Conversation) -> datetime:
        return due_at(conversation.waiting_since or conversation.last_message_at, self._policy, conversation.platform)

    def sort_key(self, conversation: Conversation) -> tuple[Any, ...]:
        return triage_sort_key(self.due(conversation), self._triage.priority(conversation), self._window)

    def accepts(self, conversation: Conversation) -> bool:
        mine = self._account_id is None or conversation.account_id == self._account_id
        return mine and conversation.status is Status.NEEDS_REPLY

    def page_after(self, conversation: Conversation) -> PageAfter:
        return PageAfter(self.due(conversation), conversation.id)

    def fetch_page(self, after: PageAfter | None, limit: int) -> list[Conversation]:
        """The next page: every row's due time computed once, its priority once, and only for rows on the page (a
        cold triage cache runs VADER for those alone); the order is ``(sort_key(c), c.id)``."""
        start = self._cursors_after.get(after.id) if after is not None else None
        cursors: dict[_Stream, _Cursor] = dict(start) if start is not None else dict.fromkeys(self._streams)
        read = limit + max(_MIN_MARGIN, limit // _MARGIN_PART)  # one query usually reaches past the last window
        batches = {stream: self._read(stream, cursors[stream], read) for stream in self._streams}
        taken = self._take_windows(batches, cursors, limit, read)
        window, priority = self._window, self._triage.priority
        # Tuples sort in C; ids are unique, so the comparison never reaches the conversation itself.
        keyed = [(due_window(due, window), -priority(c).score, due, key, c) for due, key, c in taken]
        keyed.sort()
        page = [row[4] for row in keyed]
        if page:
            self._cursors_after[page[-1].id] = cursors
        return page

    def _read(self, stream: _Stream, cursor: _Cursor, limit: int) -> list[_Dated]:
        found = self._reader.needs_reply_stream(
            only=stream.only, exclude=stream.exclude, account_id=self._account_id, after=cursor, limit=limit
        )
        if self._policy.business_hours is not None:
            due = self.due
            return [(due(c), c.id, c) for c in found]
        # Around the clock a stream's target is one constant: due_at's sum without its per-row checks (storage
        # hands back aware UTC times).
        target = self._policy.target_for(next(iter(stream.only))) if stream.only else self._policy.target
        return [((c.waiting_since or c.last_message_at) + target, c.id, c) for c in found]

    def _take_windows(
        self, batches: dict[_Stream, list[_Dated]], cursors: dict[_Stream, _Cursor], limit: int, read: int
    ) -> list[_Dated]:
        """At least ``limit`` rows in due order (fewer only at the end), then the rest of the last row's window."""
        merged = list(heapq.merge(*batches.values()))
        full = {stream: len(batch) >= read for stream, batch in batches.items()}
        if not any(full.values()):  # every stream ran out: the page is the rest of the list
            for stream, batch in batches.items():
                self._move(cursors, stream, batch, len(batch))
            return merged
        window = self._window
        last = due_window(merged[limit - 1][0], window)
        if self._complete_window(batches, full, last, read):
            merged = list(heapq.merge(*batches.values()))
        end = next((n for n in range(limit, len(merged)) if due_window(merged[n][0], window) > last), len(merged))
        for stream, batch in batches.items():
            kept = len(batch)
            while kept and due_window(batch[kept - 1][0], window) > last:
                kept -= 1
            self._move(cursors, stream, batch, kept)
        return merged[:end]

    def _complete_window(
        self, batches: dict[_Stream, list[_Dated]], full: dict[_Stream, bool], window: int, read: int
    ) -> bool:
        """Read on in any stream whose batch was full and ended inside ``window``: its next rows may belong to it."""
        grew = False
        for stream, batch in batches.items():
            while full[stream] and due_window(batch[-1][0], self._window) <= window:
                last = batch[-1][2]
                more = self._read(stream, (last.waiting_since or last.last_message_at, last.id), read)
                batch += more
                full[stream] = len(more) >= read
                grew = True
        return grew

    @staticmethod
    def _move(cursors: dict[_Stream, _Cursor], stream: _Stream, batch: list[_Dated], kept: int) -> None:
        """The stream's next page starts after the last of its rows this page took."""
        if kept:
            last = batch[kept - 1][2]
            cursors[stream] = (last.waiting_since or last.last_message_at, last.id)


def due_sources(
    reader: NeedsReplyReader,
    repository: Callable[[], Repository],
    policy: Callable[[], ResponsePolicy],
    triage: TriageCache,
) -> Sources:
    """A drop-in for ``inbox_sources.inbox_sources``: "Needs reply" in due order through ``reader``, every other
    list as before (through the repository, asked for when such a list is first read)."""

    def source_for(view: InboxView, account_id: int | None = None) -> InboxSource:
        if view is InboxView.NEEDS_REPLY:
            return DueOrder(reader, policy(), triage, account_id).source()
        return inbox_source(repository(), view, account_id)

    return source_for
