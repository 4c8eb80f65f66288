"""A team's database server that goes away in the middle of a session, and comes back (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from socialinbox.domain import Health, PollResult
from tests.conftest import FakeClock
from tests.fakes import make_repository, remote_message
from tests.postgres_server import PostgresServer, running_postgres
from tests.sync.conftest import make_world


@pytest.fixture
def own_server() -> Iterator[PostgresServer]:
    """A server of the test's own: it is switched off and on, which the shared one must not be."""
    with running_postgres() as server:
        yield server


def test_polls_while_the_server_is_down_lose_nothing_and_the_next_poll_after_it_is_back_stores_once(
    tmp_path: Path, clock: FakeClock, own_server: PostgresServer
) -> None:
    world = make_world(make_repository(tmp_path, own_server.url(own_server.new_database())), clock)
    account = world.add_account()
    fake = world.fake(account)
    fake.script += [
        PollResult((remote_message("m1"),), "c1"),
        PollResult((remote_message("m1"), remote_message("m2")), "c2"),
        PollResult((remote_message("m2"), remote_message("m3")), "c3"),
    ]
    assert world.service.poll_account(account).ok

    own_server.go_down()
    while_down = world.service.poll_account(account)  # the app stays up and says what to check
    assert not while_down.ok and while_down.account.health is Health.TRANSIENT_ERROR
    assert while_down.error is not None and "cannot use the team's database" in while_down.error
    assert fake.polls == [None]  # nothing was fetched that could not be stored

    own_server.serve()
    clock.advance(minutes=5)
    back = world.service.poll_account(account)  # the pool's stale connections are tested and replaced
    assert back.ok and [m.remote_id for m in back.new_messages] == ["m2"]
    last = world.service.poll_account(account)
    assert [m.remote_id for m in last.new_messages] == ["m3"]
    assert fake.polls == [None, "c1", "c2"]
    with world.repo._engine.connect() as connection:  # the whole table: each message once, none lost
        stored = connection.execute(text("SELECT remote_id FROM message ORDER BY remote_id")).scalars().all()
    assert stored == ["m1", "m2", "m3"]
