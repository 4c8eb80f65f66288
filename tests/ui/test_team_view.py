"""A team's shared database: what another copy of the app changes shows up in this window without a restart."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from socialinbox.domain import Direction, PollResult, Status, SyncReport
from socialinbox.paths import paths_in
from socialinbox.storage.engine import make_engine, sqlite_url
from socialinbox.storage.repository import Repository
from socialinbox.sync.tasks import TaskResult
from socialinbox.ui.app import InboxApp
from socialinbox.ui.controller import MAX_SEPARATE_NOTIFICATIONS, TEAM_REFRESH_S
from tests.fakes import customer, remote_message
from tests.postgres_server import PostgresServer
from tests.ui.conftest import started_demo_app
from tests.ui.notification_support import ListNotifier


@pytest.fixture
def inbox_app(tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[InboxApp]:
    app = started_demo_app(tmp_path, qtbot, monkeypatch)
    yield app
    app.shutdown()


def test_a_teammates_done_and_new_customer_appear_in_the_list(inbox_app: InboxApp, qtbot: QtBot) -> None:
    model = inbox_app.window.inbox_model
    teammate = Repository(make_engine(sqlite_url(inbox_app.core.paths.database)))  # another copy, same database
    first = model.conversation_at(0)
    assert first is not None and first.status is Status.NEEDS_REPLY
    account = inbox_app.core.accounts()[0].id
    teammate.mark_done(first.id)
    now = inbox_app.core.clock.now()
    arrived = teammate.save_poll(
        account, PollResult((remote_message("team-1", author=customer(77), sent_at=now),), None), now
    )
    (new_id,) = {m.conversation_id for m in arrived.new_messages}

    inbox_app.controller.refresh_from_the_team()

    qtbot.waitUntil(
        lambda: first.id not in model.conversation_ids() and new_id in model.conversation_ids(), timeout=10_000
    )


def test_a_conversation_gone_from_the_shared_database_leaves_the_list(inbox_app: InboxApp, qtbot: QtBot) -> None:
    """A teammate removed the account it came from, or it joined another chat: the refresh reads it as gone."""
    model = inbox_app.window.inbox_model
    gone = model.conversation_at(model.rowCount() - 1)
    assert gone is not None
    engine = make_engine(sqlite_url(inbox_app.core.paths.database))  # another copy, same database
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM message WHERE conversation_id = :id"), {"id": gone.id})
        connection.execute(text("DELETE FROM conversation WHERE id = :id"), {"id": gone.id})

    inbox_app.controller.refresh_from_the_team()

    qtbot.waitUntil(lambda: gone.id not in model.conversation_ids(), timeout=10_000)


def test_only_a_shared_database_is_read_again_on_a_timer(inbox_app: InboxApp) -> None:
    assert inbox_app.team_view is None  # a SQLite file on this computer: every change comes through this window


def test_a_team_database_is_read_again_every_half_minute(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, postgres_server: PostgresServer
) -> None:
    name = postgres_server.new_database()
    paths = paths_in(tmp_path)
    paths.config_dir.mkdir(parents=True)
    paths.settings_file.write_text(json.dumps({"database_url": postgres_server.url(name)}))
    app = started_demo_app(tmp_path, qtbot, monkeypatch)
    try:
        assert app.team_view is not None and app.team_view.isActive()
        assert app.team_view.interval() == TEAM_REFRESH_S * 1000
    finally:
        app.shutdown()
        postgres_server.drop_database(name)


def test_only_what_differs_is_applied_so_an_open_reply_is_not_disturbed(inbox_app: InboxApp) -> None:
    """Each half minute re-reads rows that mostly did not change; applying those would reload the open conversation
    under the owner's cursor for nothing."""
    model = inbox_app.window.inbox_model
    loaded = [model.conversation_at(row) for row in range(model.rowCount())]
    assert model.differing(c for c in loaded if c is not None) == []
    first = loaded[0]
    assert first is not None
    read_elsewhere = dataclasses.replace(first, unread=first.unread + 1)
    assert model.differing([read_elsewhere, *loaded[1:3]]) == [read_elsewhere]


class _Team:
    """This copy, with its owner away, and a teammate's copy writing to the same database."""

    def __init__(self, app: InboxApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
        self.app = app
        self.qtbot = qtbot
        self.told = ListNotifier()
        app.controller.set_notifier(self.told)
        monkeypatch.setattr(app.window, "is_in_front", lambda: False)
        self.teammate = Repository(make_engine(sqlite_url(app.core.paths.database)))
        self.account = app.core.accounts()[0].id
        self._n = 0
        self._readings = 0
        app.bridge.report_ready.connect(self._count_readings)

    def follow(self) -> None:
        self._wait_for_a_reading(self.app.controller.follow_the_team)

    def refresh(self) -> None:
        self._wait_for_a_reading(self.app.controller.refresh_from_the_team)

    def _wait_for_a_reading(self, start: Callable[[], None]) -> None:
        before = self._readings
        start()
        self.qtbot.waitUntil(lambda: self._readings > before, timeout=10_000)

    def _count_readings(self, result: object) -> None:
        # Counted by a plain callable: pytest-qt's waitSignal on this signal, which worker threads emit through
        # queued connections, crashed the interpreter now and then once its blocker was gone.
        if isinstance(result, TaskResult) and result.name == "team-view":
            self._readings += 1

    def customer_writes(self, who: int, *, answered: bool = False) -> None:
        self._n += 1
        now = self.app.core.clock.now()
        messages = [remote_message(f"team-{self._n}", author=customer(who), sent_at=now, text=f"Question {self._n}")]
        if answered:  # the teammate answered before this copy read it
            messages.append(
                remote_message(
                    f"team-{self._n}-re",
                    direction=Direction.OUTBOUND,
                    in_reply_to=f"team-{self._n}",
                    sent_at=now + timedelta(minutes=1),
                )
            )
        self.teammate.save_poll(self.account, PollResult(tuple(messages), None), now)

    def titles(self, who: int) -> list[str]:
        return [title for title, _ in self.told.shown if f"Customer {who}" in title]


@pytest.fixture
def team(inbox_app: InboxApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> _Team:
    return _Team(inbox_app, qtbot, monkeypatch)


def test_a_customers_message_a_teammates_copy_stored_is_told_here_once(team: _Team) -> None:
    team.follow()
    team.customer_writes(77)
    team.refresh()
    assert team.titles(77) == ["New mention from Customer 77 on Demo shop"]
    team.refresh()  # read again while the floor settles: not told twice
    assert team.titles(77) == ["New mention from Customer 77 on Demo shop"]


def test_what_was_stored_before_this_copy_followed_the_team_is_not_news(team: _Team) -> None:
    team.customer_writes(78)
    team.follow()
    team.refresh()
    assert team.titles(78) == []


def test_a_message_a_teammate_answered_already_is_not_told(team: _Team) -> None:
    team.follow()
    team.customer_writes(79, answered=True)
    team.refresh()
    assert team.titles(79) == []


def test_a_message_this_copys_own_poll_told_of_is_not_told_again(team: _Team) -> None:
    team.follow()
    team.customer_writes(80)
    (newest,) = team.teammate.messages_by_id([team.teammate.newest_message_id()])
    conversation = team.teammate.conversation(newest.conversation_id)
    account = team.app.core.accounts()[0]
    team.app.controller.on_report_ready(SyncReport(account, (newest,), (conversation,)))  # as if polled here
    assert len(team.titles(80)) == 1
    team.refresh()
    assert len(team.titles(80)) == 1


def test_many_new_messages_from_the_team_are_told_as_a_count(team: _Team) -> None:
    team.follow()
    for who in range(81, 82 + MAX_SEPARATE_NOTIFICATIONS):
        team.customer_writes(who)
    team.refresh()
    assert (f"{MAX_SEPARATE_NOTIFICATIONS + 1} new customer messages", False) in team.told.shown
    assert team.titles(81) == []
