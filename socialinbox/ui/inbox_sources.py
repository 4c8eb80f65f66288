"""What each entry of the left column lists: the page query, the order, and which conversations belong."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from socialinbox.domain import Conversation, Status
from socialinbox.storage.paging import InboxView, PageAfter

if TYPE_CHECKING:
    from socialinbox.storage.repository import Repository

VIEW_STATUSES: dict[InboxView, frozenset[Status]] = {
    InboxView.ALL: frozenset({Status.NEEDS_REPLY, Status.WAITING}),
    InboxView.NEEDS_REPLY: frozenset({Status.NEEDS_REPLY}),
    InboxView.WAITING: frozenset({Status.WAITING}),
    InboxView.DONE: frozenset({Status.DONE}),
    InboxView.SNOOZED: frozenset({Status.SNOOZED}),
}


@dataclasses.dataclass(frozen=True)
class InboxSource:
    fetch_page: Callable[[PageAfter | None, int], list[Conversation]]
    page_after: Callable[[Conversation], PageAfter]
    sort_key: Callable[[Conversation], tuple[Any, ...]]
    accepts: Callable[[Conversation], bool]


Sources = Callable[[InboxView, int | None], InboxSource]  # the list for a view, optionally one account's


def inbox_sources(repository: Callable[[], Repository]) -> Sources:
    """Every view's list, with the repository asked for when a list is first read (a start paints before the
    repository opens: docs/performance.md, B4)."""

    def source_for(view: InboxView, account_id: int | None = None) -> InboxSource:
        return inbox_source(repository(), view, account_id)

    return source_for


def inbox_source(repository: Repository, view: InboxView, account_id: int | None = None) -> InboxSource:
    """The list for ``view`` (optionally one account's), matching the repository's keyset order exactly."""

    def fetch_page(after: PageAfter | None, limit: int) -> list[Conversation]:
        return repository.conversations(view, account_id=account_id, limit=limit, after=after)

    def page_after(conversation: Conversation) -> PageAfter:
        return repository.page_after(view, conversation)

    def accepts(conversation: Conversation) -> bool:
        in_account = account_id is None or conversation.account_id == account_id
        return in_account and conversation.status in VIEW_STATUSES[view]

    sort_key = _longest_waiting_first if view is InboxView.NEEDS_REPLY else _newest_first
    return InboxSource(fetch_page, page_after, sort_key, accepts)


def _longest_waiting_first(conversation: Conversation) -> tuple[Any, ...]:
    waiting = conversation.waiting_since or conversation.last_message_at
    return (waiting, conversation.id)


def _newest_first(conversation: Conversation) -> tuple[Any, ...]:
    return (-_seconds(conversation.last_message_at), -conversation.id)


def _seconds(moment: datetime) -> float:
    return moment.timestamp()
