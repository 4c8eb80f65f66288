"""The clock's storage: report histories against an independently kept record, reply kinds, snoozes, follow-ups."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from socialinbox.domain import Direction, Platform, PollResult, SentReply, Status, Visibility
from socialinbox.reports import ConversationHistory, EventKind, HistoryEvent, build_report
from socialinbox.responsetime import ResponsePolicy
from socialinbox.storage.paging import InboxView
from socialinbox.storage.repository import Repository
from tests.fakes import T0, customer, make_repository, remote_message

MIN = timedelta(minutes=1)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def repo(tmp_path: Path, database_url: str) -> Repository:
    return make_repository(tmp_path, database_url)


def _send(repo: Repository, conversation_id: int, text: str, at, kind: str = "message", follow_up_at=None) -> None:  # type: ignore[no-untyped-def]
    """Queue a reply and settle it as the outbox worker would, sent at ``at``."""
    item = repo.queue_reply(conversation_id, text, at, kind=kind, follow_up_at=follow_up_at)
    (claim,) = [c for c in repo.claim_due_replies(at) if c.item.id == item.id]
    repo.mark_sent(claim.item.id, SentReply(f"sent-{item.id}", at), at)


@dataclasses.dataclass
class Generated:
    """What the test itself wrote down while generating: the answer key."""

    events: dict[int, list[HistoryEvent]]
    platforms: dict[int, Platform]
    visibility: dict[int, Visibility]


def _generate(repo: Repository, seed: int = 4) -> Generated:
    """Two weeks of customers writing and the shop answering (sometimes holding, sometimes an away reply)."""
    rng = random.Random(seed)
    accounts = {
        Platform.MASTODON: repo.add_account(Platform.MASTODON, "@shop", T0).id,
        Platform.TELEGRAM: repo.add_account(Platform.TELEGRAM, "@shopbot", T0).id,
    }
    record = Generated({}, {}, {})
    start = T0 - timedelta(days=14)
    for n in range(24):
        platform = rng.choice(list(accounts))
        visibility = Visibility.PRIVATE if platform is Platform.TELEGRAM else Visibility.PUBLIC
        moment = start + timedelta(minutes=rng.randrange(0, 13 * 24 * 60))
        conversation_id = None
        for turn in range(rng.randrange(1, 5)):
            text = rng.choice(["Where is my order??", "Love it, thank you!", "Is the shop open?", "Still broken."])
            message = remote_message(
                f"{n}-{turn}", author=customer(n), text=text, sent_at=moment, visibility=visibility, thread_key=f"t{n}"
            )
            saved = repo.save_poll(accounts[platform], PollResult((message,), None), moment)
            conversation_id = saved.conversations[0].id
            record.events.setdefault(conversation_id, []).append(HistoryEvent(Direction.INBOUND, moment))
            record.platforms[conversation_id], record.visibility[conversation_id] = platform, visibility
            moment += timedelta(minutes=rng.randrange(5, 300))
            if rng.random() < 0.75:  # the shop answers, in one of three ways
                kind = rng.choice([EventKind.MESSAGE, EventKind.MESSAGE, EventKind.HOLDING_REPLY, EventKind.AWAY_REPLY])
                _send(repo, conversation_id, "Thanks, on it", moment, kind.value)
                record.events[conversation_id].append(HistoryEvent(Direction.OUTBOUND, moment, kind))
                moment += timedelta(minutes=rng.randrange(30, 3000))
    return record


def _without_sentiment(history: ConversationHistory) -> tuple[object, ...]:
    return tuple((e.direction, e.sent_at, e.kind) for e in history.events)


def test_report_from_stored_histories_matches_the_report_from_the_full_record(repo: Repository) -> None:
    record = _generate(repo)
    policy = ResponsePolicy(per_platform={Platform.TELEGRAM: timedelta(minutes=30)})
    since, until, now = T0 - timedelta(days=7), T0 - timedelta(days=1), T0
    stored = repo.conversation_histories(since, until)
    full = [
        ConversationHistory(cid, record.platforms[cid], record.visibility[cid], tuple(events))
        for cid, events in record.events.items()
    ]
    # Which conversations belong: a customer wrote in range, or one is waiting now (independently worked out).
    waiting_now = {c.id for c in repo.conversations(InboxView.NEEDS_REPLY, limit=1000)}
    wrote = {
        cid
        for cid, ev in record.events.items()
        if any(e.direction is Direction.INBOUND and since <= e.sent_at < until for e in ev)
    }
    assert {h.conversation_id for h in stored} == wrote | waiting_now
    # The stored histories are trimmed to the period open at ``since``; the figures must not change for it.
    expected = build_report(
        [h for h in full if h.conversation_id in wrote | waiting_now], since, until, now, policy, BERLIN
    )
    got = build_report(stored, since, until, now, policy, BERLIN)
    assert got == expected
    assert got.waiting_periods > 5 and got.answered > 3  # the generated history really exercises the figures


def test_histories_start_at_the_last_answer_before_the_period(repo: Repository) -> None:
    account = repo.add_account(Platform.DEMO, "@shop", T0).id
    first = repo.save_poll(account, PollResult((remote_message("a", sent_at=T0 - timedelta(days=3)),), None), T0)
    cid = first.conversations[0].id
    _send(repo, cid, "Answered", T0 - timedelta(days=3) + 10 * MIN)
    repo.save_poll(
        account, PollResult((remote_message("b", sent_at=T0 - timedelta(days=2), in_reply_to="a"),), None), T0
    )
    repo.save_poll(account, PollResult((remote_message("c", sent_at=T0 + MIN, in_reply_to="b"),), None), T0)
    (history,) = repo.conversation_histories(T0, T0 + timedelta(days=1))
    times = [e.sent_at for e in history.events]
    # From the answer on: "b" still waits at T0, so "c" is not a new period; "a" is history.
    assert times == [T0 - timedelta(days=3) + 10 * MIN, T0 - timedelta(days=2), T0 + MIN]


def test_sentiment_is_scored_once_and_stored(repo: Repository) -> None:
    account = repo.add_account(Platform.DEMO, "@shop", T0).id
    repo.save_poll(
        account, PollResult((remote_message("a", text="awful"), remote_message("b", text="great")), None), T0
    )
    calls: list[str] = []

    def scorer(text: str) -> float:
        calls.append(text)
        return -0.5 if text == "awful" else 0.5

    span = (T0 - MIN, T0 + MIN)
    first = repo.conversation_histories(*span, scorer)
    second = repo.conversation_histories(*span, scorer)
    assert sorted(calls) == ["awful", "great"]
    assert sorted(e.sentiment for h in second for e in h.events) == [-0.5, 0.5]
    assert first == second


def test_a_holding_reply_stops_the_clock_and_keeps_its_follow_up(repo: Repository) -> None:
    account = repo.add_account(Platform.DEMO, "@shop", T0).id
    cid = repo.save_poll(account, PollResult((remote_message("a"),), None), T0).conversations[0].id
    promised = T0 + timedelta(hours=5)
    _send(repo, cid, "Checking with the workshop, back to you by 3 pm", T0 + 20 * MIN, "holding-reply", promised)
    conversation = repo.conversation(cid)
    assert conversation.status is Status.WAITING and conversation.waiting_since is None
    (history,) = repo.conversation_histories(T0 - MIN, T0 + timedelta(hours=1))
    assert [e.kind for e in history.events] == [EventKind.MESSAGE, EventKind.HOLDING_REPLY]
    assert {r.conversation_id: r.follow_up_at for r in repo.clock_rows()} == {cid: promised}
    _send(repo, cid, "All fixed, you can pick it up", T0 + timedelta(hours=2))  # a full reply settles the promise
    assert repo.clock_rows() == []


def test_an_away_reply_leaves_the_customer_waiting(repo: Repository) -> None:
    account = repo.add_account(Platform.DEMO, "@shop", T0).id
    saved = repo.save_poll(account, PollResult((remote_message("a", text="Open on Sunday?"),), None), T0)
    cid = saved.conversations[0].id
    _send(repo, cid, "We're closed, back at 9", T0 + MIN, EventKind.AWAY_REPLY.value)
    conversation = repo.conversation(cid)
    assert conversation.status is Status.NEEDS_REPLY and conversation.waiting_since == T0
    assert conversation.preview == "Open on Sunday?"  # the owner still sees what to answer
    (row,) = repo.clock_rows()
    assert row.away_replied_at == T0 + MIN


def test_snooze_round_trip_keeps_the_snooze_end_for_the_waiting_period(repo: Repository) -> None:
    account = repo.add_account(Platform.DEMO, "@shop", T0).id
    cid = repo.save_poll(account, PollResult((remote_message("a"),), None), T0).conversations[0].id
    until = T0 + timedelta(hours=1)
    repo.snooze(cid, until)
    assert cid not in [c.id for c in repo.conversations(InboxView.NEEDS_REPLY)]
    assert repo.wake_snoozed(until - MIN) == []
    (woken,) = repo.wake_snoozed(until + MIN)
    assert (woken.status, woken.waiting_since, woken.snoozed_until) == (Status.NEEDS_REPLY, T0, until)
    assert cid in [c.id for c in repo.conversations(InboxView.NEEDS_REPLY)]


def test_a_snoozed_conversation_without_a_wait_comes_back_waiting_from_the_snooze_end(repo: Repository) -> None:
    account = repo.add_account(Platform.DEMO, "@shop", T0).id
    cid = repo.save_poll(account, PollResult((remote_message("a"),), None), T0).conversations[0].id
    _send(repo, cid, "Done!", T0 + MIN)
    until = T0 + timedelta(hours=2)
    repo.snooze(cid, until)
    (woken,) = repo.wake_snoozed(until + timedelta(seconds=20))
    assert woken.waiting_since == until == woken.snoozed_until


def test_a_new_message_ends_a_snooze_but_not_the_wait(repo: Repository) -> None:
    account = repo.add_account(Platform.DEMO, "@shop", T0).id
    cid = repo.save_poll(account, PollResult((remote_message("a"),), None), T0).conversations[0].id
    repo.snooze(cid, T0 + timedelta(hours=3))
    later = remote_message("b", in_reply_to="a", sent_at=T0 + 30 * MIN)
    (conversation,) = repo.save_poll(account, PollResult((later,), None), T0).conversations
    assert (conversation.status, conversation.waiting_since, conversation.snoozed_until) == (
        Status.NEEDS_REPLY,
        T0,
        None,
    )


def test_clock_rows_list_waiting_snoozed_and_promised_conversations_only(repo: Repository) -> None:
    account = repo.add_account(Platform.MASTODON, "@shop", T0).id
    ids = [
        repo.save_poll(
            account, PollResult((remote_message(f"m{n}", author=customer(n), thread_key=f"t{n}"),), None), T0
        )
        .conversations[0]
        .id
        for n in range(4)
    ]
    repo.snooze(ids[1], T0 + timedelta(hours=1))
    repo.mark_done(ids[2])
    repo.set_follow_up(ids[3], T0 + timedelta(hours=4))
    _send(repo, ids[3], "Let me check", T0 + MIN, "holding-reply")
    rows = {row.conversation_id: row for row in repo.clock_rows()}
    assert sorted(rows) == [ids[0], ids[1], ids[3]]
    assert rows[ids[0]].label == "Customer 0 on Mastodon"
    assert rows[ids[3]].waiting_since is None and rows[ids[3]].follow_up_at == T0 + timedelta(hours=4)


def test_needs_reply_streams_split_by_platform_and_page_by_keyset(repo: Repository) -> None:
    mastodon = repo.add_account(Platform.MASTODON, "@shop", T0).id
    email = repo.add_account(Platform.EMAIL, "shop@example.org", T0).id
    for n in range(6):
        account = mastodon if n % 2 else email
        message = remote_message(f"m{n}", author=customer(n), sent_at=T0 + n * MIN, thread_key=f"t{n}")
        repo.save_poll(account, PollResult((message,), None), T0)
    emails = repo.needs_reply_stream(only={Platform.EMAIL})
    others = repo.needs_reply_stream(exclude={Platform.EMAIL})
    assert [c.platform for c in emails] == [Platform.EMAIL] * 3 and [c.platform for c in others] == [
        Platform.MASTODON
    ] * 3
    first = repo.needs_reply_stream(limit=4)
    rest = repo.needs_reply_stream(after=(first[-1].waiting_since, first[-1].id), limit=4)  # type: ignore[arg-type]
    assert [c.waiting_since for c in first + rest] == [T0 + n * MIN for n in range(6)]
    assert all(c.waiting_since and c.waiting_since.tzinfo is UTC for c in first)
