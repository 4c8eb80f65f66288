"""The fault layer for mail: what the network and mail servers do to IMAP and SMTP, as data.

tests/faults.py injects HTTP faults; e-mail speaks IMAP and SMTP, so its faults are put on the wire by
``MailFaultProxy`` (tests/mail_proxy.py), a TCP proxy on 127.0.0.1 in front of the real Dovecot and aiosmtpd of
tests/connectors/mail_servers.py. A ``MailFault`` names a client line (a regular expression, or ``None`` for the
moment the connection opens) and what happens there:

- ``answer``: the server is not asked; the client gets ``reply`` instead (``{tag}`` becomes the IMAP command's tag),
  and the connection is closed afterwards when ``close`` (a BYE, an SMTP 421);
- ``stall``: nothing more reaches the client (the greeting never comes, an answer never comes): a timeout;
- ``reset``: the connection is reset (RST) without the line reaching the server;
- ``cut`` / ``cut_reset``: the line reaches the server; ``keep`` bytes of its answer reach the client, then the
  connection is closed (FIN) or reset (RST): a truncated response, a reset mid-response;
- ``garble``: the line reaches the server; the client gets ``reply`` (garbage) instead of the answer;
- ``swallow_reset``: the line reaches the server, its whole answer is dropped and the connection reset: the
  server acted (SMTP took the mail) and the client never learns it;
- ``huge_literal``: a FETCH is answered with a 50 MB literal, whatever was asked for;
- ``refuse``: nothing listens on the port while the fault lasts (connection refused).

``imap_faults()`` maps tests/faults.py's catalogue onto IMAP; ``smtp_faults()`` is what can happen to a reply.
"""

from __future__ import annotations

import dataclasses
import re

HUGE_BYTES = 50 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class MailFault:
    name: str
    action: str  # see the module docstring
    trigger: bytes | None = None  # a regular expression for a client line; None: when the connection opens
    reply: bytes = b""
    close: bool = True
    keep: int = 0
    reaches_server: bool = False  # whether the server acted on the line (for sends: the mail may be delivered)

    def __post_init__(self) -> None:
        assert self.action in {
            "answer",
            "stall",
            "reset",
            "cut",
            "cut_reset",
            "garble",
            "swallow_reset",
            "refuse",
            "huge_literal",
        }
        if self.action in {"cut", "cut_reset", "garble", "swallow_reset"}:
            object.__setattr__(self, "reaches_server", True)

    def matches(self, line: bytes) -> bool:
        return self.trigger is not None and re.search(self.trigger, line, re.IGNORECASE) is not None


# --- the catalogue --------------------------------------------------------------------------------------------

_BODY_FETCH = rb"^\S+ UID FETCH .*BODY\.PEEK"
_SIGN_IN = rb"^\S+ (AUTHENTICATE|LOGIN)\b"
_GARBAGE = b"\x00\xff\xfe%% not IMAP at all \x9c\x9d\r\n"


IMAP_HOW = {  # what each row of the catalogue is for IMAP, for docs/reliability.md
    "401": "NO [AUTHENTICATIONFAILED] at sign-in",
    "403": "NO [AUTHORIZATIONFAILED] at sign-in",
    "404": "NO [NONEXISTENT] for the folder",
    "429": "NO [LIMIT] at sign-in",
    "500": "NO [SERVERBUG] for the FETCH",
    "502": "* BYE and a closed connection for the SEARCH",
    "503": "NO [UNAVAILABLE] at sign-in",
    "bye_greeting": "* BYE as the greeting",
    "timeout": "the FETCH never answered",
    "connect_timeout": "no greeting",
    "refused": "nothing listening",
    "reset": "RST 60 bytes into the FETCH answer",
    "cut_body": "the FETCH answer cut after 60 bytes (FIN)",
    "malformed_json": "binary garbage for the FETCH answer",
    "truncated_json": "the EXAMINE answer cut mid-line",
    "html_error_page": "an HTTP error page as the greeting",
    "huge_body": "a real 50 MB mail in the folder",
    "wrong_content_type": "a mail labelled UTF-8 that is Latin-1, and one labelled with a charset that does not exist",
    "invalid_utf8": "bytes that are no UTF-8 in the From, another header and the body",
    "tls_failure": "TLS asked of the plain IMAP port (a wrong port or setting)",
}


def imap_faults() -> dict[str, MailFault]:
    """The IMAP counterparts of tests/faults.py's catalogue, by the catalogue's names (and a few of mail's own)."""
    faults = [
        MailFault("401", "answer", _SIGN_IN, b"{tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", False),
        MailFault("403", "answer", _SIGN_IN, b"{tag} NO [AUTHORIZATIONFAILED] Not allowed to use IMAP.\r\n", False),
        MailFault("404", "answer", rb"^\S+ EXAMINE ", b"{tag} NO [NONEXISTENT] Mailbox doesn't exist.\r\n", False),
        MailFault("429", "answer", _SIGN_IN, b"{tag} NO [LIMIT] Too many connections from your IP.\r\n", False),
        MailFault("500", "answer", _BODY_FETCH, b"{tag} NO [SERVERBUG] Internal error occurred.\r\n", False),
        MailFault("502", "answer", rb"^\S+ UID SEARCH ", b"* BYE Backend server gone away.\r\n"),
        MailFault("503", "answer", _SIGN_IN, b"{tag} NO [UNAVAILABLE] Server busy, try again later.\r\n", False),
        MailFault("bye_greeting", "answer", None, b"* BYE Server shutting down.\r\n"),
        MailFault("timeout", "stall", _BODY_FETCH),
        MailFault("connect_timeout", "stall", None),
        MailFault("refused", "refuse", None),
        MailFault("reset", "cut_reset", _BODY_FETCH, keep=60),
        MailFault("cut_body", "cut", _BODY_FETCH, keep=60),
        MailFault("malformed_json", "garble", _BODY_FETCH, _GARBAGE),
        MailFault("truncated_json", "cut", rb"^\S+ EXAMINE ", keep=20),
        MailFault(
            "html_error_page",
            "answer",
            None,
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\n\r\n<html><body>Maintenance</body></html>",
        ),
    ]
    return {fault.name: fault for fault in faults}


def smtp_faults() -> dict[str, MailFault]:
    """What a submission server and the network between do to a reply, before and after the server took it."""
    faults = [
        MailFault("refused", "refuse", None),
        MailFault("reset_at_connect", "reset", None),
        MailFault("greeting_421", "answer", None, b"421 4.3.2 Service not available, closing channel\r\n"),
        MailFault("connect_timeout", "stall", None),
        MailFault("auth_454", "answer", rb"^AUTH ", b"454 4.7.0 Temporary authentication failure\r\n", False),
        MailFault("mail_451", "answer", rb"^MAIL FROM", b"451 4.3.0 Local error in processing\r\n", False),
        MailFault("reset_at_rcpt", "reset", rb"^RCPT TO"),
        MailFault("data_421", "answer", rb"^DATA\r?\n", b"421 4.4.2 Connection timed out\r\n"),
        # the text was sent, but the server never got its end: not delivered, and the client cannot know
        MailFault("reset_before_end", "reset", rb"^\.\r?\n"),
        MailFault("451_after_text", "answer", rb"^\.\r?\n", b"451 4.3.0 Queue file write error\r\n", False),
        # the server took the mail; its answer is lost
        MailFault("reset_after_accept", "swallow_reset", rb"^\.\r?\n"),
        MailFault("timeout_after_accept", "stall", rb"^\.\r?\n", reaches_server=True),
    ]
    return {fault.name: fault for fault in faults}
