"""R1's run, shared by the test (about ten kills) and the long run (a hundred): ``socialinbox sync --once`` killed
with SIGKILL at random moments and started again, against real local servers (Mastodon and Telegram fakes).

Each round customers write more, the owner queues a reply, a real process syncs (forked from a warm interpreter,
see ``zygote``) and is killed after a random delay drawn over a whole run's length. After every kill the database is
checked as the next start would find it; after the last round one more run (a plain ``python -m socialinbox``
process) must bring in everything the servers hold, each message exactly once.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from socialinbox.domain import Platform
from socialinbox.paths import paths_in
from socialinbox.secrets import account_key
from socialinbox.storage.engine import make_engine, sqlite_url
from socialinbox.storage.migrate import upgrade_to_head
from socialinbox.storage.repository import Repository
from tests.connectors.fake_telegram import FakeTelegram
from tests.fault_server import FaultServer
from tests.reliability.file_keyring import write_keyring
from tests.reliability.platforms import SHOP_ACCOUNT_ID, FakeMastodon, TelegramPlatform

ROOT = Path(__file__).resolve().parents[2]
INTERRUPTED_HINT = "may or may not have been posted"


@dataclasses.dataclass
class KillOutcome:
    rounds: int = 0
    killed: int = 0  # runs ended by SIGKILL
    finished: int = 0  # runs that ended by themselves before their kill came
    run_seconds: float = 0.0  # how long one unkilled run took (the range kill moments were drawn from)
    problems: list[str] = dataclasses.field(default_factory=list)  # invariants broken after a kill or at the end
    on_servers: int = 0
    stored: int = 0
    replies_queued: int = 0
    replies_sent: int = 0
    replies_interrupted: int = 0  # left for the owner to check, with the reason
    replies_posted_twice: int = 0


class Zygote:
    def __init__(self, env: dict[str, str]) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.zygote"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, log_file: Path, argv: list[str]) -> int:
        return int(self._ask(f"run {log_file} {json.dumps(argv)}"))

    def wait(self, pid: int) -> int:
        return int(self._ask(f"wait {pid}"))

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.write("quit\n")
            self._process.stdin.flush()
            self._process.wait(timeout=30)

    def _ask(self, line: str) -> str:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(line + "\n")
        self._process.stdin.flush()
        return self._process.stdout.readline().strip()


@dataclasses.dataclass
class _Shop:
    folder: Path
    mastodon: FakeMastodon
    telegram: TelegramPlatform
    repo: Repository
    env: dict[str, str]
    mastodon_id: int
    telegram_id: int


def run_kills(folder: Path, rounds: int, seed: int) -> KillOutcome:
    rng = random.Random(seed)
    outcome = KillOutcome(rounds=rounds)
    mastodon = FakeMastodon("127.0.0.1", now=lambda: datetime.now(UTC))
    with FaultServer(mastodon) as server, FakeTelegram() as telegram_server:
        telegram_server._server.handle_error = lambda *_: None  # type: ignore[method-assign]  # killed clients reset
        shop = _open_shop(folder, mastodon, server.base_url, TelegramPlatform(telegram_server))
        zygote = Zygote(shop.env)
        try:
            mastodon.customer_writes(30)
            shop.telegram.customer_writes(10)
            zygote.wait(zygote.run(folder / "run.log", _argv(folder)))  # the first run back-fills: not typical
            mastodon.customer_writes(60)
            shop.telegram.customer_writes(20)
            started = time.monotonic()
            zygote.wait(zygote.run(folder / "run.log", _argv(folder)))
            outcome.run_seconds = time.monotonic() - started
            for round_number in range(rounds):
                mastodon.customer_writes(rng.randint(20, 100))
                shop.telegram.customer_writes(rng.randint(5, 30))
                outcome.replies_queued += _queue_replies(shop, rng)
                pid = zygote.run(folder / "run.log", _argv(folder))
                time.sleep(rng.uniform(0.0, outcome.run_seconds * 1.2))
                os.kill(pid, signal.SIGKILL)
                status = zygote.wait(pid)
                killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
                outcome.killed += killed
                outcome.finished += not killed
                outcome.problems += [f"after kill {round_number}: {p}" for p in check_database(shop)]
            _final_runs(shop, zygote)
        finally:
            zygote.close()
        outcome.problems += [f"at the end: {p}" for p in check_database(shop, complete=True)]
        _count_results(shop, outcome)
        shop.repo._engine.dispose()
    return outcome


def _open_shop(folder: Path, mastodon: FakeMastodon, mastodon_url: str, telegram: TelegramPlatform) -> _Shop:
    paths = paths_in(folder)
    paths.create()
    engine = make_engine(sqlite_url(paths.database))
    upgrade_to_head(engine)
    repo = Repository(engine)
    now = datetime.now(UTC)
    settings = {"instance_url": mastodon_url, "account_id": SHOP_ACCOUNT_ID, "handle": "cornerbakery@127.0.0.1"}
    m = repo.add_account(Platform.MASTODON, "cornerbakery", now, settings=settings)
    tg_settings = {"api_base": telegram.server.api_base, "long_poll_seconds": 0, "bot_username": "corner_bakery_bot"}
    t = repo.add_account(Platform.TELEGRAM, "@corner_bakery_bot", now, settings=tg_settings)
    secrets = {account_key(m.id): mastodon.token, account_key(t.id): telegram.server.token}
    env = {**os.environ, **write_keyring(folder / "keyring.json", secrets), "PYTHONPATH": str(ROOT)}
    return _Shop(folder, mastodon, telegram, repo, env, m.id, t.id)


def _argv(folder: Path) -> list[str]:
    return ["--data-dir", str(folder), "sync", "--once"]


def _queue_replies(shop: _Shop, rng: random.Random) -> int:
    conversations = shop.repo.conversations(account_id=shop.mastodon_id, limit=50)
    if not conversations:
        return 0
    chosen = rng.sample(conversations, k=min(2, len(conversations)))
    for conversation in chosen:
        shop.repo.queue_reply(conversation.id, f"Thanks {rng.random():.8f}, it is on its way.", datetime.now(UTC))
    return len(chosen)


def _final_runs(shop: _Shop, zygote: Zygote) -> None:
    """Runs nobody kills until the servers' backlog is in and the outbox is empty (each run takes at most 100
    Telegram updates and sends at most 20 replies), then one run of the real entry point, as the owner starts it."""
    for _ in range(200):
        if not _missing(shop) and not _unsettled_replies(shop):
            break
        zygote.wait(zygote.run(shop.folder / "run.log", _argv(shop.folder)))
    result = subprocess.run(
        [sys.executable, "-m", "socialinbox", *_argv(shop.folder)],
        cwd=ROOT,
        env=shop.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"the real command failed after the kills: {result.stderr[-2000:]}")


def _unsettled_replies(shop: _Shop) -> int:
    with sqlite3.connect(paths_in(shop.folder).database) as db:
        return int(db.execute("SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'sending')").fetchone()[0])


def _missing(shop: _Shop) -> set[str]:
    stored = _stored_ids(shop.folder)
    expected = {(shop.mastodon_id, i) for i in shop.mastodon.remote_ids()}
    expected |= {(shop.telegram_id, i) for i in shop.telegram.remote_ids()}
    return {f"{a}:{r}" for a, r in expected - stored}


def check_database(shop: _Shop, *, complete: bool = False) -> list[str]:
    """What the next start would find wrong: damage, doubles, a cursor ahead of its messages, torn counters."""
    problems = []
    with sqlite3.connect(paths_in(shop.folder).database) as db:
        if (result := db.execute("PRAGMA integrity_check").fetchone()[0]) != "ok":
            problems.append(f"integrity_check: {result}")
        doubles = db.execute(
            "SELECT account_id, remote_id, COUNT(*) FROM message GROUP BY account_id, remote_id HAVING COUNT(*) > 1"
        ).fetchall()
        problems += [f"stored twice: {row}" for row in doubles]
        torn = db.execute(
            "SELECT c.id FROM conversation c WHERE c.message_count != "
            "(SELECT COUNT(*) FROM message m WHERE m.conversation_id = c.id)"
        ).fetchall()
        problems += [f"conversation {row[0]} counts differ from its messages" for row in torn]
        cursors = dict(db.execute("SELECT id, cursor FROM account").fetchall())
    stored = _stored_ids(shop.folder)
    problems += _cursor_problems(shop, cursors, stored)
    if complete and (missing := _missing(shop)):
        problems.append(f"{len(missing)} messages never stored, e.g. {sorted(missing)[:3]}")
    problems += [f"reply posted {n} times (key {key})" for key, n in shop.mastodon.post_attempts.items() if n > 1]
    return problems


def _cursor_problems(shop: _Shop, cursors: dict[int, str | None], stored: set[tuple[int, str]]) -> list[str]:
    """Every message at or before a stored cursor must be stored with it: the cursor never runs ahead."""
    problems = []
    mastodon_cursor = (cursors.get(shop.mastodon_id) or "").split("|")[0]
    if mastodon_cursor.isdigit():
        for note in shop.mastodon.notifications:
            if int(note["id"]) <= int(mastodon_cursor) and (shop.mastodon_id, note["status"]["id"]) not in stored:
                problems.append(f"mastodon cursor {mastodon_cursor} passed unstored status {note['status']['id']}")
    offset = (cursors.get(shop.telegram_id) or "").split("|")[0]
    if offset.isdigit():
        for update_id, remote_id in shop.telegram.updates.items():
            if update_id < int(offset) and (shop.telegram_id, remote_id) not in stored:
                problems.append(f"telegram offset {offset} confirmed unstored update {update_id}")
    return problems[:10]


def _stored_ids(folder: Path) -> set[tuple[int, str]]:
    with sqlite3.connect(paths_in(folder).database) as db:
        rows = db.execute("SELECT account_id, remote_id FROM message WHERE direction = 'in'").fetchall()
    return {(int(account), str(remote)) for account, remote in rows}


def _count_results(shop: _Shop, outcome: KillOutcome) -> None:
    outcome.on_servers = len(shop.mastodon.remote_ids()) + len(shop.telegram.remote_ids())
    outcome.stored = len(_stored_ids(shop.folder))
    with sqlite3.connect(paths_in(shop.folder).database) as db:
        states = db.execute("SELECT state, last_error FROM outbox").fetchall()
    outcome.replies_sent = sum(1 for state, _ in states if state == "sent")
    outcome.replies_interrupted = sum(1 for state, error in states if state != "sent" and INTERRUPTED_HINT in error)
    outcome.replies_posted_twice = sum(1 for n in shop.mastodon.post_attempts.values() if n > 1)
    unexplained = [state for state, error in states if state != "sent" and not error.strip()]
    outcome.problems += [f"{len(unexplained)} replies neither sent nor explained"] if unexplained else []
