"""Cycles are collected on the GUI thread only while the app runs, never on a worker that allocates a lot."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest
from pytestqt.qtbot import QtBot

from socialinbox.ui.gui_gc import GuiThreadCollector


class _Cycle:
    """Garbage that only the cyclic collector can free, and that says on which thread it was freed."""

    freed_on: ClassVar[list[str]] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.freed_on.append(threading.current_thread().name)


@pytest.fixture
def collector(qtbot: QtBot) -> Iterator[GuiThreadCollector]:
    gc.collect()
    _Cycle.freed_on.clear()
    made = GuiThreadCollector(interval_ms=20)
    made.start()
    yield made
    made.stop()


def _churn_on_a_worker() -> None:
    def allocate() -> None:
        held = [[] for _ in range(5_000)]  # live containers: far past generation 0's threshold of 700
        held.clear()

    worker = threading.Thread(target=allocate, name="worker")
    worker.start()
    worker.join()


def test_a_worker_allocating_a_lot_does_not_collect_cycles(collector: GuiThreadCollector) -> None:
    assert not gc.isenabled()
    _Cycle()
    _churn_on_a_worker()
    assert _Cycle.freed_on == []  # with automatic collection on, the worker would have freed it


def test_the_timer_collects_them_on_the_gui_thread(collector: GuiThreadCollector, qtbot: QtBot) -> None:
    for _ in range(1_000):  # past generation 0's threshold
        _Cycle()
    qtbot.waitUntil(lambda: len(_Cycle.freed_on) == 1_000, timeout=2_000)
    assert set(_Cycle.freed_on) == {threading.main_thread().name}


def test_nothing_is_collected_below_the_threshold(collector: GuiThreadCollector) -> None:
    gc.collect()
    _Cycle()
    assert collector.check() == 0 and _Cycle.freed_on == []


def test_stopping_gives_back_automatic_collection() -> None:
    assert gc.isenabled()
    collector = GuiThreadCollector()
    collector.start()
    assert not gc.isenabled()
    collector.stop()
    assert gc.isenabled()


def test_held_it_collects_nothing_until_released_which_freezes_what_lives_and_starts_the_checks(qtbot: QtBot) -> None:
    gc.collect()
    _Cycle.freed_on.clear()
    collector = GuiThreadCollector(interval_ms=20)
    collector.start(hold=True)
    try:
        for _ in range(1_000):  # past generation 0's threshold: a start's imports are not scanned while it builds
            _Cycle()
        qtbot.wait(100)
        assert _Cycle.freed_on == [] and not gc.isenabled()
        collector.release()
        assert gc.get_freeze_count() > 0  # what the start made is out of every later pass
        _Cycle.freed_on.clear()
        for _ in range(1_000):
            _Cycle()
        qtbot.waitUntil(lambda: len(_Cycle.freed_on) == 1_000, timeout=2_000)
    finally:
        collector.stop()
        gc.unfreeze()
        gc.collect()
