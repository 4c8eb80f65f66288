"""The clock's tick over a fake-clock timeline: each reminder once, no storm at start, snoozes, away replies."""

from __future__ import annotations

from collections import Counter
from datetime import time, timedelta
from pathlib import Path

import pytest

from socialinbox.domain import Conversation, Platform, PollResult, Status
from socialinbox.responsetime import BusinessHours, ReminderKind, ResponsePolicy
from socialinbox.settings import Settings
from socialinbox.storage.repository import Repository
from socialinbox.sync.reminders import ClockTick, FollowUps, ReminderBatch, away_replies_from
from socialinbox.templates import load_default_templates
from tests.conftest import FakeClock
from tests.fakes import T0, customer, make_repository, remote_message

MIN = timedelta(minutes=1)
POLICY = ResponsePolicy()


@pytest.fixture
def repo(tmp_path: Path, database_url: str) -> Repository:
    return make_repository(tmp_path, database_url)


def _customer_writes(repo: Repository, account: int, n: int, at) -> int:  # type: ignore[no-untyped-def]
    message = remote_message(f"m{n}", author=customer(n), sent_at=at, thread_key=f"t{n}")
    return repo.save_poll(account, PollResult((message,), None), at).conversations[0].id


def _run(tick: ClockTick, clock: FakeClock, minutes: int) -> list[tuple[int, int, ReminderKind]]:
    """Tick every 30 s like the scheduler; (minute, conversation, kind) for each reminder delivered."""
    delivered = []
    for half_minute in range(minutes * 2):
        for result in tick():
            if isinstance(result, ReminderBatch):
                delivered += [(half_minute // 2, r.conversation_id, r.kind) for r in result.reminders]
        clock.advance(seconds=30)
    return delivered


def test_each_reminder_is_delivered_once_over_a_timeline(repo: Repository, clock: FakeClock) -> None:
    account = repo.add_account(Platform.DEMO, "@shop", T0).id
    tick = ClockTick(repo, clock, lambda: POLICY)
    first = _customer_writes(repo, account, 1, T0)
    second = _customer_writes(repo, account, 2, T0 + 20 * MIN)
    delivered = _run(tick, clock, 120)
    assert set(Counter((cid, kind) for _m, cid, kind in delivered).values()) == {1}
    assert [(m, cid, kind) for m, cid, kind in delivered] == [
        (45, first, ReminderKind.AT_RISK),
        (60, first, ReminderKind.OVERDUE),
        (65, second, ReminderKind.AT_RISK),
        (80, second, ReminderKind.OVERDUE),
    ]


def test_reminders_whose_moment_passed_before_start_up_stay_quiet(repo: Repository, clock: FakeClock) -> None:
    account = repo.add_account(Platform.DEMO, "@shop", T0).id
    stale = [_customer_writes(repo, account, n, T0 - timedelta(hours=3)) for n in range(5)]  # overdue all weekend
    clock.set(T0)
    tick = ClockTick(repo, clock, lambda: POLICY)  # the app starts now
    fresh = _customer_writes(repo, account, 9, T0 - 40 * MIN)  # at risk 5 minutes after start
    delivered = _run(tick, clock, 30)
    assert [(cid, kind) for _m, cid, kind in delivered] == [
        (fresh, ReminderKind.AT_RISK),
        (fresh, ReminderKind.OVERDUE),
    ]
    assert not any(cid in stale for _m, cid, _k in delivered)


def test_snoozed_conversation_comes_back_with_one_reminder(repo: Repository, clock: FakeClock) -> None:
    account = repo.add_account(Platform.DEMO, "@shop", T0).id
    tick = ClockTick(repo, clock, lambda: POLICY)
    cid = _customer_writes(repo, account, 1, T0)
    repo.snooze(cid, T0 + 70 * MIN)  # at risk and overdue while snoozed
    woken: list[Conversation] = []
    delivered = []
    for half_minute in range(2 * 90):
        for result in tick():
            if isinstance(result, Conversation):
                woken.append(result)
            elif isinstance(result, ReminderBatch):
                delivered += [(half_minute // 2, r.kind) for r in result.reminders]
        clock.advance(seconds=30)
    assert [c.status for c in woken] == [Status.NEEDS_REPLY]
    assert delivered == [(70, ReminderKind.SNOOZE_OVER)]  # the overdue transition stayed quiet while snoozed


def test_a_promised_follow_up_reminds_once_and_is_listed_for_the_badges(repo: Repository, clock: FakeClock) -> None:
    account = repo.add_account(Platform.DEMO, "@shop", T0).id
    tick = ClockTick(repo, clock, lambda: POLICY)
    cid = _customer_writes(repo, account, 1, T0)
    repo.set_follow_up(cid, T0 + 10 * MIN)
    repo.mark_read(cid)
    results = tick()
    assert FollowUps({cid: T0 + 10 * MIN}) in results
    delivered = _run(tick, clock, 15)
    assert [(m, kind) for m, _cid, kind in delivered] == [(10, ReminderKind.FOLLOW_UP)]
    assert not any(isinstance(r, FollowUps) for r in tick())  # unchanged: not sent again


def test_away_reply_goes_once_per_closed_period_and_the_clock_keeps_running(repo: Repository, clock: FakeClock) -> None:
    hours = BusinessHours.on_days("UTC", range(7), (time(9), time(17)))
    policy = ResponsePolicy(business_hours=hours)
    settings = Settings(away_reply_enabled=True, business_hours="Mon-Sun 09:00-17:00", shop_name="Crumb & Co.")
    away = away_replies_from(lambda: settings, load_default_templates)
    account = repo.add_account(Platform.DEMO, "@shop", T0).id
    evening = T0.replace(hour=19)
    clock.set(evening)
    tick = ClockTick(repo, clock, lambda: policy, away_text=away)
    cid = _customer_writes(repo, account, 1, evening)
    for _ in range(3):
        tick()
        clock.advance(minutes=5)
    queued = repo.outbox(cid)
    assert len(queued) == 1 and "closed right now" in queued[0].text
    assert repo.conversation(cid).status is Status.NEEDS_REPLY  # an acknowledgement is not an answer
    again = remote_message("m1b", author=customer(1), sent_at=evening + timedelta(hours=1), thread_key="t1")
    repo.save_poll(account, PollResult((again,), None), evening)
    clock.set(evening + timedelta(hours=1, minutes=5))
    tick()
    assert len(repo.outbox(cid)) == 1  # same closed period: no second away reply
    clock.set(T0.replace(hour=10) + timedelta(days=1))  # open again: nothing is sent while open
    tick()
    assert len(repo.outbox(cid)) == 1
    clock.set(T0.replace(hour=18) + timedelta(days=1))  # the next evening, a new closed period, customer wrote again
    repo.save_poll(
        account,
        PollResult((remote_message("m1c", author=customer(1), sent_at=clock.now(), thread_key="t1"),), None),
        T0,
    )
    tick()
    assert [item.text[:2] for item in repo.outbox(cid)] == ["Hi", "Hi"]
    claimed = repo.claim_due_replies(clock.now())
    assert {c.item.id for c in claimed} == {item.id for item in repo.outbox(cid)}


def test_away_replies_are_off_by_default(repo: Repository, clock: FakeClock) -> None:
    policy = ResponsePolicy(business_hours=BusinessHours.on_days("UTC", range(7), (time(9), time(17))))
    account = repo.add_account(Platform.DEMO, "@shop", T0).id
    clock.set(T0.replace(hour=20))
    tick = ClockTick(repo, clock, lambda: policy, away_text=away_replies_from(Settings, load_default_templates))
    cid = _customer_writes(repo, account, 1, clock.now())
    tick()
    assert repo.outbox(cid) == []
