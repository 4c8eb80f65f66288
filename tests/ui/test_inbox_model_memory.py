"""What the inbox model holds per loaded row besides the conversations themselves (docs/performance.md, B5), and the
comparisons its compact rows must never make."""

from __future__ import annotations

import dataclasses
import gc
import tracemalloc
from typing import Any

from tests.ui.test_inbox_model import FakeStore, assert_prefix_of_store, conversation, fetch_all, make_model

ROWS = 3000
# Measured with this test's sort key (two ints): about 195 bytes a row (one flat tuple, the two ints, a dict entry and
# a list slot); the three parallel structures it replaced took about 240.
MAX_BYTES_PER_ROW = 215


def test_a_loaded_row_costs_the_model_little_beyond_its_conversation(qapp: Any) -> None:
    store = FakeStore(conversation(i, minutes_ago=i) for i in range(1, ROWS + 1))
    store.ordered()  # the store's own sorted copy is built before counting
    model = make_model(store)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        model.reload()
        fetch_all(model)
        gc.collect()  # also empties the free lists that keep freed tuples (the sort keys' own) for reuse
        held = tracemalloc.get_traced_memory()[0] - before - _store_bookkeeping(store)
    finally:
        tracemalloc.stop()

    assert model.rowCount() == ROWS
    assert held / ROWS <= MAX_BYTES_PER_ROW


def _store_bookkeeping(store: FakeStore) -> int:
    """The fake store's log of its fetches, which the model does not hold."""
    return sum(112 + 16 for _ in store.fetches)  # a (PageAfter, limit) tuple and a PageAfter each, about


def test_a_changed_conversation_with_an_unchanged_sort_key_is_replaced_in_place(qapp: Any) -> None:
    # Same key and id: the row's position is found without comparing the two versions (conversations do not order).
    store = FakeStore(conversation(i, minutes_ago=i) for i in range(1, 31))
    model = make_model(store, page_size=10)
    model.reload()
    old = model.conversation_at(4)
    assert old is not None

    model.upsert([dataclasses.replace(old, preview="Still there?", unread=3)])

    changed = model.conversation_at(4)
    assert changed is not None and (changed.id, changed.preview, changed.unread) == (old.id, "Still there?", 3)
    assert model.row_of(old.id) == 4


def test_the_last_row_of_the_last_page_stays_when_it_changes_without_moving(qapp: Any) -> None:
    # The boundary is that row's own key: a new version with the same key is inside it, not beyond.
    store = FakeStore(conversation(i, minutes_ago=i) for i in range(1, 31))
    model = make_model(store, page_size=10)
    model.reload()
    last = model.conversation_at(9)
    assert last is not None
    newer = dataclasses.replace(last, preview="Hello again")
    store.put(newer)

    model.upsert([newer])

    assert model.rowCount() == 10 and model.conversation_at(9) == newer
    fetch_all(model)
    assert_prefix_of_store(model, store)
    assert model.rowCount() == 30
