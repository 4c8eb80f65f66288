"""E-mail in the reliability suite: the real Dovecot and aiosmtpd of tests/connectors/mail_servers.py, each behind
a fault-injecting proxy (tests/mail_faults.py), and customers who write mail into a folder of their own.

One Dovecot serves the whole run (starting one takes about a second); every shop uses folders of its own, so
accounts never see each other's mail. ``unavailable()`` says why the e-mail rows cannot run here, if they cannot.
"""

from __future__ import annotations

import contextlib
import dataclasses
import email.utils
import itertools
import logging
import uuid
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from socialinbox.domain import Platform
from socialinbox.secrets import account_key
from tests.connectors.mail_servers import PASSWORD, USER, Dovecot, SmtpSink, dovecot_unavailable
from tests.mail_proxy import MailFaultProxy
from tests.reliability.world import World

TIMEOUT_S = 1.0  # what a stalled server costs the test: the connector's timeout


def unavailable() -> str | None:
    """Why the e-mail rows cannot run here, or None."""
    if reason := dovecot_unavailable():
        return f"e-mail rows need the real IMAP server: {reason}"
    try:
        import aiosmtpd  # noqa: F401  (the test extra)
    except ImportError:
        return "e-mail rows need aiosmtpd (the test extra) for the SMTP server"
    return None


@contextlib.contextmanager
def mail_servers() -> Iterator[tuple[Dovecot, SmtpSink]]:
    # aiosmtpd warns on every connection that the test server takes AUTH without TLS (it is loopback only).
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
    dovecot = Dovecot()
    dovecot.start()
    try:
        with SmtpSink() as smtp:
            yield dovecot, smtp
    finally:
        dovecot.stop()


@dataclasses.dataclass
class MailShop:
    """One shop's mailbox (a folder of the one Dovecot user), behind its own IMAP and SMTP proxies (mail_proxy.py)."""

    dovecot: Dovecot
    smtp: SmtpSink
    imap_proxy: MailFaultProxy
    smtp_proxy: MailFaultProxy
    folder: str
    written: list[str] = dataclasses.field(default_factory=list)
    _numbers: Iterator[int] = dataclasses.field(default_factory=itertools.count)

    @property
    def settings(self) -> dict[str, Any]:
        return {
            "address": USER,
            "display_name": "Corner Bakery",
            "imap_host": "127.0.0.1",
            "imap_port": self.imap_proxy.port,
            "imap_security": "plain",
            "smtp_host": "127.0.0.1",
            "smtp_port": self.smtp_proxy.port,
            "smtp_security": "plain",
            "folder": self.folder,
            "sent_folder": f"{self.folder}-sent",
            "timeout_s": TIMEOUT_S,
        }

    def add_to(self, world: World) -> int:
        account = world.repo.add_account(
            Platform.EMAIL, f"{USER}-{self.folder}", world.clock.now(), settings=self.settings, poll_interval_s=60
        )
        world.secrets.set(account_key(account.id), PASSWORD)
        return account.id

    def customer_writes(self, count: int, now: datetime, **mail_options: Any) -> list[str]:
        """``count`` mails from customers, as Dovecot delivers them; returns their remote ids (Message-IDs)."""
        made = []
        for _ in range(count):
            number = next(self._numbers)
            remote_id = f"{number}.{uuid.uuid4().hex[:8]}@customers.example"
            raw = customer_mail(remote_id, number, now - timedelta(minutes=1), **mail_options)
            made.append(remote_id)
            self.dovecot.append(self.folder, raw)
        self.written += made
        return made

    def deliver_raw(self, raw: bytes, remote_id: str) -> None:
        self.dovecot.append(self.folder, raw)
        self.written.append(remote_id)

    def remote_ids(self) -> set[str]:
        return set(self.written)


def customer_mail(
    remote_id: str,
    number: int,
    when: datetime,
    *,
    subject: str | None = None,
    body: bytes | None = None,
    headers: bytes = b"",
    charset: str = "utf-8",
) -> bytes:
    person = number % 7
    lines = [
        f"From: Customer {person} <customer{person}@example.org>",
        f"To: {USER}",
        f"Subject: {subject or f'Order {number}'}",
        f"Date: {email.utils.format_datetime(when)}",
        f"Message-ID: <{remote_id}>",
        "MIME-Version: 1.0",
        f"Content-Type: text/plain; charset={charset}",
        "Content-Transfer-Encoding: 8bit",
    ]
    head = "\r\n".join(lines).encode() + b"\r\n" + headers
    return head + b"\r\n" + (body or f"Is order {number} ready for pick-up?\r\n".encode())


@contextlib.contextmanager
def mail_shop(dovecot: Dovecot, smtp: SmtpSink, seed: int = 0) -> Iterator[MailShop]:
    folder = f"r{uuid.uuid4().hex[:10]}"
    dovecot.create(folder)
    with MailFaultProxy(dovecot.port, seed=seed) as imap, MailFaultProxy(smtp.port, seed=seed + 1) as submission:
        yield MailShop(dovecot, smtp, imap, submission, folder)
