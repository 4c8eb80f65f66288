"""SMTP for the e-mail connector: build a correct reply and hand it to the shop's submission server.

The reply (RFC 5322 3.6.4): ``From`` the shop, ``To`` the customer's Reply-To or From, ``Subject: Re: ...`` (never
stacked), our own ``Message-ID`` (derived from the outbox's idempotency key, so a retried reply keeps its id and the
copy IMAP brings back later is recognised), ``In-Reply-To`` the customer's mail, ``References`` its chain plus it,
and one text/plain UTF-8 part with the customer's words quoted below, as mail programs do.

Sending runs the SMTP steps one by one (stdlib ``smtplib``), because what a failure means depends on the step:
before ``DATA`` is accepted nothing has left, so trouble is a ``TransientError`` to retry; once the server said
354 and has the text, a broken connection or a timeout may have delivered it (``UncertainDelivery``).
TLS from the first byte (465) or STARTTLS (587); plain only to this computer (tests).
"""

from __future__ import annotations

import base64
import dataclasses
import re
import smtplib
import ssl
from collections.abc import Sequence
from datetime import UTC, datetime
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime

from socialinbox.connectors.base import AuthError, ConnectorError, Rejected, TransientError, UncertainDelivery
from socialinbox.connectors.email_imap import Security, ServerSettings, is_loopback
from socialinbox.connectors.email_parse import Address
from socialinbox.connectors.html_text import clean_text

MAX_REFERENCES = 20  # keep the root and the latest ones: some servers refuse endless headers
MAX_QUOTED_LINES = 60
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class ReplyRejected(Rejected):
    """The mail server refused this reply for good (the address does not exist, the text was refused)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Quote:
    """The customer's mail, quoted below the reply so they see what it answers."""

    name: str
    sent_at: datetime | None
    text: str


def build_reply(
    *,
    sender: Address,
    recipient: Address,
    subject: str,
    text: str,
    message_id: str,
    in_reply_to: str | None,
    references: Sequence[str],
    now: datetime,
    quote: Quote | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = _header_address(sender)
    message["To"] = _header_address(recipient)
    message["Subject"] = subject
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = f"<{message_id}>"
    chain = list(dict.fromkeys([*references, *([in_reply_to] if in_reply_to else [])]))
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    if chain:
        message["References"] = " ".join(f"<{ref}>" for ref in chain)
    message.set_content(_body(text, quote), charset="utf-8")
    return message


def _header_address(who: Address) -> HeaderAddress:
    return HeaderAddress(display_name=clean_text(who.name).replace("\n", " "), addr_spec=who.address)


def _body(text: str, quote: Quote | None) -> str:
    body = text.replace("\r\n", "\n").strip() + "\n"
    if quote is None or not quote.text.strip():
        return body
    when = f"On {_when(quote.sent_at)}, " if quote.sent_at else "On "
    lines = quote.text.strip().split("\n")[:MAX_QUOTED_LINES]
    quoted = "\n".join(f"> {line}".rstrip() for line in lines)
    return f"{body}\n{when}{quote.name or 'you'} wrote:\n{quoted}\n"


def _when(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{utc.day} {_MONTHS[utc.month - 1]} {utc.year} {utc.hour:02d}:{utc.minute:02d} UTC"


# --- sending ----------------------------------------------------------------------------------------


def send_message(settings: ServerSettings, password: str, message: EmailMessage, auth_hint: str) -> None:
    """Submit one message to its To recipients; see the module docstring for what each failure means."""
    raw = message.as_bytes(policy=SMTP_POLICY)
    sender = message["From"].addresses[0].addr_spec
    recipients = [address.addr_spec for address in message["To"].addresses]
    smtp = _signed_in(settings, password, auth_hint)
    try:
        _envelope(smtp, settings, sender, recipients)
        _data(smtp, settings, raw)
    finally:
        _quit(smtp)


def check_sign_in(settings: ServerSettings, password: str, auth_hint: str) -> None:
    """Connect and sign in without sending anything: for connecting an account."""
    _quit(_signed_in(settings, password, auth_hint))


def _signed_in(settings: ServerSettings, password: str, auth_hint: str) -> smtplib.SMTP:
    failure: ConnectorError | None = None
    smtp: smtplib.SMTP | None = None
    try:
        smtp = _connect(settings)
        if smtp.has_extn("auth"):
            _sign_in(smtp, settings.username, password)
        elif not (settings.security is Security.PLAIN and is_loopback(settings.host)):
            failure = AuthError(f"The mail server {settings.label} offers no sign-in on this port; check the port.")
    except smtplib.SMTPAuthenticationError as error:
        said = _said(error.smtp_code, error.smtp_error)
        failure = (
            TransientError(f"The mail server {settings.label} could not check the sign-in now ({said}); will retry.")
            if error.smtp_code < 500
            else AuthError(f"The mail server {settings.label} refused the sign-in ({said}). {auth_hint}".strip())
        )
    except UnicodeError:
        failure = AuthError("The user name or password has characters this mail server cannot take.")
    except smtplib.SMTPNotSupportedError as error:
        what = "STARTTLS" if "STARTTLS" in str(error).upper() else "a way to sign in that Social Inbox knows"
        failure = AuthError(f"The mail server {settings.label} does not offer {what}; check the port and security.")
    except (smtplib.SMTPException, OSError) as error:
        failure = _network_trouble(settings, error)
    if smtp is not None:
        smtp.password = ""  # smtplib keeps the password on the object it signed in with
    if failure is not None:  # raised outside the except blocks: no chained error can carry the password
        if smtp is not None:
            _quit(smtp)
        raise failure
    assert smtp is not None
    return smtp


def _sign_in(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """AUTH PLAIN in UTF-8 (RFC 4616) where offered: smtplib's own login sends only ASCII passwords."""
    if "PLAIN" not in str(smtp.esmtp_features.get("auth", "")).upper().split():
        smtp.login(username, password)
        return
    credentials = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {credentials}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _connect(settings: ServerSettings) -> smtplib.SMTP:
    """Connected, encrypted as ``settings`` say, and greeted with EHLO: the server's features (its ways to sign in)
    are known only from the EHLO answer, on every port."""
    if settings.security is Security.TLS:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_s, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
    smtp.ehlo()
    if settings.security is Security.STARTTLS:
        smtp.starttls(context=ssl.create_default_context())
        smtp.ehlo()  # what the server offers may change once the connection is encrypted (sign-in, often)
    return smtp


def _envelope(smtp: smtplib.SMTP, settings: ServerSettings, sender: str, recipients: list[str]) -> None:
    try:
        code, reply = smtp.mail(sender)
        if code >= 500:
            raise AuthError(f"The mail server does not let this account send as {sender} ({_said(code, reply)}).")
        _temporary(code, reply, "the sender")
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code >= 500:
                raise ReplyRejected(f"The mail server refused the address {recipient} ({_said(code, reply)}).")
            _temporary(code, reply, "the address")
        smtp.putcmd("data")
        code, reply = smtp.getreply()
    except (smtplib.SMTPException, OSError) as error:
        raise _network_trouble(settings, error) from None
    if code >= 500:
        raise ReplyRejected(f"The mail server refused the reply ({_said(code, reply)}).")
    if code != 354:
        raise TransientError(f"The mail server is not taking mail now ({_said(code, reply)}); will retry.")


def _data(smtp: smtplib.SMTP, settings: ServerSettings, raw: bytes) -> None:
    try:
        smtp.send(_dot_stuffed(raw))
        code, reply = smtp.getreply()
    except (smtplib.SMTPException, OSError):
        raise UncertainDelivery(
            f"The connection to {settings.label} broke after the reply was handed over, so it may have been sent."
        ) from None
    if code >= 500:
        raise ReplyRejected(f"The mail server refused the reply ({_said(code, reply)}).")
    if code >= 400:
        raise TransientError(f"The mail server could not take the reply now ({_said(code, reply)}); will retry.")


def _dot_stuffed(raw: bytes) -> bytes:
    """RFC 5321 4.5.2: a line starting with a dot gets another; the message ends with CRLF . CRLF."""
    data = re.sub(rb"(?:\r\n|\n|\r(?!\n))", b"\r\n", raw)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _temporary(code: int, reply: bytes, what: str) -> None:
    if code >= 400:
        raise TransientError(f"The mail server could not take {what} now ({_said(code, reply)}); will retry.")


def _network_trouble(settings: ServerSettings, error: BaseException) -> TransientError:
    if isinstance(error, ssl.SSLCertVerificationError):
        return TransientError(f"The certificate of {settings.label} could not be verified; check the server name.")
    if isinstance(error, TimeoutError) or "timed out" in str(error):  # smtplib reports timeouts as disconnects
        return TransientError(f"The mail server {settings.label} did not answer in time; will retry.")
    if isinstance(error, smtplib.SMTPResponseException):
        said = _said(error.smtp_code, error.smtp_error).rstrip(".")
        return TransientError(f"The mail server {settings.label} said {said}; will retry.")
    return TransientError(f"Could not reach the mail server {settings.label}; will retry.")


def _said(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {' '.join(clean_text(text).split())}"[:200]


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
