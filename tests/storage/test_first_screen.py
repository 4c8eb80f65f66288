"""The first screen, read with sqlite3 before SQLAlchemy loads, is exactly what the repository would read; it is
only used on a database at this version's schema, never writes, and hands over to the repository once it opens."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from socialinbox.domain import OutboxState, Platform, PollResult, RateBudget, RemoteAuthor, Visibility
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.storage.first_screen import FirstScreen
from socialinbox.storage.paging import InboxView
from socialinbox.storage.repository import Repository
from socialinbox.storage.revisions import head_revisions
from socialinbox.wiring import build_core
from tests.fakes import T0, make_repository, remote_message


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    repository = make_repository(tmp_path)
    shop = repository.add_account(Platform.MASTODON, "@shop", T0, display_name="Crumb 🥐", settings={"a": 1}).id
    chats = repository.add_account(Platform.TELEGRAM, "@bot", T0).id
    mail = repository.add_account(Platform.EMAIL, "shop@example.org", T0).id
    for n in range(30):
        author = RemoteAuthor(f"u{n}", f"@c{n}", f"Zoë {n} 🌻" if n % 2 else "", followers=None if n % 3 else n * 10)
        account = (shop, chats, mail)[n % 3]
        message = remote_message(
            f"m{n}",
            author=author,
            text=f"order {n}\nsecond line",
            sent_at=T0 + timedelta(minutes=n // 2, microseconds=n),  # pairs share a minute: ties broken by id
            visibility=Visibility.PUBLIC if account == shop else Visibility.PRIVATE,
            thread_key=None if account == shop else f"chat:{n}",
        )
        budget = RateBudget(290, 300, T0 + timedelta(minutes=5)) if account == shop else None
        repository.save_poll(account, PollResult((message,), "c", budget), T0 + timedelta(seconds=n))
    waiting = repository.conversations(InboxView.NEEDS_REPLY, limit=3)
    repository.mark_done(waiting[0].id)
    repository.snooze(waiting[1].id, T0 + timedelta(days=1))
    return repository


def _first_screen(tmp_path: Path) -> FirstScreen:
    screen = FirstScreen.open(tmp_path / "inbox.sqlite3", head_revisions())
    assert screen is not None
    return screen


QUERIES: list[dict[str, object]] = [
    {},
    {"limit": 7},
    {"only": [Platform.MASTODON]},
    {"only": [Platform.TELEGRAM, Platform.EMAIL], "limit": 4},
    {"exclude": [Platform.MASTODON]},
    {"exclude": [Platform.MASTODON, Platform.EMAIL]},
    {"only": []},
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_first_page_is_the_repositorys_page_value_for_value(
    repo: Repository, tmp_path: Path, query: dict[str, object]
) -> None:
    screen = _first_screen(tmp_path)
    assert screen.needs_reply_stream(**query) == repo.needs_reply_stream(**query)  # type: ignore[arg-type]


def test_keyset_pages_and_one_accounts_stream_match_the_repository(repo: Repository, tmp_path: Path) -> None:
    screen = _first_screen(tmp_path)
    account = repo.accounts()[1].id
    assert screen.needs_reply_stream(account_id=account) == repo.needs_reply_stream(account_id=account)
    after = None
    pages = 0
    while True:
        mine = screen.needs_reply_stream(after=after, limit=4)
        assert mine == repo.needs_reply_stream(after=after, limit=4)
        if not mine:
            break
        pages += 1
        last = mine[-1]
        assert last.waiting_since is not None
        after = (last.waiting_since, last.id)
    assert pages >= 6


def test_the_accounts_are_the_repositorys_accounts(repo: Repository, tmp_path: Path) -> None:
    accounts = _first_screen(tmp_path).accounts()
    assert accounts == repo.accounts()
    assert accounts[0].rate_budget == RateBudget(290, 300, T0 + timedelta(minutes=5))
    assert accounts[0].last_poll_at is not None and accounts[0].last_poll_at.tzinfo is not None


def test_it_never_writes(repo: Repository, tmp_path: Path) -> None:
    screen = _first_screen(tmp_path)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        screen._connection.execute("DELETE FROM conversation")
    assert len(repo.needs_reply_stream()) > 0


def test_only_a_database_at_this_versions_schema_is_read_this_way(repo: Repository, tmp_path: Path) -> None:
    database = tmp_path / "inbox.sqlite3"
    assert FirstScreen.open(database, frozenset({"an-older-revision"})) is None  # an upgrade runs first
    assert FirstScreen.open(database, None) is None  # the migrations could not be read as text
    assert FirstScreen.open(tmp_path / "missing.sqlite3", head_revisions()) is None
    (tmp_path / "new.sqlite3").touch()
    assert FirstScreen.open(tmp_path / "new.sqlite3", head_revisions()) is None
    (tmp_path / "junk.sqlite3").write_bytes(b"this is not a database" * 100)
    assert FirstScreen.open(tmp_path / "junk.sqlite3", head_revisions()) is None


def test_the_core_reads_the_first_screen_until_the_repository_opens(tmp_path: Path) -> None:
    paths = paths_in(tmp_path / "shop")
    first = build_core(paths, secrets=MemorySecretStore())  # a new folder: migrated and opened at once
    first.repository.add_account(Platform.DEMO, "crumbandco", T0)
    first.close()

    core = build_core(paths, secrets=MemorySecretStore(), first_screen=True)
    assert not core.repository_open and core.first_screen is not None
    assert [account.handle for account in core.accounts()] == ["crumbandco"]
    assert core.needs_reply_stream() == []
    repository = core.repository  # opening it closes the first screen; reads go through the repository
    assert core.first_screen is None and core.repository_open
    assert core.accounts() == repository.accounts()
    core.close()


def test_the_warm_up_recovers_the_outbox_off_the_gui_thread_and_leaves_the_first_screen_open(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    paths = paths_in(tmp_path / "shop")
    first = build_core(paths, secrets=MemorySecretStore())
    account = first.repository.add_account(Platform.MASTODON, "@shop", T0)
    first.repository.save_poll(account.id, PollResult((remote_message("m1"),), "c"), T0)
    (conversation,) = first.repository.conversations()
    first.repository.queue_reply(conversation.id, "On its way!", T0)
    first.repository.claim_due_replies(T0)  # then the app dies mid-send
    first.close()

    core = build_core(paths, secrets=MemorySecretStore(), first_screen=True)
    core.warm_up([])  # on the task runner, while the window may be reading the first screen
    assert core.first_screen is not None and not core.repository_open
    assert "1 replies were interrupted mid-send" in caplog.text  # the owner is told once, as before
    assert [item.state for item in core.repository.outbox()] == [OutboxState.FAILED]
    assert core.first_screen is None  # closed when the GUI thread first asked for the repository
    core.close()


def test_a_new_data_folder_is_set_up_at_once_even_when_a_first_screen_is_asked_for(tmp_path: Path) -> None:
    core = build_core(paths_in(tmp_path / "shop"), secrets=MemorySecretStore(), first_screen=True)
    assert core.repository_open and core.first_screen is None
    assert core.accounts() == []
    core.close()


def test_reading_the_first_screen_does_not_load_sqlalchemy(repo: Repository, tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from socialinbox.paths import paths_in\n"
        "from socialinbox.wiring import build_core\n"
        f"core = build_core(paths_in(Path({str(tmp_path)!r})), first_screen=True)\n"
        "assert core.first_screen is not None\n"
        "print(len(core.accounts()), len(core.needs_reply_stream()))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'httpx', 'keyring')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    counts, loaded = done.stdout.splitlines()
    assert counts == f"3 {len(repo.needs_reply_stream())}"
    assert loaded == "[]"
