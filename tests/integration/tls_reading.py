"""What the e-mail connector's TLS tests share: a customer's mail, and a connector that reads one folder over TLS
(``tls``, as on port 993) or STARTTLS (``starttls``, as on port 143) and sends nothing."""

from __future__ import annotations

import email.utils
import uuid
from datetime import UTC, datetime, timedelta

from socialinbox.connectors.email import EmailConnector, build_email
from tests.conftest import FakeClock
from tests.connectors.mail_servers import USER, free_port

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def reading_connector(port: int, security: str, box: str, clock: FakeClock) -> EmailConnector:
    clock.set(NOW)
    settings = {
        "address": USER,
        "display_name": "Corner Bakery",
        "imap_host": "127.0.0.1",
        "imap_port": port,
        "imap_security": security,
        "smtp_host": "127.0.0.1",
        "smtp_port": free_port(),  # nothing is sent here
        "smtp_security": security,
        "folder": box,
        "sent_folder": f"{box}-sent",
        "timeout_s": 5,
    }
    return build_email(settings, clock)


def bread_order(body: str) -> bytes:
    lines = [
        "From: Kim Lee <kim@example.org>",
        f"To: {USER}",
        "Subject: Bread order",
        f"Date: {email.utils.format_datetime(NOW - timedelta(hours=1))}",
        f"Message-ID: <{uuid.uuid4().hex}@example.org>",
        "Content-Type: text/plain; charset=utf-8",
        "MIME-Version: 1.0",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()
