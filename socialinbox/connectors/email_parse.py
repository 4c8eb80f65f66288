"""One raw e-mail (RFC 5322 bytes) to plain values: who, when, which thread, the new text, the attachments.

Parsed with the stdlib ``email`` package in its ``compat32`` form, so that every charset decision is made by
``email_charset``. The text is the plain alternative where there is one, else the HTML through ``html_text`` (a
real parser; nothing remote is ever loaded), format=flowed joined (RFC 3676), and only the new part
(``email_quote``). Attachments are named, sized items (``email_attachments``); bounces and automatic replies are
told apart by ``email_classify``.
"""

from __future__ import annotations

import dataclasses
import email
import email.message
import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime

from socialinbox.connectors.email_attachments import Attachment, attachments, is_attachment
from socialinbox.connectors.email_charset import decode_bytes, decode_header_text, header_text, raw_header
from socialinbox.connectors.email_classify import MailKind, classify
from socialinbox.connectors.email_quote import new_part
from socialinbox.connectors.html_text import MAX_TEXT_CHARS, TRUNCATION_MARKER, clean_text, html_to_text, safe_link

_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+", re.IGNORECASE)
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|antw|réf|ref|tr|rif|odp|r)\s?(?:\[\d+\])?\s?:\s*)+", re.I)
_BRACKET_TAG = re.compile(r"^\s*\[[^\]]{1,40}\]\s*")
_FORMAT_FLOWED = "flowed"


@dataclasses.dataclass(frozen=True, slots=True)
class Address:
    name: str
    address: str  # lower case: mail systems treat addresses case-insensitively in practice


@dataclasses.dataclass(frozen=True, slots=True)
class ParsedMail:
    message_id: str | None  # normalised (see normalize_message_id)
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    sender: Address | None
    reply_to: Address | None
    recipients: tuple[Address, ...]  # To and Cc
    date: datetime | None
    text: str  # the new part only, plain text
    links: tuple[str, ...]
    attachments: tuple[Attachment, ...]
    kind: MailKind
    bounce_note: str | None = None  # for bounces: who could not be reached and why

    @property
    def thread_root(self) -> str | None:
        """The first message of the thread as far as this mail knows it (References lists the oldest first)."""
        return self.references[0] if self.references else self.in_reply_to or self.message_id

    @property
    def correspondent(self) -> Address | None:
        """Where answers go: Reply-To (contact forms send from their own address) or else From."""
        return self.reply_to or self.sender


def parse_mail(raw: bytes, *, truncated: bool = False) -> ParsedMail:
    """Everything the inbox needs from one mail; ``truncated``: only the start of a large mail was fetched."""
    message = email.message_from_bytes(raw)
    references = message_ids(header_text(message, "References"))
    in_reply_to = next(iter(message_ids(header_text(message, "In-Reply-To"))), None)
    if in_reply_to and in_reply_to not in references and references:
        references = (*references, in_reply_to)
    body, links = _body_text(message)
    found = tuple(attachments(message, truncated))
    kind, bounce_note = classify(message, header_text)
    return ParsedMail(
        message_id=normalize_message_id(header_text(message, "Message-ID")),
        in_reply_to=in_reply_to,
        references=references,
        subject=header_text(message, "Subject"),
        sender=first_address(message, "From"),
        reply_to=first_address(message, "Reply-To"),
        recipients=tuple(addresses(message, "To") + addresses(message, "Cc")),
        date=_date(header_text(message, "Date")),
        text=body,
        links=links,
        attachments=found,
        kind=kind,
        bounce_note=bounce_note,
    )


# --- headers -----------------------------------------------------------------------------------


def addresses(message: email.message.Message, name: str) -> list[Address]:
    found = []
    for display, address in getaddresses([raw_header(v) for v in message.get_all(name) or ()]):
        address = address.strip().lower()
        if "@" in address and not any(char.isspace() for char in address):
            found.append(Address(decode_header_text(display), clean_text(address)))
    return found


def first_address(message: email.message.Message, name: str) -> Address | None:
    return next(iter(addresses(message, name)), None)


def normalize_message_id(value: str | None) -> str | None:
    """``<Local@Domain.Example>`` -> ``Local@domain.example``: brackets and spaces off, the domain in lower case."""
    ids = message_ids(value or "")
    return ids[0] if ids else None


def message_ids(value: str) -> tuple[str, ...]:
    """The message ids in a References/In-Reply-To/Message-ID header, oldest first, normalised, each once."""
    found = re.findall(r"<([^<>]+)>", value) or value.split()
    result: list[str] = []
    for raw in found:
        text = "".join(raw.split())
        local, at, domain = text.rpartition("@")
        normal = f"{local}@{domain.lower()}" if at and local else text
        if normal and len(normal) <= 250 and normal not in result:
            result.append(normal)
    return tuple(result)


def normalize_subject(subject: str) -> str:
    """ "Re: AW: [Shop] Order 12" -> "order 12": reply and forward prefixes and list tags off, case folded."""
    text = subject
    while True:
        shorter = _BRACKET_TAG.sub("", _REPLY_PREFIX.sub("", text))
        if shorter == text:
            break
        text = shorter
    return " ".join(text.split()).casefold()


def is_reply_subject(subject: str) -> bool:
    return bool(_REPLY_PREFIX.match(subject))


def reply_subject(subject: str) -> str:
    """ "Re: <subject>" without stacking "Re: Re: AW:"."""
    bare = _REPLY_PREFIX.sub("", subject).strip()
    return f"Re: {bare}" if bare else "Re: your e-mail"


def fallback_id(date: datetime | None, sender: Address | None, subject: str) -> str:
    """A stable id for mail without a Message-ID, the same every time the server shows it (after any resync)."""
    basis = "\n".join((date.isoformat() if date else "", sender.address if sender else "", subject))
    return "sha256:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:40]


def _date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # "-0000": UTC, origin unknown


# --- body --------------------------------------------------------------------------------------


def _body_text(message: email.message.Message) -> tuple[str, tuple[str, ...]]:
    texts, links = [], []
    for part in _body_parts(message):
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        decoded = decode_bytes(payload, part.get_content_charset())
        if part.get_content_subtype() == "html":
            rendered = html_to_text(decoded)
            text, found = rendered.text, list(rendered.links)
        else:
            text = _unflow(decoded, part) if part.get_param("format", "") == _FORMAT_FLOWED else decoded
            found = [url for url in (safe_link(u.rstrip(".,;:!?")) for u in _URL.findall(text)) if url]
        texts.append(new_part(clean_text(text)))
        links += [url for url in found if url not in links]
    body = "\n\n".join(text for text in texts if text).strip()
    if len(body) > MAX_TEXT_CHARS:
        body = body[:MAX_TEXT_CHARS].rstrip() + TRUNCATION_MARKER
    return body, tuple(links[:100])


def _body_parts(part: email.message.Message) -> Iterator[email.message.Message]:
    """The parts that make up the readable text: the plain alternative where there is one, else the HTML."""
    if is_attachment(part):
        return
    kind = part.get_content_type()
    if kind == "multipart/alternative":
        options = [p for p in _children(part) if not is_attachment(p)]
        plain = [p for p in options if p.get_content_type() == "text/plain" and _has_words(p)]
        chosen = plain[:1] or [p for p in options if p.get_content_maintype() == "multipart"][-1:] or options[-1:]
        for option in chosen:
            yield from _body_parts(option)
    elif kind == "multipart/report":  # a delivery report: only its human-readable first part
        yield from (p for p in _children(part)[:1] if p.get_content_maintype() == "text")
    elif part.is_multipart():
        for child in _children(part):
            yield from _body_parts(child)
    elif kind in ("text/plain", "text/html"):
        yield part


def _children(part: email.message.Message) -> list[email.message.Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, email.message.Message)] if isinstance(payload, list) else []


def _has_words(part: email.message.Message) -> bool:
    payload = part.get_payload(decode=True)
    return isinstance(payload, bytes) and bool(payload.strip())


def _unflow(text: str, part: email.message.Message) -> str:
    """RFC 3676 format=flowed: a line ending in a space continues on the next line (of the same quote depth)."""
    delete_space = str(part.get_param("delsp", "no")).lower() == "yes"
    out: list[str] = []
    open_line: str | None = None
    open_depth = 0
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        content = content[1:] if content.startswith(" ") else content  # space-stuffing
        if open_line is not None and (depth != open_depth or line == "-- "):
            out.append(open_line)
            open_line = None
        if line == "-- ":  # the signature separator is never a soft break
            out.append(line)
            continue
        if open_line is None:
            open_line, open_depth = ">" * depth + (" " if depth else "") + content, depth
        else:
            open_line += content
        if content.endswith(" "):
            open_line = open_line[:-1] if delete_space else open_line
            continue
        out.append(open_line)
        open_line = None
    if open_line is not None:
        out.append(open_line)
    return "\n".join(out)
