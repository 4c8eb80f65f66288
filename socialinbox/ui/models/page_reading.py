"""How the inbox list gets its pages: the callables a list is read through, and what happened to a list while one
of its pages was read away from the GUI thread (no Qt).

A page read on the task runner comes back later, and by then the list may have been chosen afresh (the page belongs
to the list before), changed by a sync report (the page may have been read before the change, so the change wins
over it), or lost a conversation (joined into another chat, gone in a team refresh: the page may still hold it).
``InboxModel`` keeps one ``PageInFlight`` and asks it what of a page that came back still holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from socialinbox.domain import Conversation

if TYPE_CHECKING:  # a type only: the inbox's first paint needs no database layer loaded (B4)
    from socialinbox.storage.paging import PageAfter

FetchPage = Callable[["PageAfter | None", int], list[Conversation]]
PageAfterOf = Callable[[Conversation], "PageAfter"]
SortKey = Callable[[Conversation], tuple[Any, ...]]
Accepts = Callable[[Conversation], bool]
# A page that came back: its conversations, or None and what the owner should be told (the database was out of reach).
Deliver = Callable[[list[Conversation] | None, str], None]
# Runs a page's read away from the GUI thread and calls ``Deliver`` back on the GUI thread with what came of it.
PageReader = Callable[[Callable[[], list[Conversation]], Deliver], None]


class PageInFlight:
    """At most one page on its way for the current list, and what changed meanwhile."""

    def __init__(self) -> None:
        self._list = 0  # counts lists chosen (reloads): a page read for an earlier one is dropped when it comes back
        self.on_its_way = False
        self._changed: dict[int, Conversation] = {}  # upserts meanwhile, the last version of each
        self._gone: set[int] = set()

    def new_list(self) -> None:
        """The list is read afresh: a page on its way belongs to the one before, and what changed meanwhile with it."""
        self._list += 1
        self.on_its_way, self._changed, self._gone = False, {}, set()

    def send(self) -> int:
        """A page goes to be read; returns the ticket ``arrived`` is given back."""
        self.on_its_way = True
        return self._list

    def changed(self, conversations: Iterable[Conversation]) -> None:
        if self.on_its_way:
            self._changed.update((c.id, c) for c in conversations)

    def gone(self, ids: Iterable[int]) -> None:
        if self.on_its_way:
            for conversation_id in ids:
                self._gone.add(conversation_id)
                self._changed.pop(conversation_id, None)

    def arrived(
        self, ticket: int, page: list[Conversation] | None
    ) -> tuple[list[Conversation] | None, list[Conversation]] | None:
        """The page without what went meanwhile, and the changes made meanwhile (which win over it); None when the
        page belongs to a list chosen before (it is dropped)."""
        if ticket != self._list:
            return None
        changed, gone = list(self._changed.values()), self._gone
        self.on_its_way, self._changed, self._gone = False, {}, set()
        if page is not None:
            page = [c for c in page if c.id not in gone]
        return page, changed
