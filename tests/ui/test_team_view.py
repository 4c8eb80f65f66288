"""A team's shared database: what another copy of the app changes shows up in this window without a restart."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from socialinbox.domain import PollResult, Status
from socialinbox.paths import paths_in
from socialinbox.storage.engine import make_engine, sqlite_url
from socialinbox.storage.repository import Repository
from socialinbox.ui.app import InboxApp
from socialinbox.ui.controller import TEAM_REFRESH_S
from tests.fakes import customer, remote_message
from tests.postgres_server import PostgresServer
from tests.ui.conftest import started_demo_app


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
