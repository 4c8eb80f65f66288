"""Real mail servers on loopback for the e-mail tests: Debian's Dovecot (IMAP) and aiosmtpd (SMTP), in-process.

Dovecot is started by ``../shared/peers/imap-dovecot.sh`` in a folder of its own under /tmp (its processes run as
the ``vmail`` user, who cannot enter pytest's private temporary folders). Tests that need it skip, saying why,
when the script is not beside the checkout, Dovecot is not installed, or the tests do not run as root.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import imaplib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from tests.specs import PROJECT_ROOT

DOVECOT_SCRIPT = PROJECT_ROOT.parent / "shared" / "peers" / "imap-dovecot.sh"
USER = "shop@cornerbakery.example"
PASSWORD = 'Sëcret "app" pass\\word'  # non-ASCII, quotes and a backslash: what LOGIN quoting gets wrong


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def dovecot_unavailable() -> str | None:
    """Why the Dovecot tests cannot run here, or None."""
    if not DOVECOT_SCRIPT.exists():
        return f"needs {DOVECOT_SCRIPT}: the shared test peers are not beside this checkout"
    if shutil.which("dovecot") is None and not Path("/usr/sbin/dovecot").exists():
        return "Dovecot is not installed (apt-get install dovecot-imapd; 'scripts/setup.sh test' does it)"
    if os.geteuid() != 0:
        return "the Dovecot test server must be started as root (it runs its mailboxes as the vmail user)"
    return None


class Dovecot:
    """One Dovecot with one user; tests keep apart by using folders of their own.

    ``tls``: a certificate and key (``tests.tls_front.make_certificates``); the server then offers STARTTLS on its
    port, as on port 143, and takes no password from anywhere but this computer before it (Dovecot counts loopback
    as secure, so the tests' own connection may sign in plainly)."""

    def __init__(self, *, tls: tuple[Path, Path] | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="socialinbox-dovecot-"))
        self.port = free_port()
        self._tls = tls
        self._admin: imaplib.IMAP4 | None = None

    @property
    def log(self) -> str:
        """Dovecot's own log."""
        return (self.folder / "dovecot.log").read_text(errors="replace")

    def sign_ins(self) -> list[str]:
        """The log's lines for sign-ins, in order: one over TLS carries ``TLS``, one in the clear ``secured``. The
        tests' own connection signs in once, at its first delivery; a test that counts from a mark taken after that
        sees only the connector's."""
        return [line for line in self.log.splitlines() if "imap-login: Info: Login: user=<" in line]

    def start(self) -> None:
        command = ["bash", str(DOVECOT_SCRIPT), "start", str(self.folder), str(self.port), USER, PASSWORD]
        # Not captured through pipes: the daemon keeps whatever it inherits open, so reading them never ends.
        log = self.folder / "start.log"
        with log.open("wb") as output:
            done = subprocess.run(command, timeout=120, stdout=output, stderr=subprocess.STDOUT, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"Dovecot did not start:\n{log.read_text(errors='replace')}")
        if self._tls is not None:
            self._reload_with_tls(*self._tls)

    def _reload_with_tls(self, certificate: Path, key: Path) -> None:
        """The shared script writes a plain server's settings (``ssl = no``); these offer STARTTLS instead. Dovecot
        reads them again when told to reload (SIGHUP), keeping its listening port."""
        settings = self.folder / "dovecot.conf"
        plain = settings.read_text()
        assert "\nssl = no\n" in plain, "the shared script's settings changed"
        # Replaced whole, never rewritten in place: Dovecot's config process may be reading the file right then. A CI
        # run's Dovecot failed to parse it as it reloaded ("line 36: Unknown setting: maps { maps", a line the file
        # does not have) and stopped serving; a reader of a file being rewritten can see it half-written.
        staged = settings.with_name("dovecot.conf.tls")
        staged.write_text(
            plain.replace("\nssl = no\n", f"\nssl = required\nssl_cert = <{certificate}\nssl_key = <{key}\n").replace(
                "disable_plaintext_auth = no", "disable_plaintext_auth = yes"
            )
        )
        os.replace(staged, settings)
        os.kill(int((self.folder / "run" / "master.pid").read_text().strip()), signal.SIGHUP)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, imaplib.IMAP4.error), imaplib.IMAP4("127.0.0.1", self.port, 1) as probe:
                if "STARTTLS" in probe.capabilities:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"Dovecot did not offer STARTTLS after reloading:\n{self.log[-2000:]}")

    def stop(self) -> None:
        if self._admin is not None:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                self._admin.logout()
        pid_file = self.folder / "run" / "master.pid"
        pid = int(pid_file.read_text().strip()) if pid_file.exists() else None
        subprocess.run(["bash", str(DOVECOT_SCRIPT), "stop", str(self.folder)], timeout=30, check=False)
        deadline = time.monotonic() + 0.5  # enough to let go of the port; the rest exits by itself
        while pid is not None and time.monotonic() < deadline and process_running(pid):
            time.sleep(0.05)
        shutil.rmtree(self.folder, ignore_errors=True)

    @contextlib.contextmanager
    def imap(self) -> Iterator[imaplib.IMAP4]:
        """The test's own connection, kept open: every Dovecot sign-in costs about 0.1 s."""
        if self._admin is None:
            self._admin = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
            self._admin.authenticate("PLAIN", lambda _: f"\0{USER}\0{PASSWORD}".encode())
        try:
            yield self._admin
        finally:
            if self._admin.state == "SELECTED":
                self._admin.unselect()  # a folder left selected could not be deleted by the next call

    def create(self, folder: str) -> None:
        with self.imap() as imap:
            imap.create(f'"{folder}"')

    def delete(self, folder: str) -> None:
        with self.imap() as imap:
            imap.delete(f'"{folder}"')

    def append(self, folder: str, raw: bytes, flags: str = "", when: datetime | None = None) -> None:
        """Deliver a mail; its arrival time is its Date header (so SINCE searches see it as the test expects)."""
        self.deliver([(folder, raw)], flags, when)

    def deliver(self, mails: list[tuple[str, bytes]], flags: str = "", when: datetime | None = None) -> None:
        """Deliver (folder, mail) pairs in order over one connection."""
        with self.imap() as imap:
            for folder in dict.fromkeys(folder for folder, _ in mails):
                imap.create(f'"{folder}"')  # NO when it exists: harmless
            for folder, raw in mails:
                arrived = imaplib.Time2Internaldate(when or _date_of(raw))
                kind, data = imap.append(f'"{folder}"', flags or None, arrived, raw)
                assert kind == "OK", data

    def move(self, folder: str, message_id: str, target: str) -> None:
        """What another mail program does when the owner files a mail away."""
        with self.imap() as imap:
            imap.create(f'"{target}"')
            imap.select(f'"{folder}"')
            _, found = imap.uid("SEARCH", "HEADER", "Message-ID", f'"{message_id}"')
            uid = found[0].split()[0].decode()
            imap.uid("COPY", uid, f'"{target}"')
            imap.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
            imap.expunge()

    def uidvalidity(self, folder: str) -> int:
        with self.imap() as imap:
            imap.select(f'"{folder}"', readonly=True)
            return int(imap.response("UIDVALIDITY")[1][0])

    def flags(self, folder: str, value: str, header: str = "Message-ID") -> set[str]:
        """The flags of the mail whose ``header`` contains ``value``."""
        with self.imap() as imap:
            imap.select(f'"{folder}"', readonly=True)
            _, found = imap.uid("SEARCH", "HEADER", header, f'"{value}"')
            uids = found[0].split()
            assert uids, f"no {header} {value} in {folder}"
            _, data = imap.uid("FETCH", uids[0].decode(), "(FLAGS)")
            text = data[0].decode() if isinstance(data[0], bytes) else str(data[0])
            return set(text.split("FLAGS (")[1].split(")")[0].split())

    def raw_mails(self, folder: str) -> list[bytes]:
        with self.imap() as imap:
            if imap.select(f'"{folder}"', readonly=True)[0] != "OK":
                return []
            _, found = imap.uid("SEARCH", "ALL")
            mails = []
            for uid in found[0].split():
                _, data = imap.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
                mails.append(data[0][1])
            return mails


def process_running(pid: int) -> bool:
    """Still there and not a zombie (in a container nobody may reap the daemon's master)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _date_of(raw: bytes) -> datetime:
    for line in raw.split(b"\n"):
        if line.lower().startswith(b"date:"):
            with contextlib.suppress(TypeError, ValueError):
                return parsedate_to_datetime(line[5:].decode().strip()).astimezone(UTC)
        if not line.strip():
            break
    return datetime.now(UTC)


# --- SMTP --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    over_tls: bool = False


class SmtpSink:
    """aiosmtpd in a thread on loopback: records what it is sent; ``mode`` makes it misbehave on purpose.

    ``tls``: a certificate and key (``tests.tls_front.make_certificates``); the server then offers STARTTLS and
    requires it before anything else, as on port 587, or with ``implicit_tls`` speaks TLS from the first byte, as on
    port 465. ``sign_ins`` counts the passwords it was sent."""

    def __init__(
        self, *, password: str | None = PASSWORD, tls: tuple[Path, Path] | None = None, implicit_tls: bool = False
    ) -> None:
        from aiosmtpd.controller import Controller  # the test extra; imported only where a test needs it

        self.received: list[Received] = []
        self.sign_ins = 0
        self.mode = "ok"
        self.port = free_port()
        options: dict[str, Any] = {}
        if password is not None:
            # Sign-in only over TLS where the server has it; aiosmtpd counts only STARTTLS as TLS there, so a server
            # that speaks TLS from the first byte leaves the check to the connection itself.
            require_tls = tls is not None and not implicit_tls
            options = {"authenticator": self._authenticate, "auth_require_tls": require_tls, "auth_required": True}
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls)
            options |= {"ssl_context": context} if implicit_tls else {"tls_context": context, "require_starttls": True}
        self._password = password
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        self.sign_ins += 1
        ok = isinstance(auth_data, LoginPassword) and auth_data.password.decode("utf-8") == self._password
        return AuthResult(success=ok, handled=False)  # False: aiosmtpd answers 535 itself

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.mode == "unknown-recipient":
            return "550 5.1.1 <" + address + ">: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.mode == "busy":
            return "451 4.3.0 Try again later"
        if self.mode == "spam":
            return "554 5.7.1 Message rejected as spam"
        if self.mode == "slow":
            await asyncio.sleep(3)
        if self.mode == "drop":
            server.transport.close()  # the text arrived; the answer never does
            return "250 OK"
        # aiosmtpd notes TLS in the session only after STARTTLS; from the first byte, the transport carries it.
        over_tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content, over_tls))
        return "250 2.0.0 Ok: queued"
