"""R5 for e-mail: a run with debug logging on, the e-mail account polling through every IMAP fault and replying
through every SMTP fault (the real Dovecot and aiosmtpd behind tests/mail_faults.py); then the app password is
searched for, plain, URL-encoded, UTF-16 and as the base64 AUTH PLAIN blob that carries it on the wire, in the
database and its -wal/-shm, the settings, the log and crash reports, and in every message the owner was shown.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from socialinbox.domain import Platform
from socialinbox.logging_setup import configure_logging
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore, account_key
from socialinbox.wiring import build_core
from tests.connectors.mail_servers import PASSWORD, USER
from tests.mail_faults import imap_faults, smtp_faults
from tests.reliability.mail_platform import MailShop, mail_servers, mail_shop, unavailable

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
if (reason := unavailable()) is not None:
    pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="module")
def shop() -> Iterator[MailShop]:
    with mail_servers() as servers, mail_shop(*servers, seed=5) as made:
        yield made


def _variants() -> set[bytes]:
    plain_auth = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode())
    return {PASSWORD.encode(), quote(PASSWORD, safe="").encode(), PASSWORD.encode("utf-16-le"), plain_auth}


def _files(folder: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.mark.usefixtures("isolated_logging")
def test_the_app_password_is_written_nowhere_and_shown_nowhere(tmp_path: Path, shop: MailShop) -> None:
    paths = paths_in(tmp_path / "data")
    paths.create()
    configure_logging(paths.log_file, verbose=True)  # debug on: the most the app ever writes
    core = build_core(paths, secrets=MemorySecretStore())
    account = core.repository.add_account(
        Platform.EMAIL, USER, datetime.now(UTC), settings={**shop.settings, "timeout_s": 1.0}
    ).id
    core.secrets.set(account_key(account), PASSWORD)
    shown: list[str] = []
    shop.customer_writes(2, datetime.now(UTC))
    for fault in imap_faults().values():
        shop.imap_proxy.inject(fault)
        report = core.service.poll_account(account)
        shown += [report.error, report.account.health_detail, *report.warnings]
        core.repository.mark_reconnected(account, "")
    shop.imap_proxy.clear()
    report = core.service.poll_account(account)
    assert report.ok, report.error
    conversation = core.repository.conversations(account_id=account)[0]
    for fault in smtp_faults().values():
        core.repository.queue_reply(conversation.id, "Your bread is ready.", datetime.now(UTC))
        shop.smtp_proxy.inject(fault)
        shown += [delivery.item.last_error for delivery in core.sender.send_due(account)]
    shop.smtp_proxy.clear()
    files_while_running = _files(tmp_path)
    core.close()
    files = {**files_while_running, **_files(tmp_path)}

    assert len(shown) > len(imap_faults()) + len(smtp_faults()), "the run showed the owner nothing"
    assert any(p.name.endswith("-wal") for p in files_while_running), "the WAL file was not searched"
    leaks = [f"{path.relative_to(tmp_path)}" for path, data in files.items() for v in _variants() if v in data]
    leaks += [f"shown to the owner: {text[:80]!r}" for text in shown if text and PASSWORD in text]
    assert not leaks, "the app password leaked into: " + ", ".join(leaks)
    assert "AUTHENTICATIONFAILED" in paths.log_file.read_text(encoding="utf-8"), "the faults never reached the log"
