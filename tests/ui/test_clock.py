"""The clock on screen: badges, grouped reminder notifications on the stub desktop service, the due order."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QListView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from socialinbox.domain import Contact, Conversation, Platform, PollResult, Status, Visibility
from socialinbox.responsetime import Reminder, ReminderKind, ResponsePolicy
from socialinbox.storage.repository import Repository
from socialinbox.sync.reminders import FollowUps, ReminderBatch
from socialinbox.triage import Triage, TriageCache
from socialinbox.ui.clock import (
    AT_RISK,
    FOLLOW_UP,
    ON_TIME,
    OVERDUE,
    ClockView,
    badge_text,
    clock_lines,
    tooltip_with,
)
from socialinbox.ui.due_source import DueOrder
from socialinbox.ui.models.inbox_model import InboxModel
from socialinbox.ui.notifications import ActivationBridge, FreedesktopNotifier
from socialinbox.ui.views.inbox_delegate import InboxDelegate
from tests.fakes import T0, customer, make_repository, remote_message
from tests.notification_stub import NotificationService

MIN = timedelta(minutes=1)


def _conversation(cid: int = 1, waiting: datetime = T0, status: Status = Status.NEEDS_REPLY) -> Conversation:
    contact = Contact(cid, 1, f"u{cid}", f"@u{cid}", f"Customer {cid}")
    return Conversation(cid, 1, Platform.MASTODON, contact, Visibility.PUBLIC, status, waiting, "Hi", waiting)


@pytest.mark.parametrize(
    ("minutes_later", "text", "colour"),
    [(10, "50 min left", ON_TIME), (50, "10 min left", AT_RISK), (72, "overdue by 12 min", OVERDUE)],
)
def test_badge_counts_down_and_turns_amber_then_red(minutes_later: int, text: str, colour: object) -> None:
    assert badge_text(_conversation(), T0 + minutes_later * MIN, ResponsePolicy()) == (text, colour)


def test_badges_for_promises_snoozes_and_finished_conversations() -> None:
    waiting = _conversation(status=Status.WAITING)
    assert badge_text(waiting, T0, ResponsePolicy()) is None
    assert badge_text(waiting, T0, ResponsePolicy(), T0 + 2 * MIN, UTC) == ("follow up 09:02", FOLLOW_UP)
    assert badge_text(waiting, T0 + 3 * MIN, ResponsePolicy(), T0 + 2 * MIN, UTC) == ("follow-up due", OVERDUE)
    assert badge_text(_conversation(status=Status.DONE), T0, ResponsePolicy()) is None


def test_tooltip_lines_are_escaped_into_the_models_tooltip() -> None:
    assert tooltip_with("<p style='x'>Anna</p>", ["Why: <b>negative</b>"]) == (
        "<p style='x'>Anna<br><br>Why: &lt;b&gt;negative&lt;/b&gt;</p>"
    )


# --- reminders through the stub notification service -----------------------------------------------


@pytest.fixture
def clock_view(qtbot: QtBot, notification_stub: NotificationService) -> Iterator[ClockView]:
    opened: list[int] = []
    notifier = FreedesktopNotifier(ActivationBridge(opened.append), bus_address=notification_stub.address)
    view = QListView()
    view.setItemDelegate(InboxDelegate(lambda: T0, parent=view))
    qtbot.addWidget(view)
    clock = ClockView(view, ResponsePolicy, TriageCache(Triage()), lambda: T0, lambda: notifier)
    yield clock
    notifier.close()


def _reminder(cid: int, kind: ReminderKind) -> Reminder:
    return Reminder(cid, kind, T0 + 60 * MIN, Platform.MASTODON, T0)


def test_several_reminders_become_one_notification_per_kind(
    clock_view: ClockView, notification_stub: NotificationService
) -> None:
    batch = [_reminder(n, ReminderKind.AT_RISK) for n in (1, 2, 3)] + [_reminder(4, ReminderKind.OVERDUE)]
    labels = {n: f"Customer {n} on Mastodon" for n in range(1, 5)}
    clock_view.on_report_ready(ReminderBatch(tuple(batch), labels, T0 + 50 * MIN))
    overdue, at_risk = notification_stub.wait_for_calls(2)
    assert overdue.summary == "Customer 4 on Mastodon is overdue"
    assert at_risk.summary == "3 conversations are about to miss the hour"
    assert at_risk.body.startswith("Customer 1 on Mastodon (10 min left)")
    assert "default" in overdue.actions  # one conversation: a click opens it
    assert [n for _t, _b, n in clock_view.notified] == [4, None]


def test_reminders_stay_silent_when_notifications_are_off(qtbot: QtBot) -> None:
    shown: list[str] = []

    class Recorder:
        name = "recorder"

        def notify(self, title: str, body: str, conversation_id: int | None = None) -> None:
            shown.append(title)

        def close(self) -> None:
            """Nothing held."""

    view = QListView()
    qtbot.addWidget(view)
    view.setItemDelegate(InboxDelegate(lambda: T0, parent=view))
    quiet = ClockView(
        view, ResponsePolicy, TriageCache(Triage()), lambda: T0, Recorder, notifications_enabled=lambda: False
    )
    quiet.on_report_ready(ReminderBatch((_reminder(1, ReminderKind.OVERDUE),), {}, T0))
    quiet.on_report_ready(FollowUps({1: T0}))
    assert shown == [] and quiet.follow_ups == {1: T0}
    quiet.start()
    assert 1_000 <= quiet.timer.remainingTime() <= 61_000  # the minute repaint is armed, to the next minute


# --- the due order ---------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    return make_repository(tmp_path)


TEXTS = ["Where is my order? This is unacceptable", "Do you open on Sunday?", "Love the bread!", "Still broken!!"]


def _fill(repo: Repository, count: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    accounts = {p: repo.add_account(p, "@shop", T0).id for p in (Platform.MASTODON, Platform.EMAIL, Platform.TELEGRAM)}
    for n in range(count):
        platform = rng.choice(list(accounts))
        author = customer(n, followers=rng.choice([None, 50, 12_000]))
        sent = T0 + timedelta(minutes=rng.randrange(0, 300))
        message = remote_message(f"m{n}", author=author, text=rng.choice(TEXTS), sent_at=sent, thread_key=f"t{n}")
        repo.save_poll(accounts[platform], PollResult((message,), None), T0)


@pytest.mark.parametrize("page_size", [1, 3, 7, 100])
def test_needs_reply_pages_follow_due_time_then_triage_exactly(
    repo: Repository, qtbot: QtBot, qtmodeltester: ModelTester, page_size: int
) -> None:
    _fill(repo, 40)
    policy = ResponsePolicy(per_platform={Platform.EMAIL: timedelta(hours=4), Platform.TELEGRAM: timedelta(minutes=20)})
    order = DueOrder(repo, policy, TriageCache(Triage()))
    source = order.source()
    model = InboxModel(source.fetch_page, source.page_after, source.sort_key, source.accepts, page_size=page_size)
    model.reload()
    while model.canFetchMore():
        model.fetchMore()
    qtmodeltester.check(model)
    everything = repo.needs_reply_stream(limit=1000)
    expected = sorted(everything, key=lambda c: (order.sort_key(c), c.id))
    assert model.conversation_ids() == [c.id for c in expected]
    windows = [order.sort_key(c)[0] for c in expected]
    assert windows == sorted(windows)  # due windows in order; triage reorders only inside one
    # Per-channel targets make this differ from "longest waiting first":
    assert [c.id for c in expected] != [c.id for c in everything]


def test_a_conversation_arriving_later_lands_in_its_due_place(repo: Repository, qtbot: QtBot) -> None:
    _fill(repo, 12)
    order = DueOrder(
        repo, ResponsePolicy(per_platform={Platform.TELEGRAM: timedelta(minutes=5)}), TriageCache(Triage())
    )
    source = order.source()
    model = InboxModel(source.fetch_page, source.page_after, source.sort_key, source.accepts, page_size=100)
    model.reload()
    telegram = next(a.id for a in repo.accounts() if a.platform is Platform.TELEGRAM)
    late = remote_message(
        "late", author=customer(99), text="Still broken!!", sent_at=T0 + timedelta(hours=4), thread_key="x"
    )
    (arrived,) = repo.save_poll(telegram, PollResult((late,), None), T0).conversations
    model.upsert([arrived])
    expected = sorted(repo.needs_reply_stream(limit=1000), key=lambda c: (order.sort_key(c), c.id))
    assert model.conversation_ids() == [c.id for c in expected]


def test_needs_reply_for_one_account_only(repo: Repository) -> None:
    _fill(repo, 20)
    mastodon = next(a.id for a in repo.accounts() if a.platform is Platform.MASTODON)
    order = DueOrder(repo, ResponsePolicy(), TriageCache(Triage()), account_id=mastodon)
    page = order.fetch_page(None, 100)
    assert page and {c.account_id for c in page} == {mastodon}
    assert order.accepts(page[0]) and not order.accepts(dataclasses.replace(page[0], account_id=mastodon + 1))


def test_tooltip_lines_say_when_it_is_due_and_why_it_is_high() -> None:
    contact = Contact(5, 1, "u5", "@u5", "Anna", 12_000)
    complaint = Conversation(
        5, 1, Platform.MASTODON, contact, Visibility.PUBLIC, Status.NEEDS_REPLY, T0, "My order is late, awful", T0
    )
    lines = clock_lines(complaint, T0 + 50 * MIN, ResponsePolicy(), TriageCache(Triage()), tz=UTC)
    assert lines == [
        "Reply due: 10:00 (10 min left)",
        "Why it is high: complaint, negative, public, 12k followers",
    ]
