"""A team's inbox on a PostgreSQL server: how an owner's URL is read, and what the owner is told when the server
cannot be used (the rest of the storage tests run on a real server too: tests/conftest.py, ``database_url``)."""

from __future__ import annotations

import functools
import json
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar, cast

import pytest

from socialinbox.cli import main
from socialinbox.domain import Platform, PollResult
from socialinbox.paths import AppPaths, paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.storage.engine import database_password_key, make_engine, server_connect_args, server_url
from socialinbox.storage.problems import StorageProblem, StorageUnavailable
from socialinbox.storage.repository import Repository
from socialinbox.wiring import build_core
from tests.connectors.mail_servers import free_port
from tests.fakes import T0, customer, remote_message
from tests.postgres_server import CLERK, CLERK_PASSWORD, PostgresServer

T = TypeVar("T")


@pytest.mark.parametrize(
    ("written", "used"),
    [
        ("postgresql://shop@db.example:5432/inbox", "postgresql+psycopg://shop@db.example:5432/inbox"),
        ("postgres://shop@db.example/inbox", "postgresql+psycopg://shop@db.example/inbox"),  # Heroku-style
        ("postgresql+psycopg://shop@db.example/inbox", "postgresql+psycopg://shop@db.example/inbox"),
        ("postgresql+pg8000://shop@db.example/inbox", "postgresql+pg8000://shop@db.example/inbox"),  # named: kept
    ],
)
def test_an_owners_url_uses_the_driver_the_app_ships(written: str, used: str) -> None:
    assert server_url(written).render_as_string(hide_password=False) == used


def test_a_server_that_is_not_there_is_an_error_for_the_owner_without_the_password() -> None:
    engine = make_engine(f"postgresql://shop:hunter2@127.0.0.1:{free_port()}/inbox")
    with pytest.raises(StorageUnavailable) as raised:
        Repository(engine).accounts()
    assert raised.value.problem is StorageProblem.SERVER_UNREACHABLE
    message = str(raised.value)
    assert "127.0.0.1" in message and "Connection refused" in message and "database_url" in message
    assert "hunter2" not in message


def test_a_refused_password_is_named_and_the_keyrings_password_signs_in(postgres_server: PostgresServer) -> None:
    url = postgres_server.url("postgres", user=CLERK)
    with pytest.raises(StorageUnavailable, match=f'password authentication failed for user "{CLERK}"') as raised:
        Repository(make_engine(url, password="not-it")).accounts()
    assert "not-it" not in str(raised.value)
    engine = make_engine(url, password=CLERK_PASSWORD)  # as Core.engine passes it from the keyring
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT current_user").scalar() == CLERK
    finally:
        engine.dispose()


def test_a_team_database_the_apps_user_may_not_set_up_says_who_can(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    name = postgres_server.empty_database()
    try:
        paths = _team_settings(tmp_path, postgres_server.url(name, user=CLERK))
        secrets = KeptSecrets()
        secrets.set(database_password_key(postgres_server.url(name, user=CLERK)), CLERK_PASSWORD)
        with pytest.raises(StorageUnavailable) as raised:
            build_core(paths, secrets=secrets)
        assert raised.value.problem is StorageProblem.UPGRADE_FAILED
        assert "permission denied" in str(raised.value) and "as the database's owner" in str(raised.value)
    finally:
        postgres_server.drop_database(name)


def test_a_database_that_does_not_exist_is_named(postgres_server: PostgresServer) -> None:
    engine = make_engine(postgres_server.url("no_such_inbox"))
    with pytest.raises(StorageUnavailable, match='database "no_such_inbox" does not exist'):
        Repository(engine).accounts()


def test_a_driver_that_is_not_installed_is_named() -> None:
    with pytest.raises(StorageUnavailable, match=r"driver \(pg8000\) is not installed; use a postgresql:// URL"):
        make_engine("postgresql+pg8000://shop:hunter2@db.example/inbox")


def test_the_command_says_what_to_check_and_fails_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = paths_in(tmp_path)
    paths.config_dir.mkdir(parents=True)
    paths.settings_file.write_text(json.dumps({"database_url": f"postgresql://shop@127.0.0.1:{free_port()}/inbox"}))
    assert main(["--data-dir", str(tmp_path), "accounts", "list"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: Social Inbox cannot use the team's database (postgresql+psycopg://shop@127.0.0.1:")
    assert "Traceback" not in error


def test_a_team_inbox_keeps_its_messages_on_the_server_not_in_the_data_folder(
    tmp_path: Path, postgres_server: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    name = postgres_server.new_database()
    try:
        paths = paths_in(tmp_path)
        paths.config_dir.mkdir(parents=True)
        paths.settings_file.write_text(json.dumps({"database_url": postgres_server.url(name)}))
        assert main(["--data-dir", str(tmp_path), "accounts", "add", "demo"]) == 0
        assert main(["--data-dir", str(tmp_path), "sync", "--once"]) == 0
        capsys.readouterr()
        assert not paths.database.exists()
        engine = make_engine(postgres_server.url(name))
        try:
            assert [account.handle for account in Repository(engine).accounts()] == ["crumbandco"]
            assert sum(Repository(engine).counts().needs_reply_by_account.values()) > 0
        finally:
            engine.dispose()
    finally:
        postgres_server.drop_database(name)


def at_once(*calls: Callable[[], T]) -> list[T]:
    """Run ``calls`` on threads of their own, released together; their results, or the first error raised."""
    start = threading.Barrier(len(calls))
    results: list[T | BaseException] = [RuntimeError("did not finish")] * len(calls)

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = calls[index]()
        except BaseException as error:  # raised below, on the test's thread
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return cast(list[T], results)


class KeptSecrets(MemorySecretStore):
    persistent = True  # as the system's keyring is


def _team_settings(tmp_path: Path, url: str) -> AppPaths:
    paths = paths_in(tmp_path)
    paths.config_dir.mkdir(parents=True)
    paths.settings_file.write_text(json.dumps({"database_url": url}))
    return paths


def test_a_password_written_into_the_setting_is_moved_to_the_keyring(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    name = postgres_server.new_database()
    try:
        with_password = postgres_server.url(name).replace("postgres@", "postgres:s3cr%C3%ABt@")
        paths = _team_settings(tmp_path, with_password)
        secrets = KeptSecrets()
        core = build_core(paths, secrets=secrets)
        try:
            assert "s3cr" not in paths.settings_file.read_text()
            assert json.loads(paths.settings_file.read_text())["database_url"] == postgres_server.url(name)
            assert secrets.get(database_password_key(postgres_server.url(name))) == "s3crët"
            assert core.engine.url.password == "s3crët"  # and the app signs in with it
        finally:
            core.close()
        again = build_core(paths, secrets=secrets)  # the next start reads it from the keyring
        try:
            assert again.engine.url.password == "s3crët"
        finally:
            again.close()
    finally:
        postgres_server.drop_database(name)


class DroppingSecrets(KeptSecrets):
    def set(self, key: str, secret: str) -> None:
        """As keyring's null backend does: accepts everything, keeps nothing."""


@pytest.mark.parametrize("secrets", [MemorySecretStore, DroppingSecrets])
def test_without_a_keyring_that_keeps_it_the_password_stays_where_the_owner_wrote_it(
    tmp_path: Path, postgres_server: PostgresServer, secrets: type[MemorySecretStore]
) -> None:
    name = postgres_server.new_database()
    try:
        with_password = postgres_server.url(name).replace("postgres@", "postgres:s3cret@")
        paths = _team_settings(tmp_path, with_password)
        core = build_core(paths, secrets=secrets())  # forgotten at quit, or never kept: moving it would lose it
        try:
            assert json.loads(paths.settings_file.read_text())["database_url"] == with_password
            assert core.engine.url.password == "s3cret"
        finally:
            core.close()
    finally:
        postgres_server.drop_database(name)


def test_two_copies_of_the_app_on_one_team_database_never_take_the_same_reply(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """A team runs the app on several computers against one database, and each has an outbox worker. A reply must
    go to exactly one of them, or the customer gets it twice."""
    name = postgres_server.new_database()
    engines = [make_engine(postgres_server.url(name)) for _ in range(2)]
    try:
        first, second = (Repository(engine) for engine in engines)
        account = first.add_account(Platform.DEMO, "@shop", T0).id
        saved = first.save_poll(
            account, PollResult(tuple(remote_message(f"m{n}", thread_key=f"t{n}") for n in range(40)), None), T0
        )
        queued = {first.queue_reply(c.id, "Thanks!", T0).id for c in saved.conversations}

        def take_all(repo: Repository) -> list[int]:
            taken: list[int] = []
            while claimed := repo.claim_due_replies(T0 + timedelta(minutes=1), limit=3):
                taken += [reply.item.id for reply in claimed]
            return taken

        first_took, second_took = at_once(functools.partial(take_all, first), functools.partial(take_all, second))
        assert sorted(first_took + second_took) == sorted(queued)  # each reply taken once: none twice, none left
    finally:
        for engine in engines:
            engine.dispose()
        postgres_server.drop_database(name)


def test_two_copies_storing_the_same_poll_at_once_store_each_message_once_and_both_succeed(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """Both copies poll the shop's accounts; when they store the same new messages at the same moment, the one that
    meets the other's rows on a unique key (a contact, a message) must not fail its poll, nor store them twice."""
    name = postgres_server.new_database()
    engines = [make_engine(postgres_server.url(name)) for _ in range(2)]
    try:
        copies = [Repository(engine) for engine in engines]
        account = copies[0].add_account(Platform.DEMO, "@shop", T0).id
        for round_ in range(5):
            poll = PollResult(
                tuple(
                    remote_message(f"r{round_}-{n}", author=customer(100 * round_ + n), thread_key=f"t{round_}-{n % 5}")
                    for n in range(30)
                ),
                None,
            )
            saved = at_once(*(functools.partial(repo.save_poll, account, poll, T0) for repo in copies))
            assert sum(len(one.new_messages) for one in saved) == 30  # new to one copy only: it alone tells its owner
        with engines[0].connect() as connection:
            stored = connection.exec_driver_sql("SELECT count(*), count(DISTINCT remote_id) FROM message").one()
        assert tuple(stored) == (150, 150)
    finally:
        for engine in engines:
            engine.dispose()
        postgres_server.drop_database(name)


def test_a_server_that_accepts_but_never_answers_is_an_error_within_the_limit() -> None:
    """A network cut or a hung server: the connection is taken but nothing comes back. libpq alone would wait for
    the operating system; the engine's limit makes it the owner's error instead (``server_connect_args``)."""
    with socket.create_server(("127.0.0.1", 0), backlog=4) as silent:  # the kernel accepts; nobody ever answers
        port = silent.getsockname()[1]
        engine = make_engine(f"postgresql://shop@127.0.0.1:{port}/inbox", server_timeout_s=1)
        outcome: list[BaseException] = []

        def read() -> None:
            try:
                Repository(engine).accounts()
            except BaseException as error:  # handed to the test thread
                outcome.append(error)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout=30)  # without the limit this waits for minutes
        assert not reader.is_alive(), "the read is still waiting for a server that never answers"
    assert len(outcome) == 1 and isinstance(outcome[0], StorageUnavailable)
    assert outcome[0].problem is StorageProblem.SERVER_UNREACHABLE and "timeout" in str(outcome[0])


def test_the_limits_reach_the_driver_and_the_owners_own_settings_win(postgres_server: PostgresServer) -> None:
    url = postgres_server.url("postgres") + "?connect_timeout=7"
    assert server_connect_args(server_url(url), 15) == {
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 3,
        "tcp_user_timeout": 15_000,
    }
    assert server_connect_args(server_url("postgresql+pg8000://shop@db.example/inbox"), 15) == {}  # not libpq's
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            dsn = connection.connection.dbapi_connection.info.dsn  # type: ignore[union-attr]
    finally:
        engine.dispose()
    settings = dict(item.split("=", 1) for item in dsn.split())
    assert settings["connect_timeout"] == "7" and settings["tcp_user_timeout"] == "15000"
    assert settings["keepalives"] == "1" and settings["keepalives_count"] == "3"
