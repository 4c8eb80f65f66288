"""A team's inbox on a PostgreSQL server: how an owner's URL is read, and what the owner is told when the server
cannot be used (the rest of the storage tests run on a real server too: tests/conftest.py, ``database_url``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from socialinbox.cli import main
from socialinbox.paths import AppPaths, paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.storage.engine import database_password_key, make_engine, server_url
from socialinbox.storage.problems import StorageProblem, StorageUnavailable
from socialinbox.storage.repository import Repository
from socialinbox.wiring import build_core
from tests.connectors.mail_servers import free_port
from tests.postgres_server import PostgresServer


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


def test_without_a_keyring_the_password_stays_where_the_owner_wrote_it(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    name = postgres_server.new_database()
    try:
        with_password = postgres_server.url(name).replace("postgres@", "postgres:s3cret@")
        paths = _team_settings(tmp_path, with_password)
        core = build_core(paths, secrets=MemorySecretStore())  # forgotten at quit: moving it would lose it
        try:
            assert json.loads(paths.settings_file.read_text())["database_url"] == with_password
            assert core.engine.url.password == "s3cret"
        finally:
            core.close()
    finally:
        postgres_server.drop_database(name)
