"""Issue 11: the app's own doors, one test (or more) per door.

- Sign-in callbacks: the loopback listener's door tests live beside it, in tests/connectors/test_mastodon_auth.py
  (forged state, second callback, other paths and hosts refused; the real one completes; loopback only).
- Local files: after a real first start, every folder the app made is 0700 and every file 0600.
- Links: every URL scheme in a message is shown; only http(s) opens, after the owner saw the real target.
- The single-instance socket: only exact, known commands pass; floods and silent clients do not block it.
- Logs and crash reports: tests/reliability/test_r5_secrets.py and test_redaction.py; pip-audit: tests/test_quality.py.
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtNetwork import QLocalSocket
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from socialinbox.cli import build_parser
from socialinbox.crash import CrashHandler
from socialinbox.links import openable
from socialinbox.logging_setup import configure_logging
from socialinbox.paths import paths_in
from socialinbox.report_export import write_private
from socialinbox.secrets import MemorySecretStore, account_key
from socialinbox.ui.single_instance import MAX_LINE_BYTES, Request, SingleInstance, decode, server_name
from socialinbox.ui.thread_html import text_to_html
from socialinbox.ui.views.conversation_pane import ThreadView
from socialinbox.wiring import build_core, ensure_demo_account
from tests.faults import CATALOGUE, FaultTransport, faults_for
from tests.reliability.dependencies import installed_closure
from tests.reliability.kills import ROOT
from tests.reliability.platforms import mastodon_live, telegram_live


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The usual desktop umask (022): anything the app does not restrict itself ends up readable by others."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _run_cli(data: Path, *arguments: str) -> None:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring", "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-c",
        "import os, sys; os.umask(0o022); from socialinbox.cli import main; sys.exit(main())",
    ]
    result = subprocess.run(
        [*command, "--data-dir", str(data), *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(os.name != "posix", reason="0700/0600 modes are POSIX; Windows uses the profile's ACLs")
@pytest.mark.usefixtures("permissive_umask")
def test_after_a_first_start_every_folder_is_0700_and_every_file_0600(tmp_path: Path) -> None:
    data = tmp_path / "shop"
    _run_cli(data, "accounts", "add", "demo")  # the first start: creates the folders, database and settings
    _run_cli(data, "sync", "--once")
    paths = paths_in(data)
    when = datetime.now(UTC)
    CrashHandler(paths.log_dir / "crash-reports", now=lambda: when).report(*_an_error())
    (data / "exports").mkdir()  # the folder the owner picked in the save dialog
    write_private(data / "exports" / "report.csv", "first response,minutes\n")
    assert any(paths.log_dir.rglob("crash-*")), "no crash report to check"
    loose = []
    for path in [data, *data.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        wanted = 0o700 if path.is_dir() else 0o600
        if path.parent == data and path.name == "exports":
            continue  # the owner's own choice of folder for exports; the file in it is checked
        if mode & 0o077:
            loose.append(f"{path.relative_to(tmp_path)}: {oct(mode)} (want {oct(wanted)})")
    assert not loose, "\n".join(loose)


def _an_error() -> tuple[BaseException, object]:
    try:
        raise RuntimeError("boom")
    except RuntimeError as error:
        return error, error.__traceback__


# --- links ---------------------------------------------------------------------------------------------------


SCHEMES = {
    "https://shop.example/order/42": True,
    "http://shop.example/menu": True,
    "HTTPS://SHOP.EXAMPLE/": True,
    "javascript:alert(1)": False,
    "JaVaScRiPt:alert(1)": False,
    "file:///etc/passwd": False,
    "file://server/share/invoice.pdf": False,
    "data:text/html,<script>alert(1)</script>": False,
    "vbscript:msgbox(1)": False,
    "ftp://files.example/a.zip": False,
    "mailto:owner@shop.example": False,
    "tel:+441234567890": False,
    "smb://nas.local/share": False,
    "steam://run/1": False,
    "ms-settings:privacy": False,
    "x-custom-app://do-something": False,
    "about:blank": False,
    "blob:https://shop.example/uuid": False,
    "http:/no-host": False,
    "https://": False,
}


@pytest.mark.parametrize(("url", "opens"), SCHEMES.items())
def test_only_web_links_with_a_host_may_open(url: str, opens: bool) -> None:
    assert openable(url) is opens


@pytest.mark.parametrize("url", [u for u, opens in SCHEMES.items() if not opens and ":" in u])
def test_other_schemes_in_a_message_are_text_never_links(url: str) -> None:
    shown = text_to_html(f"see {url} please")
    assert "<a " not in shown.replace('<a href="http', "")  # only an http(s) part inside, if any, is a link
    assert 'href="javascript' not in shown.lower() and 'href="file' not in shown.lower()


@pytest.fixture
def clicks(monkeypatch: pytest.MonkeyPatch, qtbot: QtBot) -> Iterator[tuple[ThreadView, list[str]]]:
    seen: list[str] = []

    def question(parent: object, title: str, text: str, *args: object) -> QMessageBox.StandardButton:
        seen.append(f"asked: {text}")
        return QMessageBox.StandardButton.Yes

    def information(parent: object, title: str, text: str, *args: object) -> QMessageBox.StandardButton:
        seen.append(f"refused: {text}")
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "information", information)
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: seen.append(f"opened: {url.toString()}") or True)
    view = ThreadView()
    qtbot.addWidget(view)
    yield view, seen


@pytest.mark.parametrize(("url", "opens"), SCHEMES.items())
def test_clicking_a_link_shows_its_real_target_and_opens_only_web_links(
    clicks: tuple[ThreadView, list[str]], url: str, opens: bool
) -> None:
    view, seen = clicks
    view.on_anchor_clicked(QUrl(url))
    opened = [s for s in seen if s.startswith("opened: ")]
    if opens:
        assert seen[0].startswith("asked: ") and QUrl(url).toString() in seen[0], "the real target was not shown"
        assert len(opened) == 1
    else:
        assert opened == [], f"{url} was opened"
        assert seen and seen[0].startswith("refused: ")


# --- the single-instance socket ------------------------------------------------------------------------------


def test_only_exact_known_commands_decode_whatever_the_bytes() -> None:
    """A property over random and near-valid input: a line decodes only when it is the canonical form of a known
    request (leading zeros of an id aside: the number is the same), and anything else is a ValueError, never another
    exception."""
    rng = random.Random(11)
    near = [b"show", b"demo", b"open-conversation 7", b"open-conversation", b"show ", b" show", b"SHOW"]
    for _ in range(20_000):
        if rng.random() < 0.5:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, MAX_LINE_BYTES + 20)))
        else:
            base = bytearray(rng.choice(near))
            for _ in range(rng.randrange(0, 3)):
                base.insert(rng.randrange(len(base) + 1), rng.choice(b" \n\r\t\x00-+0123456789x\xff"))
            data = bytes(base) + (b"\n" if rng.random() < 0.8 else b"")
        try:
            request = decode(data)
        except ValueError:
            continue
        assert isinstance(request, Request) and _canonical(data) == request.encode(), data


def _canonical(data: bytes) -> bytes:
    command, _, number = data.rstrip(b"\n").partition(b" ")
    return command + (b" " + (number.lstrip(b"0") or b"0") if number else b"") + b"\n"


@pytest.fixture
def listening(tmp_path: Path, qtbot: QtBot) -> Iterator[tuple[SingleInstance, list[Request]]]:
    instance = SingleInstance(server_name(tmp_path / "doors"))
    received: list[Request] = []
    instance.request_received.connect(received.append)
    assert instance.listen()
    yield instance, received
    instance.close()


def test_floods_and_silent_clients_do_not_block_the_real_request(
    listening: tuple[SingleInstance, list[Request]], qtbot: QtBot
) -> None:
    instance, received = listening
    silent = QLocalSocket()
    silent.connectToServer(instance.name)
    assert silent.waitForConnected(1000)  # connects and never says anything
    flood = QLocalSocket()
    flood.connectToServer(instance.name)
    assert flood.waitForConnected(1000)
    flood.write(b"open-conversation " + b"9" * 1_000_000 + b"\n")
    flood.flush()
    qtbot.wait(200)
    valid = QLocalSocket()
    valid.connectToServer(instance.name)
    assert valid.waitForConnected(1000)
    valid.write(Request("open-conversation", 5).encode())
    valid.flush()
    qtbot.waitUntil(lambda: received == [Request("open-conversation", 5)], timeout=3000)
    silent.abort()
    flood.abort()


@pytest.mark.skipif(os.name != "posix", reason="0600 is POSIX")
@pytest.mark.usefixtures("permissive_umask")
def test_the_database_and_its_wal_and_shm_files_are_0600_while_the_app_runs(tmp_path: Path) -> None:
    core = build_core(paths_in(tmp_path / "shop"), secrets=MemorySecretStore())
    try:
        account = ensure_demo_account(core)
        assert core.service.poll_account(account.id).ok
        for path in core.paths.database_files:
            assert path.exists(), f"{path.name} was not there to check"
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path.name} is {oct(path.stat().st_mode)}"
    finally:
        core.close()


@pytest.mark.skipif(os.name != "posix", reason="0600 is POSIX")
@pytest.mark.usefixtures("permissive_umask")
def test_files_left_readable_by_an_older_version_are_made_private_at_start(tmp_path: Path) -> None:
    paths = paths_in(tmp_path / "shop")
    paths.data_dir.mkdir(parents=True)
    paths.data_dir.chmod(0o755)
    with sqlite3.connect(paths.database) as db:  # an older start: 0644 files, the WAL left behind by a crash
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE leftover (x)")
    paths.database.chmod(0o644)
    core = build_core(paths, secrets=MemorySecretStore())
    core.close()
    assert stat.S_IMODE(paths.data_dir.stat().st_mode) == 0o700
    for path in paths.database_files:
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


# --- dependencies --------------------------------------------------------------------------------------------


def test_the_readme_lists_every_bundled_library_with_a_licence() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Licence and bundled libraries", 1)[-1]
    listed = {
        canonicalize_name(cells[1].strip())
        for line in section.splitlines()
        if line.startswith("| ")
        and len(cells := line.split("|")) > 3
        and cells[3].strip()
        and cells[1].strip() != "library"
    }
    missing = sorted(set(installed_closure()) - listed)
    assert not missing, f"add these bundled libraries and their licences to the README: {missing}"


# --- logs: debug off by default, no message text above debug ------------------------------------------------

CUSTOMER_WORDS = "Kundin-7731 wants her refund for the wedding cake"
REPLY_WORDS = "Antwort-5519 your refund is on its way"


@pytest.mark.usefixtures("isolated_logging")
def test_debug_is_off_by_default_and_no_message_text_reaches_the_log(tmp_path: Path) -> None:
    """A run as the app starts it (no --verbose): customers write, polls meet every fault, replies fail and are
    sent. The log has lines (the failures), but no customer's words and no reply's."""
    args = build_parser().parse_args([])
    assert args.verbose is False
    paths = paths_in(tmp_path / "data")
    paths.create()
    configure_logging(paths.log_file, verbose=args.verbose)
    assert logging.getLogger().getEffectiveLevel() == logging.INFO
    transport = FaultTransport({})
    with mastodon_live(_now) as mastodon, telegram_live(_now) as telegram:
        core = build_core(paths, transport=transport, secrets=MemorySecretStore())
        for live in (mastodon, telegram):
            transport.routes[live.host] = live.route
            account = core.repository.add_account(live.platform, "shop", core.clock.now(), settings=live.settings)
            core.secrets.set(account_key(account.id), live.token)
            live.customer_writes(2, text=CUSTOMER_WORDS)
            for name in CATALOGUE:
                transport.plan.inject(faults_for(live.style, _now())[name], host=live.host, times=1)
                core.service.poll_account(account.id)
                core.repository.mark_reconnected(account.id, "")
            report = core.service.poll_account(account.id)
            conversations = [c for c in core.repository.conversations() if c.account_id == account.id]
            assert conversations and CUSTOMER_WORDS in conversations[0].preview, report.error
            for conversation in conversations:
                core.repository.queue_reply(conversation.id, REPLY_WORDS, _now())
            transport.plan.inject(faults_for(live.style, _now())["reset"], host=live.host, method="POST", times=1)
            core.sender.send_due(account.id)
        core.close()
    logged = paths.log_file.read_text(encoding="utf-8")
    assert "not sent" in logged, "nothing was logged: the test proves nothing"
    for words in (CUSTOMER_WORDS, REPLY_WORDS):
        assert words.split()[0] not in logged


def _now() -> datetime:
    return datetime.now(UTC)


# --- exports warn before they leave the app --------------------------------------------------------------------


def test_the_window_warns_that_an_export_holds_customer_data_and_cancel_writes_nothing(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialinbox.reports import ResponseReport
    from socialinbox.ui.dialogs import reports_dialog

    warned: list[str] = []

    def warning(_parent: object, _title: str, text: str, *_: object) -> QMessageBox.StandardButton:
        warned.append(text)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "warning", warning)
    monkeypatch.setattr(
        reports_dialog.QFileDialog, "getSaveFileName", lambda *_: pytest.fail("a file was asked for after Cancel")
    )
    today = datetime(2026, 3, 7, tzinfo=UTC)
    dialog = reports_dialog.ReportsDialog(lambda first, last: None, today.date(), 60)
    qtbot.addWidget(dialog)
    dialog.show_report(ResponseReport(today, today, today, 1, 1, None, None, 1.0, 0, {}, {}, tuple([0] * 24), {}, ()))
    dialog.on_export()
    assert len(warned) == 1 and "customer data" in warned[0] and "readable by you only" in warned[0]


# --- mail servers: the app password never crosses the network in the clear -----------------------------------


@pytest.mark.parametrize("host", ["mail.example.com", "192.168.1.20", "0.0.0.0", "127.0.0.1.example.com"])
def test_plain_imap_and_smtp_are_refused_for_anything_but_this_computer(host: str) -> None:
    from socialinbox.connectors.email_imap import Security, ServerSettings

    with pytest.raises(ValueError, match="TLS or STARTTLS"):
        ServerSettings(host, 143, Security.PLAIN, "shop@example.com")
    ServerSettings(host, 993, Security.TLS, "shop@example.com")
    ServerSettings("127.0.0.1", 1143, Security.PLAIN, "shop@example.com")  # a local bridge (Proton's) or a test
