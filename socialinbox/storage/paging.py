"""The inbox's lists and keyset positions, without the database: the window imports these before the first paint,
when SQLAlchemy is not loaded yet (docs/performance.md, B4)."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import TypedDict

from socialinbox.domain import Platform


class InboxView(enum.StrEnum):
    ALL = "all"  # everything that is not done or snoozed
    NEEDS_REPLY = "needs-reply"
    WAITING = "waiting"
    DONE = "done"
    SNOOZED = "snoozed"


class StreamQuery(TypedDict, total=False):
    """The keywords of ``needs_reply_stream`` (``Repository``, ``FirstScreen``), for those that pass them on."""

    only: Collection[Platform] | None  # these platforms only (None: all)
    exclude: Collection[Platform]
    account_id: int | None
    after: tuple[datetime, int] | None  # keyset: (waiting_since, id) of the last row read
    limit: int


@dataclasses.dataclass(frozen=True, slots=True)
class PageAfter:
    """Keyset position: the sort value and id of the last row of the previous page."""

    sort_value: datetime
    id: int


@dataclasses.dataclass(frozen=True, slots=True)
class InboxCounts:
    by_view: Mapping[InboxView, int]
    needs_reply_by_account: Mapping[int, int]
