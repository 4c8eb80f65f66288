"""The command line end to end with e-mail: ``accounts add email``, ``sync --once``, ``inbox --json``, ``reply``.

Each command runs in its own process, as a script or a shop's always-on box runs it, against a real Dovecot and a
real SMTP server on loopback; the password travels on standard input and lives in a file-backed test keyring.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialinbox.paths import paths_in
from tests.connectors.mail_servers import PASSWORD, USER, Dovecot, SmtpSink, dovecot_unavailable
from tests.specs import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "connectors" / "fixtures" / "email"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
if (reason := dovecot_unavailable()) is not None:
    pytest.skip(reason, allow_module_level=True)
pytest.importorskip("aiosmtpd", reason="aiosmtpd (the test extra) runs the SMTP server these tests send to")


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Dovecot, SmtpSink]]:
    dovecot = Dovecot()
    dovecot.start()
    try:
        with SmtpSink() as smtp:
            yield dovecot, smtp
    finally:
        dovecot.stop()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-email")


def arrived_now(path: Path) -> bytes:
    """The fixture dated now: the subprocesses run on the machine's clock, and only recent mail is read."""
    now = email.utils.format_datetime(datetime.now(UTC)).encode()
    return re.sub(rb"(?m)^Date: [^\r\n]*", b"Date: " + now, path.read_bytes(), count=1)


def run(home: Path, *args: str, stdin: str = "", check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "tests.integration.file_keyring.FileKeyring",
        "SOCIALINBOX_TEST_KEYRING": str(home / "keyring.json"),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "socialinbox", "--data-dir", str(home / "data"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=60,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def test_connect_sync_list_and_reply_from_the_command_line(servers: tuple[Dovecot, SmtpSink], home: Path) -> None:
    dovecot, smtp = servers
    names = ["gmail_alternative_reply.eml", "koi8r_base64.eml", "auto_reply_out_of_office.eml"]
    dovecot.deliver([("INBOX", arrived_now(FIXTURES / name)) for name in names], when=datetime.now(UTC))
    options = ["--imap-host", "127.0.0.1", "--imap-port", str(dovecot.port), "--imap-security", "plain"]
    options += ["--smtp-host", "127.0.0.1", "--smtp-port", str(smtp.port), "--smtp-security", "plain"]

    added = run(home, "accounts", "add", "email", "--address", USER, "--name", "Corner Bakery", *options,
                stdin=PASSWORD + "\n")  # fmt: skip
    assert "Connected E-mail · Corner Bakery as account 1." in added.stdout
    assert PASSWORD not in added.stdout + added.stderr

    assert "Corner Bakery: 2 new" in run(home, "sync", "--once").stdout  # the out-of-office is no customer
    inbox = json.loads(run(home, "inbox", "--json").stdout)
    assert sorted(c["contact"] for c in inbox) == ["maria.lopez@gmail.example", "olga.smirnova@yandex.example"]
    assert {c["platform"] for c in inbox} == {"email"} and {c["status"] for c in inbox} == {"needs-reply"}
    maria = next(c for c in inbox if c["contact"] == "maria.lopez@gmail.example")

    sent = run(home, "reply", str(maria["id"]), "--text", "So sorry, María! Fresh croissants come on Friday.")
    assert "Sent reply" in sent.stdout
    (received,) = smtp.received
    message = email.message_from_bytes(received.data, policy=email.policy.default)
    assert received.rcpt_tos == ["maria.lopez@gmail.example"]
    assert message["Subject"] == "Re: Your order #1042 is on its way"
    assert message["In-Reply-To"] == "<CAJx9q+VbN2kP0aGmail.1@mail.gmail.com>"
    assert len(dovecot.raw_mails("Sent")) == 1  # the server had no Sent folder: made, and the copy filed
    assert "\\Answered" in dovecot.flags("INBOX", "CAJx9q+VbN2kP0aGmail.1@mail.gmail.com")

    assert "Corner Bakery: 0 new" in run(home, "sync", "--once").stdout  # the Sent copy is the stored reply
    with sqlite3.connect(paths_in(home / "data").database) as db:
        (status,) = db.execute("select status from conversation where id = ?", (maria["id"],)).fetchone()
        directions = [
            d
            for (d,) in db.execute(
                "select direction from message where conversation_id = ? order by sent_at", (maria["id"],)
            )
        ]
        (settings,) = db.execute("select settings_json from account").fetchone()
    assert status == "waiting" and directions == ["in", "out"]
    assert json.loads((home / "keyring.json").read_text()) == {"socialinbox/account-1": PASSWORD}
    assert PASSWORD not in settings and json.loads(settings)["imap_host"] == "127.0.0.1"


def test_a_refused_password_adds_no_account_and_is_never_echoed(servers: tuple[Dovecot, SmtpSink], home: Path) -> None:
    dovecot, smtp = servers
    wrong = "wrong-app-password-42"
    options = ["--imap-host", "127.0.0.1", "--imap-port", str(dovecot.port), "--imap-security", "plain"]
    options += ["--smtp-host", "127.0.0.1", "--smtp-port", str(smtp.port), "--smtp-security", "plain"]
    result = run(home, "accounts", "add", "email", "--address", "other@cornerbakery.example", *options,
                 stdin=wrong + "\n", check=False)  # fmt: skip
    assert result.returncode == 1 and "refused the sign-in" in result.stderr
    assert wrong not in result.stdout + result.stderr
    with sqlite3.connect(paths_in(home / "data").database) as db:
        assert [h for (h,) in db.execute("select handle from account")] == [USER]
    again = run(home, "accounts", "add", "email", "--reconnect", "1", stdin=wrong + "\n", check=False)
    assert again.returncode == 1 and "refused the sign-in" in again.stderr and wrong not in again.stderr
    assert json.loads((home / "keyring.json").read_text()) == {"socialinbox/account-1": PASSWORD}  # kept
