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
from typing import Any

from socialinbox.domain import Conversation, Platform, Status
from socialinbox.responsetime import ResponsePolicy, due_at
from socialinbox.storage.repository import InboxView, PageAfter, Repository
from socialinbox.triage import TriageCache, triage_sort_key
from socialinbox.ui.inbox_sources import InboxSource, inbox_source

DUE_WINDOW = timedelta(minutes=15)
_Cursor = tuple[datetime, int] | None  # (waiting_since, id) of the last row taken from one stream


@dataclasses.dataclass(frozen=True, slots=True)
class _Stream:
    only: frozenset[Platform] | None  # None: every platform without a target of its own
    exclude: frozenset[Platform]


class DueOrder:
    """The fetch/order/accept functions of the "Needs reply" list (optionally one account's)."""

    def __init__(
        self,
        repository: Repository,
        policy: ResponsePolicy,
        triage: TriageCache,
        account_id: int | None = None,
        window: timedelta = DUE_WINDOW,
    ) -> None:
        self._repository = repository
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
        start = self._cursors_after.get(after.id) if after is not None else None
        cursors: dict[_Stream, _Cursor] = dict(start) if start is not None else dict.fromkeys(self._streams)
        batches = {stream: self._read(stream, cursors[stream], limit) for stream in self._streams}
        page = self._take_windows(batches, cursors, limit)
        page.sort(key=lambda c: (self.sort_key(c), c.id))
        if page:
            self._cursors_after[page[-1].id] = cursors
        return page

    def _read(self, stream: _Stream, cursor: _Cursor, limit: int) -> list[Conversation]:
        return self._repository.needs_reply_stream(
            only=stream.only, exclude=stream.exclude, account_id=self._account_id, after=cursor, limit=limit
        )

    def _take_windows(
        self, batches: dict[_Stream, list[Conversation]], cursors: dict[_Stream, _Cursor], limit: int
    ) -> list[Conversation]:
        """At least ``limit`` rows in due order (fewer only at the end), then the rest of the last row's window."""
        merged = self._merged(batches)
        last_window: int | None = None  # None: every stream is exhausted, the page is the rest of the list
        if any(len(batch) >= limit for batch in batches.values()):  # then at least ``limit`` rows were read
            last_window = self._window_of(merged[limit - 1])
            self._complete_window(batches, last_window, limit)
            merged = self._merged(batches)
        window_of = self._window_of
        page = [c for c in merged if last_window is None or window_of(c) <= last_window]
        for stream, batch in batches.items():
            taken = [c for c in batch if last_window is None or window_of(c) <= last_window]
            if taken:
                cursors[stream] = (taken[-1].waiting_since or taken[-1].last_message_at, taken[-1].id)
        return page

    def _complete_window(self, batches: dict[_Stream, list[Conversation]], window: int, limit: int) -> None:
        """Read on in any stream whose batch was full and ended inside ``window``: its next rows may belong to it."""
        for stream, batch in batches.items():
            full = len(batch) >= limit
            while full and self._window_of(batch[-1]) <= window:
                last = batch[-1]
                more = self._read(stream, (last.waiting_since or last.last_message_at, last.id), limit)
                batch += more
                full = len(more) >= limit

    def _merged(self, batches: dict[_Stream, list[Conversation]]) -> list[Conversation]:
        return list(heapq.merge(*batches.values(), key=lambda c: (self.due(c), c.id)))

    def _window_of(self, conversation: Conversation) -> int:
        return int(self.sort_key(conversation)[0])


def due_sources(
    repository: Repository, policy: Callable[[], ResponsePolicy], triage: TriageCache
) -> Callable[..., InboxSource]:
    """A drop-in for ``inbox_sources.inbox_source``: "Needs reply" in due order, every other list as before."""

    def source_for(repo: Repository, view: InboxView, account_id: int | None = None) -> InboxSource:
        if view is InboxView.NEEDS_REPLY:
            return DueOrder(repo, policy(), triage, account_id).source()
        return inbox_source(repo, view, account_id)

    return source_for
