"""``socialinbox attachment list | save`` against a real Dovecot: the mail stored by a poll, the file fetched again.

In-process (``socialinbox.cli.main``) with the tests' memory keyring, so it runs in a second rather than spawning
a process per command; the account is stored as ``accounts add email`` stores it.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from socialinbox.cli import main
from socialinbox.connectors.email import POLL_INTERVAL_S
from socialinbox.domain import Platform
from socialinbox.paths import paths_in
from socialinbox.secrets import account_key
from socialinbox.wiring import build_core
from tests.connectors.mail_servers import PASSWORD, USER, Dovecot, dovecot_unavailable
from tests.specs import PROJECT_ROOT

if (reason := dovecot_unavailable()) is not None:
    pytest.skip(reason, allow_module_level=True)

FIXTURE = PROJECT_ROOT / "tests" / "connectors" / "fixtures" / "email" / "attachments_mixed.eml"
MESSAGE_ID = "5f3c9a2e-anna-77@mailbox.example"


@pytest.fixture
def home(dovecot: Dovecot, tmp_path: Path) -> Path:
    """A data folder with the shop's mail account, its password in the keyring, and the mail stored by a poll."""
    box = f"a{uuid.uuid4().hex[:10]}"
    raw = re.sub(rb"(?m)^Date: [^\r\n]*", f"Date: {format_datetime(datetime.now(UTC))}".encode(), FIXTURE.read_bytes())
    dovecot.append(box, raw, when=datetime.now(UTC))
    core = build_core(paths_in(tmp_path / "data"))
    try:
        settings = {"address": USER, "imap_host": "127.0.0.1", "imap_port": dovecot.port, "imap_security": "plain",
                    "smtp_host": "127.0.0.1", "smtp_port": 1, "smtp_security": "plain", "folder": box,
                    "sent_folder": f"{box}-sent", "timeout_s": 5}  # fmt: skip
        account = core.repository.add_account(
            Platform.EMAIL, USER, core.clock.now(), settings=settings, poll_interval_s=POLL_INTERVAL_S
        )
        core.secrets.set(account_key(account.id), PASSWORD)
        assert core.service.poll_account(account.id).ok
    finally:
        core.close()
    return tmp_path


def cli(home: Path, *args: str) -> int:
    return main(["--data-dir", str(home / "data"), *args])


def test_list_then_save_fetches_the_real_file_and_never_replaces_one(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(home, "attachment", "list", "1", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    names = [row["name"] for row in listed]
    assert names[:2] == ["Rechnung_März.pdf", "tårta skadad.jpg"] and "logo.png" not in names
    photo = listed[1]

    folder = home / "saved"
    folder.mkdir()
    for _ in range(2):
        assert cli(home, "attachment", "save", str(photo["message_id"]), "2", "--to", str(folder)) == 0
    out = capsys.readouterr().out
    assert "tårta skadad.jpg" in out and "tårta skadad (2).jpg" in out
    first, second = (folder / "tårta skadad.jpg").read_bytes(), (folder / "tårta skadad (2).jpg").read_bytes()
    assert first == second and first.startswith(b"\xff\xd8") and len(first) == 30726
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()


def test_a_name_that_climbs_folders_is_saved_inside_the_chosen_folder(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(home, "attachment", "list", "1", "--json") == 0
    evil = next(row for row in json.loads(capsys.readouterr().out) if row["name"].endswith(".sh"))
    folder = home / "saved"
    folder.mkdir()
    assert cli(home, "attachment", "save", str(evil["message_id"]), str(evil["index"]), "--to", str(folder)) == 0
    assert [p.name for p in folder.iterdir()] == ["evil.sh"]
    assert not (folder / "evil.sh").stat().st_mode & 0o111  # saved, never made runnable


def test_bad_requests_say_why_and_exit_with_usage_or_failure_codes(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = home / "saved"
    folder.mkdir()
    assert cli(home, "attachment", "save", "1", "99", "--to", str(folder)) == 2
    assert "no attachment number 99" in capsys.readouterr().err
    assert cli(home, "attachment", "save", "424242", "1", "--to", str(folder)) == 2
    assert "There is no message 424242" in capsys.readouterr().err
    assert cli(home, "attachment", "save", "1", "1", "--to", str(home / "missing")) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert list(folder.iterdir()) == []


def contact_form_mail() -> bytes:
    """A web form's mail: no Message-ID, sent from the site's own address, the customer in Reply-To."""
    return (
        "From: Website <noreply@cornerbakery.example>\r\n"
        "Reply-To: Sam Okafor <sam.okafor@proton.example>\r\n"
        f"To: {USER}\r\nSubject: Contact form: wedding cake\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nA sketch of the cake we would like.\r\n"
        '--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="sketch.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQgc2tldGNo\r\n--b1--\r\n"
    ).encode()


def test_mail_without_a_message_id_is_found_again_by_its_sender(
    home: Path, dovecot: Dovecot, capsys: pytest.CaptureFixture[str]
) -> None:
    core = build_core(paths_in(home / "data"))
    try:
        (account,) = core.repository.accounts()
        dovecot.append(account.settings["folder"], contact_form_mail(), when=datetime.now(UTC))
        assert core.service.poll_account(account.id).ok
        (sam,) = [c for c in core.repository.conversations() if c.contact.handle == "sam.okafor@proton.example"]
        (message,) = core.repository.messages(sam.id)
        assert message.remote_id.startswith("sha256:")
    finally:
        core.close()
    folder = home / "saved"
    folder.mkdir()
    assert cli(home, "attachment", "save", str(message.id), "1", "--to", str(folder)) == 0
    assert (folder / "sketch.pdf").read_bytes() == b"%PDF-1.4 sketch"
