"""A big batch of upserts applied in slices on the GUI thread, the rest on the next turns of the event loop.

Working out the sort key of every conversation (due time and triage) took a 10,000-message sync a quarter of a
second of the GUI thread (docs/performance.md, B6). A batch of more than ``SLICED_ABOVE`` is applied for about
``SLICE_S`` at a time; smaller batches at once, as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QTimer

from socialinbox.domain import Conversation

SLICE_S = 0.010  # the longest one slice of a big batch of upserts may hold the GUI thread
SLICED_ABOVE = 400  # conversations in one batch; fewer are applied at once

# Applies conversations in order until the deadline (``time.perf_counter()``); returns the ones left for later.
ApplyUntil = Callable[[list[Conversation], float], list[Conversation]]


class UpsertSlices(QObject):
    """The upserts waiting for a later slice, newest version of each. A QObject child of the model, so that a slice
    scheduled for a model that is gone is never run."""

    def __init__(self, apply_until: ApplyUntil, parent: QObject) -> None:
        super().__init__(parent)
        self._apply_until = apply_until
        self._waiting: dict[int, Conversation] = {}
        self._scheduled = False

    def apply(self, conversations: list[Conversation]) -> None:
        """Apply ``conversations`` (one version of each): at once, or a slice now and the rest later."""
        self.forget(c.id for c in conversations)  # this version is newer than any still waiting
        deadline = time.perf_counter() + SLICE_S if len(conversations) > SLICED_ABOVE else float("inf")
        self._wait_for_later(self._apply_until(conversations, deadline))

    def forget(self, ids: Iterable[int]) -> None:
        """Those conversations are not applied later (a newer version came, or they are gone)."""
        for conversation_id in ids:
            self._waiting.pop(conversation_id, None)

    def clear(self) -> None:
        self._waiting = {}

    @property
    def settled(self) -> bool:
        return not self._waiting

    def _wait_for_later(self, conversations: list[Conversation]) -> None:
        for conversation in conversations:
            self._waiting[conversation.id] = conversation
        if self._waiting and not self._scheduled:
            self._scheduled = True
            QTimer.singleShot(0, self._next_slice)

    def _next_slice(self) -> None:
        self._scheduled = False
        waiting, self._waiting = list(self._waiting.values()), {}
        self._wait_for_later(self._apply_until(waiting, time.perf_counter() + SLICE_S))
