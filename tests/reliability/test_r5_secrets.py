"""R5: a full run with every connector on its fake, with faults, failed sends, a bug that puts a token in an
exception and an unhandled crash; then every token and password is searched for in the database files (-wal and
-shm too), the settings, the logs, the crash reports and every message the app showed. Zero occurrences.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from socialinbox.domain import Platform
from socialinbox.logging_setup import configure_logging
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore, account_key
from socialinbox.wiring import build_core
from tests.faults import CATALOGUE, FaultTransport, faults_for
from tests.reliability.platforms import bluesky_live, mastodon_live, telegram_live

APP_PASSWORD = "abcd-efgh-ijkl-mnop"  # a Bluesky-style app password, stored the way every connector stores secrets
CLIENT_SECRET = "mstdn-client-secret-ZmFrZS1zZWNyZXQtdmFsdWU"
OWNER_EMAIL = "owner.of.the.shop@bakery-example.com"


def _variants(secret: str) -> set[bytes]:
    return {secret.encode(), quote(secret, safe="").encode(), secret.encode("utf-16-le")}


def _files(folder: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.mark.usefixtures("isolated_logging")
def test_no_token_or_password_is_written_anywhere_or_shown_in_any_message(tmp_path: Path) -> None:
    paths = paths_in(tmp_path / "data")
    paths.create()
    # The hooks the app chains to would be the test runner's, which fail a test on any unhandled error.
    sys.excepthook, threading.excepthook = (lambda *_: None), (lambda _: None)
    configure_logging(paths.log_file, verbose=True)  # debug on: the most the app ever writes
    transport = FaultTransport({})
    shown: list[str] = []
    with mastodon_live(_now) as mastodon, telegram_live(_now) as telegram, bluesky_live(_now) as bluesky:
        core = build_core(paths, transport=transport, secrets=MemorySecretStore())
        session = json.loads(bluesky.token)  # the stored Bluesky sign-in: a blob of two JWTs
        secrets = [
            mastodon.token,
            telegram.token,
            session["accessJwt"],
            session["refreshJwt"],
            APP_PASSWORD,
            CLIENT_SECRET,
        ]
        accounts = {}
        for live in (mastodon, telegram, bluesky):
            for host in (live.host, *live.also):
                transport.routes[host] = live.route
            account = core.repository.add_account(live.platform, "shop", core.clock.now(), settings=live.settings)
            core.secrets.set(account_key(account.id), live.token)
            accounts[live.platform] = account.id
            live.customer_writes(3)
        core.secrets.set("bluesky-app-password", APP_PASSWORD)
        core.secrets.set("mastodon-app-social.example", CLIENT_SECRET)
        shown += _run_everything(core, transport, (mastodon, telegram, bluesky), accounts)
        shown += _unexpected_bug_with_the_token_in_its_message(core, transport, telegram, accounts)
        files_while_running = _files(tmp_path)  # the -wal and -shm files exist only while the app runs
        _crash(telegram.token)
        core.close()
    files = {**files_while_running, **_files(tmp_path)}
    assert any(p.name.endswith("-wal") for p in files_while_running), "the WAL file was not searched"
    assert any("crash" in p.name for p in files), "no crash report was written"
    leaks = [
        f"{path.relative_to(tmp_path)} holds secret #{secrets.index(s)}"
        for path, data in files.items()
        for s in secrets
        if any(v in data for v in _variants(s))
    ]
    leaks += [f"shown to the owner: {text[:80]!r}" for text in shown for s in secrets if s in text]
    leaks += [
        f"{path.name} holds the owner's e-mail address"
        for path, data in files.items()
        if OWNER_EMAIL.encode() in data and path.suffix in (".log", ".txt")
    ]
    assert not leaks, "\n".join(leaks)
    logged = paths.log_file.read_text(encoding="utf-8")
    assert "proxy plugin failed" in logged and "[redacted]" in logged, "the leaking messages never reached the log"
    assert "[e-mail]" in logged
    assert len([p for p in files if p.name.startswith("crash-")]) == 2


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _run_everything(
    core: Any, transport: FaultTransport, lives: tuple[Any, ...], accounts: dict[Platform, int]
) -> list[str]:
    """Polls through every fault of the catalogue, replies sent through failures: everything the owner is shown."""
    shown = []
    for live in lives:
        account = accounts[live.platform]
        for name in CATALOGUE:
            transport.plan.inject(faults_for(live.style, _now())[name], host=live.host, times=1)
            report = core.service.poll_account(account)
            shown += [report.error, report.account.health_detail, *report.warnings]
            core.repository.mark_reconnected(account, "")
        conversation = core.service.poll_account(account).conversations
        for item in conversation[:2]:
            core.repository.queue_reply(item.id, "On its way, thanks!", _now())
        transport.plan.inject(faults_for(live.style, _now())["reset"], host=live.host, method="POST", times=1)
        shown += [delivery.item.last_error for delivery in core.sender.send_due(account)]
    log = logging.getLogger("socialinbox.test")
    log.warning("a request failed: Authorization: Bearer %s; password=%s", lives[0].token, APP_PASSWORD)
    log.warning("headers {'Cookie': 'session=%s'}", lives[1].token)
    log.info("signed in as %s", OWNER_EMAIL)
    return shown


def _unexpected_bug_with_the_token_in_its_message(
    core: Any, transport: FaultTransport, telegram: Any, accounts: dict[Platform, int]
) -> list[str]:
    """A bug below the connector raises with the request URL in its message: Telegram's URL holds the token."""

    def buggy(request: httpx.Request) -> httpx.Response:
        raise RuntimeError(f"proxy plugin failed for {request.url}")

    transport.routes[telegram.host] = buggy
    report = core.service.poll_account(accounts[Platform.TELEGRAM])
    transport.routes[telegram.host] = telegram.route
    return [report.error, report.account.health_detail]


def _crash(token: str) -> None:
    """Unhandled errors on the main thread and on a worker thread leave crash reports."""
    try:
        raise ValueError(f"could not parse answer for https://api.telegram.org/bot{token}/getUpdates")
    except ValueError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    worker = threading.Thread(target=_fail_in_thread, args=(token,), name="poller")
    worker.start()
    worker.join()


def _fail_in_thread(token: str) -> None:
    raise KeyError(f"Authorization: Bearer {token}")
