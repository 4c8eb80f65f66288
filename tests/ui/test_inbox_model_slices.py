"""A sync that brings thousands of conversations reaches the inbox list in slices, never in one long freeze."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QModelIndex
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from socialinbox.domain import Conversation, Status
from socialinbox.ui.models.inbox_model import InboxModel
from socialinbox.ui.models.upsert_slices import SLICE_S, SLICED_ABOVE
from tests.ui.test_inbox_model import (
    NOW,
    FakeStore,
    assert_prefix_of_store,
    conversation,
    fetch_all,
    newest_first,
    page_after,
)


def slow_model(store: FakeStore, delay_s: float = 0.0002) -> InboxModel:
    """Each sort key costs ``delay_s``, like the due-and-triage order of "Needs reply" does."""

    def slow_key(c: Conversation) -> tuple[Any, ...]:
        time.sleep(delay_s)
        return newest_first(c)

    return InboxModel(store.fetch_page, page_after, slow_key, store.accepts, 100, now=lambda: NOW)


def big_batch(store: FakeStore, count: int = 1200) -> list[Conversation]:
    batch = [conversation(10_000 + i, minutes_ago=(i % 400) / 7) for i in range(count)]
    store.put(*batch)
    return batch


def test_a_big_batch_is_applied_in_slices_and_ends_exactly_like_the_store(qtbot: QtBot) -> None:
    store = FakeStore(conversation(i, minutes_ago=i) for i in range(1, 31))
    model = slow_model(store)
    model.reload()
    batch = big_batch(store)

    started = time.perf_counter()
    model.upsert(batch)
    blocked = time.perf_counter() - started

    assert not model.settled()
    assert blocked < SLICE_S + 0.05  # one slice, not the whole batch (1200 keys at 0.2 ms would be 0.24 s)
    qtbot.waitUntil(model.settled, timeout=10_000)
    assert_prefix_of_store(model, store)
    fetch_all(model)
    assert model.conversation_ids() == store.ids()


def test_small_batches_still_apply_at_once(qtbot: QtBot) -> None:
    store = FakeStore(conversation(i, minutes_ago=i) for i in range(1, 31))
    model = slow_model(store)
    model.reload()

    model.upsert(big_batch(store, count=SLICED_ABOVE))

    assert model.settled()
    assert_prefix_of_store(model, store)


def test_a_newer_version_overtakes_the_same_conversation_still_waiting(qtbot: QtBot) -> None:
    store = FakeStore(conversation(i, minutes_ago=i) for i in range(1, 31))
    model = slow_model(store)
    model.reload()
    batch = big_batch(store)
    model.upsert(batch)
    waiting = batch[-1]  # the last of the batch is certainly not applied yet
    done = conversation(waiting.id, minutes_ago=0, status=Status.DONE)
    store.put(done)

    model.upsert([done])  # e.g. the owner marked it done while the sync was still landing

    qtbot.waitUntil(model.settled, timeout=10_000)
    assert model.row_of(waiting.id) is None
    assert_prefix_of_store(model, store)


def test_reloading_drops_what_was_still_waiting(qtbot: QtBot) -> None:
    store = FakeStore(conversation(i, minutes_ago=i) for i in range(1, 31))
    model = slow_model(store)
    model.reload()
    model.upsert(big_batch(store))

    model.reload()

    assert model.settled()
    qtbot.wait(50)
    assert_prefix_of_store(model, store)


def test_the_model_tester_watches_slices_land(qtmodeltester: ModelTester, qtbot: QtBot) -> None:
    store = FakeStore(conversation(i, minutes_ago=i) for i in range(1, 31))
    model = slow_model(store, delay_s=0.0001)
    model.reload()
    qtmodeltester.check(model, force_py=False)  # Qt's own tester: the Python one re-checks every row per signal
    model.upsert(big_batch(store, count=SLICED_ABOVE + 50))
    qtbot.waitUntil(model.settled, timeout=30_000)
    model.fetchMore(QModelIndex())
    assert_prefix_of_store(model, store)


def test_a_conversation_gone_while_a_big_batch_is_applied_is_not_brought_back_by_its_later_slices(
    qtbot: QtBot,
) -> None:
    store = FakeStore(conversation(i, minutes_ago=i) for i in range(1, 31))
    model = slow_model(store)
    model.reload()
    batch = big_batch(store)
    model.upsert(batch)
    assert not model.settled()
    waiting = batch[-1].id  # the last of the batch: still waiting for a later slice
    assert model.row_of(waiting) is None
    store.delete(waiting)
    model.remove_ids([waiting])

    qtbot.waitUntil(model.settled, timeout=10_000)
    assert model.row_of(waiting) is None
    fetch_all(model)
    assert model.conversation_ids() == store.ids()
