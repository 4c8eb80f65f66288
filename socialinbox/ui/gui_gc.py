"""Python's cyclic garbage collector, run on the GUI thread only.

Why: the collector runs on whichever thread happens to allocate past its threshold, and the sync workers allocate the
most. A cycle holding a Qt object (a closed dialog and its slots, a widget and a lambda) collected there deletes the
C++ object on a worker thread, which Qt does not allow: the app crashes, at a random moment. qutebrowser, one of
the model codebases, hit the same and does the same: automatic collection off, and a timer on the GUI thread that
collects each generation when its count passes the threshold Python would have used.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_INTERVAL_MS = 1_000  # what piles up between two checks is a second of allocations, collected together


class GuiThreadCollector(QObject):
    """While it runs, automatic collection is off and ``check`` collects on the thread this object lives in."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = CHECK_INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)

    def start(self, *, hold: bool = False) -> None:
        """Automatic collection off; a check each second from now on, or with ``hold`` from ``release`` on."""
        gc.disable()
        if not hold:
            self._timer.start()

    def release(self) -> None:
        """End a ``hold`` (a start): what exists now lives as long as the app, so it is frozen out of every later
        pass (``gc.freeze``), and the checks begin. Held, a start's first check found a second of imports in the
        youngest generation: a 90 ms pass on the GUI thread that freed a few hundred objects."""
        gc.freeze()
        self._timer.start()

    def stop(self) -> None:
        """Automatic collection as it was before ``start`` (tests build and close many apps in one process)."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()

    def check(self) -> int:
        """Collect the oldest generation whose count passed its threshold (with the younger ones, as Python does);
        how many objects were freed."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                return gc.collect(generation)
        return 0
