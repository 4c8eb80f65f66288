"""InboxModel: lazy keyset paging, live upserts that never duplicate a row, roles, and the model tester watching."""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QListView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from socialinbox.domain import Contact, Conversation, Platform, Status, Visibility
from socialinbox.storage.paging import PageAfter
from socialinbox.storage.problems import StorageProblem, StorageUnavailable
from socialinbox.ui.models.conversation_text import preview_line
from socialinbox.ui.models.inbox_model import ConversationRole, InboxModel
from socialinbox.ui.models.page_reading import Deliver

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OPEN = frozenset({Status.NEEDS_REPLY, Status.WAITING})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def conversation(
    conversation_id: int,
    *,
    minutes_ago: float = 0,
    status: Status = Status.NEEDS_REPLY,
    name: str = "",
    preview: str = "Hello, is the shop open today?",
    visibility: Visibility = Visibility.PUBLIC,
    platform: Platform = Platform.MASTODON,
    unread: int = 0,
) -> Conversation:
    contact = Contact(
        id=conversation_id,
        account_id=1,
        remote_id=f"user-{conversation_id}",
        handle=f"@customer{conversation_id}@shop.social",
        display_name=name or f"Customer {conversation_id}",
    )
    sent = NOW - timedelta(minutes=minutes_ago)
    return Conversation(
        id=conversation_id,
        account_id=1,
        platform=platform,
        contact=contact,
        visibility=visibility,
        status=status,
        last_message_at=sent,
        preview=preview,
        waiting_since=sent if status is Status.NEEDS_REPLY else None,
        unread=unread,
    )


def many_conversations(count: int, rng: random.Random) -> list[Conversation]:
    """``count`` conversations with random ages (ties included) and a mix of statuses."""
    statuses = [Status.NEEDS_REPLY] * 6 + [Status.WAITING] * 3 + [Status.DONE]
    return [conversation(i, minutes_ago=rng.randrange(5000), status=rng.choice(statuses)) for i in range(1, count + 1)]


def newest_first(c: Conversation) -> tuple[Any, ...]:
    return position(c.last_message_at, c.id)


def position(moment: datetime, conversation_id: int) -> tuple[int, int]:
    """Newest first, ties by id descending: Repository.conversations' order, as an ascending key."""
    return (-((moment - _EPOCH) // _MICROSECOND), -conversation_id)


def page_after(c: Conversation) -> PageAfter:
    return PageAfter(c.last_message_at, c.id)


def is_open(c: Conversation) -> bool:
    return c.status in OPEN


class FakeStore:
    """An in-memory table answering keyset pages like Repository.conversations(ALL) does."""

    def __init__(self, conversations: Iterable[Conversation] = (), accepts: Callable[[Conversation], bool] = is_open):
        self.by_id = {c.id: c for c in conversations}
        self.accepts = accepts
        self.fetches: list[tuple[PageAfter | None, int]] = []
        self._ordered: list[Conversation] | None = None

    def put(self, *conversations: Conversation) -> None:
        self.by_id.update((c.id, c) for c in conversations)
        self._ordered = None

    def delete(self, conversation_id: int) -> None:
        del self.by_id[conversation_id]
        self._ordered = None

    def ordered(self) -> list[Conversation]:
        if self._ordered is None:
            self._ordered = sorted((c for c in self.by_id.values() if self.accepts(c)), key=newest_first)
        return self._ordered

    def ids(self) -> list[int]:
        return [c.id for c in self.ordered()]

    def fetch_page(self, after: PageAfter | None, limit: int) -> list[Conversation]:
        self.fetches.append((after, limit))
        rows = self.ordered()
        first = (
            0 if after is None else bisect.bisect_right(rows, position(after.sort_value, after.id), key=newest_first)
        )
        return rows[first : first + limit]


class ServerStore(FakeStore):
    """A FakeStore on a team's server that stops answering while ``reachable`` is False."""

    reachable = True

    def fetch_page(self, after: PageAfter | None, limit: int) -> list[Conversation]:
        if not self.reachable:
            raise StorageUnavailable(StorageProblem.SERVER_UNREACHABLE, "The team's database server does not answer.")
        return super().fetch_page(after, limit)


def make_model(store: FakeStore, page_size: int = 100) -> InboxModel:
    return InboxModel(store.fetch_page, page_after, newest_first, store.accepts, page_size, now=lambda: NOW, tz=UTC)


def assert_prefix_of_store(model: InboxModel, store: FakeStore) -> None:
    """The rows are always exactly the start of the full sorted list: no gaps, no duplicates, no strays."""
    ids = model.conversation_ids()
    assert len(ids) == len(set(ids)), "an id appears twice"
    assert ids == store.ids()[: len(ids)]


def fetch_all(model: InboxModel, limit: int = 10_000) -> None:
    for _ in range(limit):
        if not model.canFetchMore(QModelIndex()):
            return
        model.fetchMore(QModelIndex())
    raise AssertionError("fetchMore never ran out of pages")


class SignalLog:
    def __init__(self, model: InboxModel) -> None:
        self.events: list[tuple[Any, ...]] = []
        model.rowsInserted.connect(lambda _p, first, last: self.events.append(("inserted", first, last)))
        model.rowsRemoved.connect(lambda _p, first, last: self.events.append(("removed", first, last)))
        model.rowsMoved.connect(lambda _p, start, _end, _d, row: self.events.append(("moved", start, row)))
        model.dataChanged.connect(lambda top, bottom, _roles=(): self.events.append(("changed", top.row())))
        model.modelReset.connect(lambda: self.events.append(("reset",)))

    def kinds(self) -> list[str]:
        return [event[0] for event in self.events]


@pytest.fixture
def small_store() -> FakeStore:
    # Customer n wrote n minutes ago: id order is display order.
    return FakeStore(conversation(i, minutes_ago=i) for i in range(1, 31))


# --- the model tester --------------------------------------------------------------------------


@pytest.mark.qt_log_level_fail("WARNING")  # Qt's C++ tester reports through qWarning
@pytest.mark.parametrize("force_py", [True, False], ids=["python-tester", "qt-tester"])
def test_model_tester_stays_happy_through_every_kind_of_change(
    qtmodeltester: ModelTester, small_store: FakeStore, force_py: bool
) -> None:
    model = make_model(small_store, page_size=10)
    model.reload()
    qtmodeltester.check(model, force_py=force_py)

    updates = [
        conversation(3, minutes_ago=3, preview="Changed text"),  # in place
        conversation(8, minutes_ago=0.5),  # moves to the top
        conversation(2, minutes_ago=9.5),  # moves down
        conversation(100, minutes_ago=4.5),  # new, inside the loaded rows
        conversation(5, minutes_ago=5, status=Status.DONE),  # leaves the list
    ]
    small_store.put(*updates)
    model.upsert(updates)
    assert_prefix_of_store(model, small_store)
    model.fetchMore(QModelIndex())
    model.remove_ids([4, 6])
    small_store.put(
        conversation(4, minutes_ago=4, status=Status.DONE), conversation(6, minutes_ago=6, status=Status.DONE)
    )
    assert_prefix_of_store(model, small_store)
    fetch_all(model)
    assert model.conversation_ids() == small_store.ids()


@pytest.mark.qt_log_level_fail("WARNING")
@pytest.mark.parametrize("force_py", [True, False], ids=["python-tester", "qt-tester"])
def test_model_tester_watches_reload_and_set_source(
    qtmodeltester: ModelTester, small_store: FakeStore, force_py: bool
) -> None:
    # One page holds everything here: both testers call fetchMore from their modelReset handler before they note
    # the reset as finished, and then fail on their own bookkeeping. Paged fetchMore is watched in the test above.
    model = make_model(small_store, page_size=100)
    model.reload()
    qtmodeltester.check(model, force_py=force_py)

    small_store.put(conversation(31, minutes_ago=0.5))
    model.reload()
    done = FakeStore([conversation(500, status=Status.DONE)], accepts=lambda c: c.status is Status.DONE)
    model.set_source(done.fetch_page, page_after, newest_first, done.accepts)

    assert model.conversation_ids() == [500]


# --- lazy paging -------------------------------------------------------------------------------


def test_reload_loads_only_the_first_page(qapp: Any) -> None:
    store = FakeStore(many_conversations(1000, random.Random(7)))
    model = make_model(store, page_size=100)
    assert model.rowCount() == 0 and store.fetches == []  # nothing is read before reload()

    model.reload()

    assert model.rowCount() == 100
    assert store.fetches == [(None, 100)]
    assert model.canFetchMore(QModelIndex())
    assert model.conversation_ids() == store.ids()[:100]


def test_fetch_more_pages_through_the_store_by_keyset_until_a_short_page(qapp: Any) -> None:
    store = FakeStore(many_conversations(1000, random.Random(8)))
    model = make_model(store, page_size=100)
    model.reload()
    total = len(store.ids())

    fetch_all(model)

    assert model.conversation_ids() == store.ids()
    assert len(store.fetches) == total // 100 + 1
    last_of_each_page = [after for after, _ in store.fetches[1:]]
    expected = [page_after(c) for c in store.ordered()[99::100]]
    assert last_of_each_page == expected[: len(last_of_each_page)]
    assert not model.canFetchMore(QModelIndex())


def test_a_page_the_database_cannot_give_keeps_the_rows_is_told_and_is_asked_for_again(qapp: Any) -> None:
    store = ServerStore(many_conversations(250, random.Random(3)))
    model = make_model(store)
    told: list[str] = []
    model.page_unavailable.connect(told.append)
    model.reload()
    store.reachable = False
    model.fetchMore(QModelIndex())  # Qt calls it from a scroll: nothing may be raised into Qt
    assert model.conversation_ids() == store.ids()[:100]
    assert told == ["The team's database server does not answer."]
    assert model.canFetchMore(QModelIndex())  # the next scroll asks again
    store.reachable = True
    fetch_all(model)
    assert model.conversation_ids() == store.ids()

    store.reachable = False
    model.reload()  # the owner chose the list again while the server was away
    assert model.rowCount() == 0 and not model.canFetchMore(QModelIndex())  # no loop of failing reads
    assert len(told) == 2


# --- later pages read away from the GUI thread --------------------------------------------------


class HeldReader:
    """A ``PageReader`` that keeps each read until the test lets it run, as the task runner would, later."""

    def __init__(self) -> None:
        self.waiting: list[tuple[Callable[[], list[Conversation]], Deliver]] = []

    def __call__(self, read: Callable[[], list[Conversation]], deliver: Deliver) -> None:
        self.waiting.append((read, deliver))

    def read_now(self) -> Callable[[], None]:
        """Read the oldest waiting page now; return the delivery, for the test to make when it wants."""
        read, deliver = self.waiting.pop(0)
        try:
            page, problem = read(), ""
        except StorageUnavailable as error:
            page, problem = None, str(error)
        return lambda: deliver(page, problem)

    def run_all(self) -> None:
        while self.waiting:
            self.read_now()()


def shown_then_read_away(store: FakeStore, page_size: int = 100) -> tuple[InboxModel, HeldReader]:
    """A model whose first page was read at once, as a start reads it, and that reads every page after through the
    returned reader, as once the controller has given it one."""
    model = make_model(store, page_size=page_size)
    model.reload()
    reader = HeldReader()
    model.read_pages_with(reader)
    return model, reader


def second_page_read_but_not_back(store: FakeStore) -> tuple[InboxModel, Callable[[], None]]:
    """A model of pages of 10 whose second page has been read away, and the call that hands it back."""
    model, reader = shown_then_read_away(store, page_size=10)
    model.fetchMore(QModelIndex())
    return model, reader.read_now()


def test_a_later_page_is_read_away_and_asked_for_once_while_on_its_way(qapp: Any) -> None:
    store = FakeStore(many_conversations(1000, random.Random(11)))
    model, reader = shown_then_read_away(store)  # the first page: at once, here (no reader yet)
    assert model.rowCount() == 100 and reader.waiting == []

    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())  # the view asks again before the page came: one read only
    assert len(reader.waiting) == 1 and model.page_on_its_way
    assert not model.canFetchMore(QModelIndex())
    assert model.rowCount() == 100  # nothing read on this thread

    reader.run_all()
    assert model.conversation_ids() == store.ids()[:200]
    assert model.canFetchMore(QModelIndex()) and not model.page_on_its_way


def test_changes_made_while_a_page_was_read_win_over_that_page(qapp: Any, small_store: FakeStore) -> None:
    model, arrive = second_page_read_but_not_back(small_store)  # rows 11-20 as they were
    # Then, before the page is back on the GUI thread, a poll's report: 12 answered (done), 15 changed and moved up.
    changed = [
        conversation(12, minutes_ago=12, status=Status.DONE),
        conversation(15, minutes_ago=0.5, preview="Any news on my order?"),
    ]
    small_store.put(*changed)
    model.upsert(changed)
    arrive()

    assert_prefix_of_store(model, small_store)
    assert 12 not in model.conversation_ids()
    moved = model.conversation_at(0)
    assert moved is not None and (moved.id, moved.preview) == (15, "Any news on my order?")


def test_a_conversation_gone_while_a_page_was_read_does_not_come_back_with_that_page(
    qapp: Any, small_store: FakeStore
) -> None:
    model, arrive = second_page_read_but_not_back(small_store)  # rows 11-20 as they were
    changed = conversation(15, minutes_ago=15, preview="Taking this to a private chat")
    small_store.put(changed)
    model.upsert([changed])  # a change to it came first, and waits for the page
    small_store.delete(15)  # then it joined the customer's earlier chat, say, before the page is back
    model.remove_ids([15])
    arrive()

    assert 15 not in model.conversation_ids()
    assert_prefix_of_store(model, small_store)


def test_a_page_read_for_the_list_before_a_reload_is_dropped(qapp: Any, small_store: FakeStore) -> None:
    model, reader = shown_then_read_away(small_store, page_size=10)
    model.fetchMore(QModelIndex())
    arrive = reader.read_now()
    done = FakeStore([conversation(500, status=Status.DONE)], accepts=lambda c: c.status is Status.DONE)
    model.set_source(done.fetch_page, page_after, newest_first, done.accepts)  # the owner chose "Done"
    arrive()
    assert model.conversation_ids() == []  # "Done"'s own first page is still on its way
    reader.run_all()

    assert model.conversation_ids() == [500]
    assert not model.canFetchMore(QModelIndex())  # "Done" held one row: its keyset was not moved by the old page


def test_a_page_read_away_that_the_database_cannot_give_is_told_and_asked_for_again(qapp: Any) -> None:
    store = ServerStore(many_conversations(250, random.Random(4)))
    model, reader = shown_then_read_away(store)
    told: list[str] = []
    model.page_unavailable.connect(told.append)
    store.reachable = False
    model.fetchMore(QModelIndex())
    reader.run_all()
    assert told == ["The team's database server does not answer."]
    assert model.conversation_ids() == store.ids()[:100] and model.canFetchMore(QModelIndex())
    store.reachable = True
    model.fetchMore(QModelIndex())
    reader.run_all()
    assert model.conversation_ids() == store.ids()[:200]


def test_a_chosen_lists_first_page_is_read_away_and_the_list_is_empty_until_it_is_in(qapp: Any) -> None:
    store = FakeStore(many_conversations(300, random.Random(5)))
    model, reader = shown_then_read_away(store)
    pending: list[bool] = []
    model.first_page_pending.connect(pending.append)
    fetches = len(store.fetches)

    model.set_source(store.fetch_page, page_after, newest_first, store.accepts)  # the owner chose a list
    assert len(store.fetches) == fetches and len(reader.waiting) == 1  # nothing read on this thread
    assert model.rowCount() == 0 and pending == [True]
    assert not model.canFetchMore(QModelIndex())  # the view asks for nothing more meanwhile

    reader.run_all()
    assert model.conversation_ids() == store.ids()[:100] and pending == [True, False]
    assert model.canFetchMore(QModelIndex())


def test_changes_made_while_a_first_page_was_read_win_over_it_and_wait_for_it(qapp: Any) -> None:
    store = FakeStore(many_conversations(300, random.Random(6)))
    model = make_model(store, page_size=100)
    reader = HeldReader()
    model.read_pages_with(reader)
    model.reload()
    arrive = reader.read_now()  # the page as it was when it was read
    first, far = store.ids()[0], store.ids()[-1]  # the newest, and one far beyond the first page
    changed = [conversation(first, minutes_ago=20000, status=Status.DONE), conversation(far, minutes_ago=0.1)]
    store.put(*changed)
    model.upsert(changed)
    assert model.rowCount() == 0  # nothing is shown before the page it belongs among

    arrive()
    assert_prefix_of_store(model, store)
    assert first not in model.conversation_ids() and model.conversation_ids()[0] == far


def test_a_first_page_read_away_that_the_database_cannot_give_is_told_and_read_again_when_chosen(qapp: Any) -> None:
    store = ServerStore(many_conversations(250, random.Random(8)))
    model = make_model(store)
    told: list[str] = []
    pending: list[bool] = []
    model.page_unavailable.connect(told.append)
    model.first_page_pending.connect(pending.append)
    reader = HeldReader()
    model.read_pages_with(reader)
    store.reachable = False
    model.reload()
    reader.run_all()
    assert told == ["The team's database server does not answer."] and pending == [True, False]
    assert model.rowCount() == 0
    assert not model.canFetchMore(QModelIndex())  # the view does not ask a server out of reach again and again

    store.reachable = True
    model.reload()  # the owner chooses the list again
    reader.run_all()
    assert model.conversation_ids() == store.ids()[:100]


@pytest.mark.parametrize("seed", range(4))
def test_random_upserts_while_pages_are_on_their_way_end_as_the_full_sorted_list(qapp: Any, seed: int) -> None:
    rng = random.Random(seed)
    store = FakeStore(many_conversations(1000, rng))
    model = make_model(store, page_size=rng.choice([7, 40, 100]))
    reader = HeldReader()
    model.read_pages_with(reader)
    model.reload()
    ids = list(store.by_id)
    statuses = list(Status)
    arrivals: list[Callable[[], None]] = []
    for _ in range(150):
        step = rng.random()
        if step < 0.2:
            model.fetchMore(QModelIndex())
        elif step < 0.35 and reader.waiting:
            arrivals.append(reader.read_now())  # read now, handed back later
        elif step < 0.5 and arrivals:
            arrivals.pop(0)()
        else:
            batch = []
            for _ in range(rng.randint(1, 60)):
                chosen = rng.choice(ids) if rng.random() > 0.2 else max(ids) + 1
                ids.append(chosen)
                batch.append(conversation(chosen, minutes_ago=rng.randrange(5000), status=rng.choice(statuses)))
            store.put(*batch)
            model.upsert(batch)
        if not model.page_on_its_way:
            assert_prefix_of_store(model, store)
    for arrive in arrivals:
        arrive()
    reader.run_all()
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
        reader.run_all()
    assert model.conversation_ids() == store.ids()


def test_a_list_view_fetches_only_the_pages_it_scrolls_to(qtbot: QtBot) -> None:
    store = FakeStore(many_conversations(1000, random.Random(9)))
    model = make_model(store, page_size=100)
    model.reload()
    view = QListView()
    qtbot.addWidget(view)
    view.setUniformItemSizes(True)
    view.setLayoutMode(QListView.LayoutMode.Batched)
    view.setModel(model)
    view.resize(300, 400)
    view.show()
    qtbot.waitExposed(view)
    assert len(store.fetches) == 1
    assert model.rowCount() == 100

    view.scrollToBottom()
    qtbot.waitUntil(lambda: len(store.fetches) >= 2)

    assert model.rowCount() == 100 * len(store.fetches)
    assert_prefix_of_store(model, store)


def test_a_page_with_no_accepted_rows_still_moves_the_keyset_on(qapp: Any) -> None:
    """A source that returns rows ``accepts`` refuses must not make fetchMore ask for the same page forever."""
    store = FakeStore(conversation(i, minutes_ago=i) for i in range(1, 51))
    model = InboxModel(store.fetch_page, page_after, newest_first, lambda c: c.id > 40, page_size=10)

    model.reload()
    fetch_all(model, limit=10)

    assert model.conversation_ids() == list(range(41, 51))


# --- upsert ------------------------------------------------------------------------------------


def test_upsert_updates_a_row_in_place_when_its_position_is_unchanged(qapp: Any, small_store: FakeStore) -> None:
    model = make_model(small_store, page_size=10)
    model.reload()
    log = SignalLog(model)

    model.upsert([conversation(3, minutes_ago=3.2, preview="Any news?", unread=2)])

    assert log.events == [("changed", 2)]
    changed = model.conversation_at(2)
    assert changed is not None and changed.preview == "Any news?"


def test_upsert_moves_a_row_whose_sort_key_changed(qapp: Any, small_store: FakeStore) -> None:
    model = make_model(small_store, page_size=10)
    model.reload()
    log = SignalLog(model)

    model.upsert([conversation(7, minutes_ago=0)])  # the customer wrote again: to the top
    model.upsert([conversation(2, minutes_ago=8.5)])  # down, between customers 8 and 9

    assert model.conversation_ids() == [7, 1, 3, 4, 5, 6, 8, 2, 9, 10]
    assert log.kinds() == ["moved", "changed", "moved", "changed"]
    assert log.events[0] == ("moved", 6, 0)
    assert log.events[2] == ("moved", 2, 8)  # Qt's destination counts rows before the move


def test_a_new_conversation_is_inserted_where_it_sorts(qapp: Any, small_store: FakeStore) -> None:
    model = make_model(small_store, page_size=10)
    model.reload()
    log = SignalLog(model)
    new = conversation(99, minutes_ago=4.5)
    small_store.put(new)

    model.upsert([new])

    assert model.row_of(99) == 4
    assert log.events == [("inserted", 4, 4)]
    assert_prefix_of_store(model, small_store)


def test_a_new_conversation_beyond_the_loaded_pages_is_left_for_fetch_more(qapp: Any, small_store: FakeStore) -> None:
    model = make_model(small_store, page_size=10)
    model.reload()
    old = conversation(99, minutes_ago=25.5)
    small_store.put(old)

    model.upsert([old])
    assert model.row_of(99) is None

    fetch_all(model)
    assert model.conversation_ids().count(99) == 1
    assert model.conversation_ids() == small_store.ids()


def test_once_everything_is_loaded_new_conversations_go_anywhere(qapp: Any, small_store: FakeStore) -> None:
    model = make_model(small_store, page_size=100)
    model.reload()
    assert not model.canFetchMore(QModelIndex())
    oldest = conversation(99, minutes_ago=500)
    small_store.put(oldest)

    model.upsert([oldest])

    assert model.conversation_ids()[-1] == 99


def test_a_conversation_that_no_longer_belongs_is_removed(qapp: Any, small_store: FakeStore) -> None:
    model = make_model(small_store, page_size=10)
    model.reload()
    log = SignalLog(model)

    model.upsert([conversation(4, minutes_ago=4, status=Status.DONE), conversation(200, status=Status.DONE)])

    assert model.row_of(4) is None
    assert 200 not in model.conversation_ids()
    assert log.events == [("removed", 3, 3)]


def test_a_row_that_moves_beyond_the_loaded_pages_leaves_and_returns_once_fetched(
    qapp: Any, small_store: FakeStore
) -> None:
    model = make_model(small_store, page_size=10)
    model.reload()
    moved = conversation(10, minutes_ago=27.5)  # the last loaded row, now older than unloaded ones
    small_store.put(moved)

    model.upsert([moved])
    assert model.row_of(10) is None
    assert_prefix_of_store(model, small_store)

    fetch_all(model)
    assert model.conversation_ids() == small_store.ids()


def test_fetch_more_merges_a_shown_conversation_by_id(qapp: Any, small_store: FakeStore) -> None:
    """The store changed before its sync report arrived: the next page brings a row the model already shows."""
    model = make_model(small_store, page_size=10)
    model.reload()
    small_store.put(conversation(2, minutes_ago=12.5))  # no upsert: the report is still on its way

    model.fetchMore(QModelIndex())

    ids = model.conversation_ids()
    assert ids.count(2) == 1
    assert len(ids) == 19  # the page of ten brought customer 2 again, in its new place
    assert_prefix_of_store(model, small_store)


def test_hundreds_of_adjacent_new_rows_arrive_in_one_insert_signal(qapp: Any, small_store: FakeStore) -> None:
    model = make_model(small_store, page_size=100)
    model.reload()
    log = SignalLog(model)
    newest = [conversation(1000 + i, minutes_ago=0.5 + i / 1000) for i in range(300)]
    scattered = [conversation(2000 + i, minutes_ago=i + 0.5) for i in range(1, 6)]
    small_store.put(*newest, *scattered)

    model.upsert(list(reversed(newest)) + scattered)

    assert log.events[0] == ("inserted", 0, 299)
    assert len(log.events) == 1 + len(scattered)
    assert model.conversation_ids() == small_store.ids()


def test_the_last_version_of_an_id_in_one_batch_wins(qapp: Any, small_store: FakeStore) -> None:
    model = make_model(small_store, page_size=100)
    model.reload()

    model.upsert(
        [conversation(50, minutes_ago=1.5, preview="first"), conversation(50, minutes_ago=2.5, preview="second")]
    )

    assert model.conversation_ids().count(50) == 1
    row = model.row_of(50)
    assert row is not None
    kept = model.conversation_at(row)
    assert kept is not None and kept.preview == "second"


@pytest.mark.parametrize("seed", range(4))
def test_random_upserts_between_fetches_always_match_the_full_sorted_list(qapp: Any, seed: int) -> None:
    rng = random.Random(seed)
    store = FakeStore(many_conversations(1000, rng))
    model = make_model(store, page_size=rng.choice([7, 40, 100]))
    model.reload()
    ids = list(store.by_id)
    statuses = list(Status)
    for _ in range(120):
        if rng.random() < 0.3:
            model.fetchMore(QModelIndex())
        else:
            batch = []
            for _ in range(rng.randint(1, 60)):
                if rng.random() < 0.2:
                    ids.append(max(ids) + 1)
                    chosen = ids[-1]
                else:
                    chosen = rng.choice(ids)
                batch.append(conversation(chosen, minutes_ago=rng.randrange(5000), status=rng.choice(statuses)))
            store.put(*batch)
            model.upsert(batch)
        assert_prefix_of_store(model, store)
    fetch_all(model)
    assert model.conversation_ids() == store.ids()


# --- removal, lookups, source ------------------------------------------------------------------


def test_remove_ids_removes_adjacent_rows_together_and_ignores_unknown_ids(qapp: Any, small_store: FakeStore) -> None:
    model = make_model(small_store, page_size=10)
    model.reload()
    log = SignalLog(model)

    model.remove_ids([3, 4, 5, 8, 12345])

    assert model.conversation_ids() == [1, 2, 6, 7, 9, 10]
    assert log.events == [("removed", 7, 7), ("removed", 2, 4)]


def test_lookups_by_row_and_by_id(qapp: Any, small_store: FakeStore) -> None:
    model = make_model(small_store, page_size=10)
    model.reload()

    first = model.conversation_at(0)
    assert first is not None and first.id == 1
    assert model.conversation_at(10) is None and model.conversation_at(-1) is None
    assert model.row_of(7) == 6 and model.row_of(11) is None


def test_set_source_shows_another_list_from_its_first_page(qapp: Any, small_store: FakeStore) -> None:
    model = make_model(small_store, page_size=10)
    model.reload()
    log = SignalLog(model)
    other = FakeStore([conversation(500, status=Status.DONE)], accepts=lambda c: c.status is Status.DONE)

    model.set_source(other.fetch_page, page_after, newest_first, other.accepts)

    assert model.conversation_ids() == [500]
    assert log.kinds() == ["reset"]
    model.upsert([conversation(1, minutes_ago=1)])  # belongs to the old list only
    assert model.conversation_ids() == [500]


# --- roles -------------------------------------------------------------------------------------


def test_roles_give_the_conversation_its_row_text_and_a_spoken_sentence(qapp: Any) -> None:
    anna = conversation(1, minutes_ago=12, name="Anna", preview="\n  Do you ship to Norway?\nThanks!", unread=2)
    model = make_model(FakeStore([anna]))
    model.reload()
    index = model.index(0)

    assert index.data(ConversationRole) == anna
    assert index.data(Qt.ItemDataRole.DisplayRole) == "Anna — Do you ship to Norway?"
    assert index.data(Qt.ItemDataRole.AccessibleTextRole) == (
        "Public message from Anna on Mastodon, 12 minutes ago, needs reply, 2 unread: Do you ship to Norway?"
    )
    assert model.roleNames()[ConversationRole].data() == b"conversation"
    assert model.data(model.index(5)) is None
    assert not model.flags(index) & Qt.ItemFlag.ItemIsEditable


def test_tooltip_shows_customer_markup_as_plain_text(qapp: Any) -> None:
    sneaky = "<b>bold</b> <img src='https://tracker.example/x.png'> & more"
    model = make_model(FakeStore([conversation(1, name="<i>Eve</i>", preview=sneaky, visibility=Visibility.PRIVATE)]))
    model.reload()

    tooltip = model.index(0).data(Qt.ItemDataRole.ToolTipRole)
    document = QTextDocument()
    document.setHtml(tooltip)

    assert sneaky in document.toPlainText()
    assert "<i>Eve</i>" in document.toPlainText()
    assert "<img" not in tooltip and "<b>" not in tooltip
    assert "private" in document.toPlainText()


def test_preview_line_skips_blank_lines() -> None:
    assert preview_line(conversation(1, preview="\n \nsecond line\nthird")) == "second line"
    assert preview_line(conversation(1, preview="")) == ""
