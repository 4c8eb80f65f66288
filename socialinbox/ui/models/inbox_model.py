"""The inbox list: a lazily paged, always sorted list of Conversation values for one entry of the left column.

GUI thread only; no database or network code. Pages come from an injected ``fetch_page`` (a small indexed keyset read)
and changes from sync reports arrive through ``upsert`` without any query. Until ``read_pages_with`` gives it a reader,
pages are read at once (a start paints the first page so); from then on every page is read off the GUI thread, the
first of a chosen list too, so neither scrolling nor choosing a list waits on a team's database server. While a list's
first page is on its way the list is empty, and ``first_page_pending`` says so, so the view can keep its last picture
for the few milliseconds a page takes rather than flash an empty list, without a click landing on the list before.

One invariant keeps paging and live updates from fighting: the model holds exactly the accepted conversations whose
sort position is at or before the *boundary*, the position of the last conversation of the last page fetched (no
boundary once a short page said there is nothing more). ``upsert`` keeps a conversation only inside the boundary;
anything beyond it is left for ``fetchMore``, which moves the boundary and merges its page by id, so an id never
appears twice and the rows always equal the start of the full sorted list.

Memory (docs/performance.md, B5): a row is one flat tuple, the sort key's items, the id, then the conversation, kept
in one sorted list, plus one dict entry from the id to that tuple. It replaced three parallel structures (the rows, a
list of ``(sort key, id)`` pairs and a dict of those keys), which cost two tuples and two list slots more per row.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from socialinbox.domain import Conversation
from socialinbox.storage.problems import StorageUnavailable
from socialinbox.ui.models import plain_tooltip
from socialinbox.ui.models.conversation_text import preview_line, spoken, tooltip
from socialinbox.ui.models.page_reading import Accepts, FetchPage, PageAfterOf, PageInFlight, PageReader, SortKey
from socialinbox.ui.models.upsert_slices import UpsertSlices

if TYPE_CHECKING:  # a type only: the inbox's first paint needs no database layer loaded (B4)
    from socialinbox.storage.paging import PageAfter

ConversationRole = Qt.ItemDataRole.UserRole + 1  # the whole Conversation

# A row: the caller's sort key, flattened, then the id, then the conversation. Ids are unique in the model, so
# comparing two different rows stops at the id at the latest and never compares conversations (which do not order).
# A probe is a row without its conversation: it sorts just before the row of the same key and id.
_Entry = tuple[Any, ...]
_Probe = tuple[Any, ...]

AnyIndex = QModelIndex | QPersistentModelIndex


def _utc_now() -> datetime:
    return datetime.now(UTC)


class InboxModel(QAbstractListModel):
    """Conversations in ``sort_key`` order (ascending), fetched a page at a time.

    Args:
        fetch_page: ``(after, limit)`` -> the next ``limit`` conversations after keyset position ``after``
            (``None``: from the start), in ``sort_key`` order.
        page_after: the keyset position just after a conversation.
        sort_key: the list order, smaller first; include the id so that ties order as ``fetch_page`` does.
        accepts: whether a conversation belongs in this list (status, account).
        now: the clock for ages in tooltips and spoken text. tz: the zone for local times (None: the machine's).
    """

    ConversationRole = ConversationRole  # also a module constant
    # A page the database could not give now (a team's server out of reach, a failing disk), with the reason for the
    # owner. The rows stay as they were, and the next scroll (or choosing the list again) asks again.
    page_unavailable = Signal(str)
    # True when a list's first page went to be read away from the GUI thread (the list is empty until it is in), False
    # once it is in, failed, or a list read at once took its place.
    first_page_pending = Signal(bool)

    def __init__(
        self,
        fetch_page: FetchPage,
        page_after: PageAfterOf,
        sort_key: SortKey,
        accepts: Accepts,
        page_size: int = 100,
        parent: QObject | None = None,
        *,
        now: Callable[[], datetime] = _utc_now,
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        self._fetch_page = fetch_page
        self._page_after = page_after
        self._sort_key = sort_key
        self._accepts = accepts
        self._page_size = max(1, page_size)
        self._now = now
        self._tz = tz
        self._entries: list[_Entry] = []  # ascending
        self._by_id: dict[int, _Entry] = {}
        self._after: PageAfter | None = None  # keyset position of the next page
        self._boundary: _Probe | None = None
        self._has_more = False  # nothing is fetched before reload()
        self._slices = UpsertSlices(self._apply, self)  # a big batch's upserts still waiting for a slice
        self._read_away: PageReader | None = None  # None: pages are read here, at once
        self._in_flight = PageInFlight()
        self._first_page_pending = False

    # --- loading ---------------------------------------------------------------------------

    def set_source(self, fetch_page: FetchPage, page_after: PageAfterOf, sort_key: SortKey, accepts: Accepts) -> None:
        """Show another list (the owner picked another entry of the left column) from its first page."""
        self._fetch_page, self._page_after, self._sort_key, self._accepts = fetch_page, page_after, sort_key, accepts
        self.reload()

    def read_pages_with(self, reader: PageReader | None) -> None:
        """Read every page from now on through ``reader``, off the GUI thread (None: here, at once)."""
        self._read_away = reader

    @property
    def page_on_its_way(self) -> bool:
        """Whether a page is being read (``canFetchMore`` says False meanwhile, so the view asks once)."""
        return self._in_flight.on_its_way

    def reload(self) -> None:
        """Forget every row and load the first page again (away from the GUI thread once there is a reader)."""
        self.beginResetModel()
        try:
            self._slices.clear()  # the first page is read fresh: nothing older may be applied over it
            self._entries, self._by_id = [], {}
            # No boundary yet, and more to come: nothing is inside it, so upserts wait for the first page
            # (``PageInFlight``), and one that never comes (out of reach) leaves the list empty, not a stray row.
            self._after, self._boundary, self._has_more = None, None, True
            self._in_flight.new_list()
            if self._read_away is None:
                self._take_first_page(self._read_here(None))
        finally:
            self.endResetModel()
        if self._read_away is None:
            self._set_first_page_pending(False)
            return
        self._set_first_page_pending(True)
        self._read_page_away(first=True)

    def _take_first_page(self, page: list[Conversation] | None) -> None:
        if page is None:
            return  # an empty list with nothing to fetch (no boundary): choosing the list again reads it again
        self._note_page(page)
        latest = {c.id: c for c in page if self._accepts(c)}
        self._entries = sorted(map(self._entry, latest.values()))  # unique ids: never compares conversations
        self._by_id = {entry[-1].id: entry for entry in self._entries}

    def _set_first_page_pending(self, pending: bool) -> None:
        if pending != self._first_page_pending:
            self._first_page_pending = pending
            self.first_page_pending.emit(pending)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:
        """Override QAbstractItemModel::canFetchMore: a list has no children, only more pages. Only pages after the
        first: without a boundary the first is not in (on its way, or out of reach until the list is chosen again,
        rather than asked for again and again by the view)."""
        on_its_way = self._in_flight.on_its_way
        return not parent.isValid() and self._has_more and not on_its_way and self._boundary is not None

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:
        """Override QAbstractItemModel::fetchMore: fetch the page after the boundary and merge it by id."""
        if not self.canFetchMore(parent):
            return
        if self._read_away is None:
            self._merge_page(self._read_here(self._after))
            return
        self._read_page_away(first=False)

    def _read_page_away(self, *, first: bool) -> None:
        """Hand the read of the page after ``_after`` to the reader; merge it by id when it comes back."""
        reader = self._read_away
        assert reader is not None
        fetch, after, limit = self._fetch_page, self._after, self._page_size
        ticket = self._in_flight.send()

        def arrived(page: list[Conversation] | None, problem: str) -> None:
            kept = self._in_flight.arrived(ticket, page)
            if kept is None:
                return  # the list was read afresh meanwhile: this page belongs to the one before
            if page is None:
                self.page_unavailable.emit(problem)
            self._merge_page(*kept)
            if first:
                self._set_first_page_pending(False)

        reader(lambda: fetch(after, limit), arrived)

    def _read_here(self, after: PageAfter | None) -> list[Conversation] | None:
        try:
            return self._fetch_page(after, self._page_size)
        except StorageUnavailable as problem:
            self.page_unavailable.emit(str(problem))
            return None

    def _merge_page(self, page: list[Conversation] | None, newer: Iterable[Conversation] = ()) -> None:
        """Move the boundary past ``page`` and merge it by id; ``newer`` (upserts made while it was read) win."""
        if page is not None:
            self._note_page(page)
            page = [*page, *newer]  # every accepted conversation of the page is inside the new boundary
        else:
            page = list(newer)
        self.upsert(page)

    def _note_page(self, page: Sequence[Conversation]) -> None:
        self._has_more = len(page) >= self._page_size
        if page:
            self._after = self._page_after(page[-1])
            self._boundary = self._entry(page[-1])[:-1]

    # --- live changes ----------------------------------------------------------------------

    def upsert(self, conversations: Sequence[Conversation]) -> None:
        """Apply new and changed conversations (from a sync report or an owner action) without a query.

        A row is updated in place or moved to its new position; a new conversation is inserted where it sorts; one
        that no longer belongs (``accepts`` is false) or now sorts beyond the loaded pages is removed or skipped.
        A batch of a back-fill's thousands is applied in slices, the rest on the next turns of the event loop, so
        the window never freezes (``upsert_slices``).
        """
        latest = {c.id: c for c in conversations}  # the last version of an id in the batch wins
        self._in_flight.changed(latest.values())
        self._slices.apply(list(latest.values()))

    def settled(self) -> bool:
        """Whether every upsert has been applied (none is waiting for the event loop)."""
        return self._slices.settled

    def _apply(self, conversations: list[Conversation], deadline: float) -> list[Conversation]:
        """Apply ``conversations`` in order until ``deadline``; return the ones left for later."""
        gone: list[int] = []
        new: list[_Entry] = []
        left: list[Conversation] = []
        for index, conversation in enumerate(conversations):
            if index % 16 == 15 and time.perf_counter() > deadline:
                left = conversations[index:]
                break
            known = conversation.id in self._by_id
            if not known and not self._accepts(conversation):
                continue  # cheap to rule out first: its key is the costly part
            entry = self._entry(conversation)
            wanted = self._accepts(conversation) and self._inside_boundary(entry)
            if known:
                if wanted:
                    self._replace(entry)
                else:
                    gone.append(conversation.id)
            elif wanted:
                new.append(entry)
        self._remove_rows(gone)
        self._insert_sorted(new)
        return left

    def remove_ids(self, ids: Iterable[int]) -> None:
        """Conversations gone from the store: their rows go (unknown ids are ignored), and a page on its way, read
        before they went, does not bring them back."""
        ids = list(ids)
        self._in_flight.gone(ids)
        self._slices.forget(ids)  # nor does an upsert still waiting for a slice
        self._remove_rows(ids)

    def _remove_rows(self, ids: Iterable[int]) -> None:
        """Remove the rows of these conversations (unknown ids are ignored), one signal per adjacent run."""
        rows = sorted({row for row in map(self.row_of, ids) if row is not None})
        runs: list[tuple[int, int]] = []
        for row in rows:
            if runs and runs[-1][1] == row - 1:
                runs[-1] = (runs[-1][0], row)
            else:
                runs.append((row, row))
        for first, last in reversed(runs):  # from the bottom up, so earlier row numbers stay valid
            self.beginRemoveRows(QModelIndex(), first, last)
            for entry in self._entries[first : last + 1]:
                del self._by_id[entry[-1].id]
            del self._entries[first : last + 1]
            self.endRemoveRows()

    def _inside_boundary(self, entry: _Entry) -> bool:
        if not self._has_more:
            return True
        return self._boundary is not None and entry[:-1] <= self._boundary

    def _replace(self, entry: _Entry) -> None:
        conversation_id = entry[-1].id
        row = self._row_of_entry(self._by_id[conversation_id])
        # Where it goes among the *other* rows: taking it out shifts everything after it up by one. The probe, not
        # the entry: with an unchanged key the entry would go on to compare the two versions of the conversation.
        target = bisect.bisect_left(self._entries, entry[:-1])
        if target > row:
            target -= 1
        if target == row:  # still between the same neighbours
            self._entries[row] = entry
        else:
            # Qt counts the destination before the move: moving down means "before the row after the target".
            destination = target + 1 if target > row else target
            moved = self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), destination)
            assert moved, (row, destination)
            del self._entries[row]
            self._entries.insert(target, entry)
            self.endMoveRows()
        self._by_id[conversation_id] = entry
        index = self.index(target)
        self.dataChanged.emit(index, index)

    def _insert_sorted(self, new: list[_Entry]) -> None:
        """Insert at sorted positions, one signal per group that lands in the same gap.

        New ids are neither in the model nor repeated in ``new``, so every comparison here stops at the id."""
        new.sort()
        entries = self._entries
        start = 0
        while start < len(new):
            position = bisect.bisect_left(entries, new[start])
            end = start + 1
            while end < len(new) and (position == len(entries) or new[end] < entries[position]):
                end += 1
            group = new[start:end]
            self.beginInsertRows(QModelIndex(), position, position + len(group) - 1)
            entries[position:position] = group
            self._by_id.update((entry[-1].id, entry) for entry in group)
            self.endInsertRows()
            start = end

    # --- lookups ---------------------------------------------------------------------------

    def conversation_at(self, row: int) -> Conversation | None:
        return self._conversation(self._entries[row]) if 0 <= row < len(self._entries) else None

    def row_of(self, conversation_id: int) -> int | None:
        entry = self._by_id.get(conversation_id)
        return None if entry is None else self._row_of_entry(entry)

    def conversation_ids(self) -> list[int]:
        """The ids of the loaded rows, in order."""
        return [entry[-1].id for entry in self._entries]

    def differing(self, conversations: Iterable[Conversation]) -> list[Conversation]:
        """Those of ``conversations`` that are not loaded, or not as loaded."""
        return [c for c in conversations if (entry := self._by_id.get(c.id)) is None or entry[-1] != c]

    def _row_of_entry(self, entry: _Entry) -> int:
        # The stored tuple itself: tuple comparison takes identical items as equal without comparing them, so even
        # the conversation at the end is never compared.
        return bisect.bisect_left(self._entries, entry)

    def _entry(self, conversation: Conversation) -> _Entry:
        return (*self._sort_key(conversation), conversation.id, conversation)

    @staticmethod
    def _conversation(entry: _Entry) -> Conversation:
        conversation: Conversation = entry[-1]
        return conversation

    # --- Qt overrides ----------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        """Override QAbstractItemModel::rowCount."""
        return 0 if parent.isValid() else len(self._entries)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Override QAbstractItemModel::flags: rows are selectable, never editable, never parents."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::data."""
        if not index.isValid() or index.column() != 0 or not 0 <= index.row() < len(self._entries):
            return None
        conversation = self._conversation(self._entries[index.row()])
        if role == ConversationRole:
            return conversation
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{conversation.contact.name} — {preview_line(conversation)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(tooltip(conversation, self._now(), self._tz))
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return spoken(conversation, self._now(), self._tz)
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        """Override QAbstractItemModel::roleNames."""
        names = dict(super().roleNames())
        names[int(Qt.ItemDataRole.AccessibleTextRole)] = QByteArray(b"accessibleText")
        names[ConversationRole] = QByteArray(b"conversation")
        return names
