"""Which customers' messages in a team's shared database this copy has not yet told its owner about.

Every copy of the app polls every account, and the copy that stores a customer's message first tells its own owner
(a desktop notification); the others find the message already stored, and their polls report nothing new. So each
team refresh also reads the customers' messages stored above a floor, and tells of those that neither path (this
copy's own poll, an earlier refresh) has told yet.

The floor trails the newest message id read by ``SETTLE``: PostgreSQL gives a row its id when a transaction inserts
it, so a slower transaction can commit a lower id after a higher one was read. Reading the last two minutes' ids
again catches those, and the ids told are remembered above the floor, so none is told twice.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

SETTLE = timedelta(minutes=2)  # far longer than a poll's transaction, which stores a page of messages at once


class TeamNews:
    def __init__(self, now: Callable[[], datetime], settle: timedelta = SETTLE) -> None:
        self._now = now
        self._settle = settle
        self._marks: deque[tuple[datetime, int]] = deque()  # (when read, the newest message id then), oldest first
        self._told: set[int] = set()

    @property
    def floor(self) -> int | None:
        """Read the customers' messages above this id; None before the first reading, which only marks where the
        database stands (what was stored before it is not news)."""
        if not self._marks:
            return None
        cutoff = self._now() - self._settle
        floor = self._marks[0][1]
        for read_at, newest in self._marks:
            if read_at > cutoff:
                break
            floor = newest
        return floor

    def told(self) -> frozenset[int]:
        """The ids told so far above the floor (a copy for the task runner, which reads without the GUI thread)."""
        return frozenset(self._told)

    def unheard(self, message_ids: Iterable[int]) -> list[int]:
        """These ids less those told already; from now on they count as told."""
        fresh = [message_id for message_id in message_ids if message_id not in self._told]
        self._told.update(fresh)
        return fresh

    def read_up_to(self, newest_id: int) -> None:
        """A reading saw the database up to ``newest_id``; marks and ids the floor has passed are forgotten."""
        if self._marks:  # ids only grow; a reading that saw fewer (a teammate deleted some) moves no mark back
            newest_id = max(newest_id, self._marks[-1][1])
        self._marks.append((self._now(), newest_id))
        cutoff = self._now() - self._settle
        while len(self._marks) > 1 and self._marks[1][0] <= cutoff:  # the next mark is old enough to be the floor
            self._marks.popleft()
        floor = self.floor
        if floor is not None:
            self._told = {message_id for message_id in self._told if message_id > floor}
