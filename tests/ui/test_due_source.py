"""DueOrder's pages: exactly the full list's order, a due window never split, little work per page (no Qt)."""

from __future__ import annotations

import random
from datetime import time, timedelta
from pathlib import Path
from typing import Any, Unpack

import pytest

from socialinbox.domain import Conversation, Platform, PollResult
from socialinbox.responsetime import BusinessHours, ResponsePolicy
from socialinbox.storage.engine import make_engine, sqlite_url
from socialinbox.storage.migrate import upgrade_to_head
from socialinbox.storage.paging import StreamQuery
from socialinbox.storage.repository import Repository
from socialinbox.triage import Triage, TriageCache
from socialinbox.ui.due_source import DueOrder
from tests.fakes import T0, customer, remote_message


class CountingRepository(Repository):
    """The real repository, counting the due-order stream reads."""

    reads = 0

    def needs_reply_stream(self, **query: Unpack[StreamQuery]) -> list[Conversation]:
        self.reads += 1
        return super().needs_reply_stream(**query)


@pytest.fixture(scope="module")
def triage() -> Triage:
    return Triage()  # VADER's lexicon loads once for the module


@pytest.fixture
def repo(tmp_path: Path) -> CountingRepository:
    engine = make_engine(sqlite_url(tmp_path / "inbox.sqlite3"))
    upgrade_to_head(engine)
    return CountingRepository(engine)


def _add(repo: Repository, platform: Platform, minutes: list[float], text: str = "Do you open on Sunday?") -> None:
    account = next((a.id for a in repo.accounts() if a.platform is platform), None)
    if account is None:
        account = repo.add_account(platform, "@shop", T0).id
    start = len(repo.needs_reply_stream(limit=10_000))
    messages = tuple(
        remote_message(
            f"{platform.value}-{start + n}",
            author=customer(start + n),
            text=text,
            sent_at=T0 + timedelta(minutes=minute),
        )
        for n, minute in enumerate(minutes)
    )
    repo.save_poll(account, PollResult(messages, None), T0)


def _pages(order: DueOrder, limit: int) -> list[list[Conversation]]:
    pages = [order.fetch_page(None, limit)]
    while pages[-1]:
        pages.append(order.fetch_page(order.page_after(pages[-1][-1]), limit))
    return pages[:-1]


def _expected(repo: Repository, order: DueOrder) -> list[int]:
    everything = repo.needs_reply_stream(limit=10_000)
    return [c.id for c in sorted(everything, key=lambda c: (order.sort_key(c), c.id))]


def _ids(pages: list[list[Conversation]]) -> list[int]:
    return [c.id for page in pages for c in page]


def test_a_due_window_bigger_than_one_read_stays_on_one_page(repo: CountingRepository, triage: Triage) -> None:
    _add(repo, Platform.MASTODON, [n / 10 for n in range(30)])  # 30 customers within three minutes: one window
    _add(repo, Platform.MASTODON, [30 + 20 * n for n in range(10)])  # then one every 20 minutes
    order = DueOrder(repo, ResponsePolicy(), TriageCache(triage))
    pages = _pages(order, 5)
    assert len(pages[0]) == 30  # the whole window, though the page asked for 5
    assert _ids(pages) == _expected(repo, order)
    assert [len(page) for page in pages[1:]] == [10]  # the rest came with one read: it is the last page


@pytest.mark.parametrize("limit", [1, 4, 9, 100])
def test_business_hours_and_channel_targets_page_exactly_like_the_full_sort(
    repo: CountingRepository, triage: Triage, limit: int
) -> None:
    rng = random.Random(limit)
    for platform in (Platform.MASTODON, Platform.EMAIL, Platform.TELEGRAM):
        _add(repo, platform, [rng.uniform(0, 3000) for _ in range(15)], text=rng.choice(["Awful!", "Thanks", "Hi"]))
    hours = BusinessHours.on_days("Europe/Berlin", range(5), (time(9), time(12)), (time(13), time(17, 30)))
    policy = ResponsePolicy(
        per_platform={Platform.EMAIL: timedelta(hours=4), Platform.TELEGRAM: timedelta(minutes=20)},
        business_hours=hours,
    )
    order = DueOrder(repo, policy, TriageCache(triage))
    assert _ids(_pages(order, limit)) == _expected(repo, order)


def test_around_the_clock_the_due_time_is_the_policy_s(repo: CountingRepository, triage: Triage) -> None:
    _add(repo, Platform.TELEGRAM, [5, 50, 500])
    _add(repo, Platform.EMAIL, [1, 40, 400])
    policy = ResponsePolicy(per_platform={Platform.TELEGRAM: timedelta(minutes=20)})
    order = DueOrder(repo, policy, TriageCache(triage))
    page = order.fetch_page(None, 100)
    assert [c.id for c in page] == _expected(repo, order)
    assert [order.page_after(c).sort_value for c in page] == sorted(order.due(c) for c in page)
    assert page[0].platform is Platform.TELEGRAM and order.due(page[0]) == T0 + timedelta(minutes=25)


def test_only_the_rows_on_the_page_are_scored_and_one_query_reads_them(
    repo: CountingRepository, triage: Triage
) -> None:
    _add(repo, Platform.MASTODON, [20 * n for n in range(40)])  # one conversation per due window
    cache = TriageCache(triage)
    repo.reads = 0
    page = DueOrder(repo, ResponsePolicy(), cache).fetch_page(None, 10)
    assert len(page) == 10
    assert len(cache) == 10  # a cold cache runs VADER for the page, not for the rows read past it
    assert repo.reads == 1  # the margin read with the page showed where its last window ends


def test_a_conversation_whose_last_message_changes_is_scored_again(repo: CountingRepository, triage: Triage) -> None:
    _add(repo, Platform.MASTODON, [0, 1])  # two neutral questions in one due window: the earlier first
    order = DueOrder(repo, ResponsePolicy(), TriageCache(triage))
    first, second = order.fetch_page(None, 10)
    assert first.waiting_since is not None and second.waiting_since is not None
    assert first.waiting_since < second.waiting_since
    angry = remote_message(
        "angry",
        author=customer(1),
        text="Still broken, this is unacceptable!",
        sent_at=T0 + timedelta(minutes=2),
        in_reply_to="mastodon-1",  # the second customer writes again: same conversation, same waiting time
    )
    repo.save_poll(repo.accounts()[0].id, PollResult((angry,), None), T0)
    now_first, now_second = order.fetch_page(None, 10)
    assert (now_first.id, now_second.id) == (second.id, first.id)
    assert now_first.waiting_since == second.waiting_since and now_first.preview.startswith("Still broken")


def _sort_keys(order: DueOrder, page: list[Conversation]) -> list[tuple[Any, ...]]:
    return [(order.sort_key(c), c.id) for c in page]


def test_each_page_is_in_sort_key_order(repo: CountingRepository, triage: Triage) -> None:
    rng = random.Random(3)
    _add(repo, Platform.MASTODON, [rng.uniform(0, 600) for _ in range(50)], text="Refund please, it broke")
    _add(repo, Platform.MASTODON, [rng.uniform(0, 600) for _ in range(50)])
    order = DueOrder(repo, ResponsePolicy(), TriageCache(triage))
    for page in _pages(order, 7):
        assert _sort_keys(order, page) == sorted(_sort_keys(order, page))
