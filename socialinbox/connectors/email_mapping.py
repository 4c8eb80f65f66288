"""Parsed mail to the inbox's terms: who wrote it (the shop or a customer), which thread, what text to show.

Identity: ``remote_id`` is the normalised Message-ID, the same in every folder and after any renumbering, so a
resync, the Sent copy of our own reply and Gmail's labels-as-folders never store one mail twice. Mail without a
Message-ID gets a hash of its date, sender and subject instead (stable for the same reason).

Threads: ``thread_key`` is the thread's root Message-ID (the first of References, else In-Reply-To, else the mail's
own id), and ``in_reply_to`` lets storage follow the chain. A "Re:" mail without those headers (some webmails and
phones drop them) joins the thread with the same subject and correspondent seen in the same poll, else starts a
thread keyed by subject and correspondent.

Direction: mail in the Sent folder, and mail From the shop's own address (or an alias) in the inbox, is the shop
answering from another mail program: outbound.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from socialinbox.connectors.email_attachments import format_size
from socialinbox.connectors.email_imap_wire import FetchedMail
from socialinbox.connectors.email_parse import Address, ParsedMail, fallback_id, is_reply_subject, normalize_subject
from socialinbox.domain import Direction, RemoteAuthor, RemoteMessage, Visibility

MAX_CLOCK_SKEW = timedelta(days=1)  # a Date header further ahead of the server's arrival time is a wrong clock
NO_TEXT = "(no text)"


@dataclasses.dataclass(frozen=True, slots=True)
class Shop:
    address: str
    display_name: str
    aliases: frozenset[str] = frozenset()

    def owns(self, address: Address | None) -> bool:
        return address is not None and (address.address == self.address or address.address in self.aliases)

    @property
    def author(self) -> RemoteAuthor:
        return RemoteAuthor(remote_id=self.address, handle=self.address, display_name=self.display_name)


class SubjectThreads:
    """Threads of this poll by (normalised subject, correspondent), for replies that lost their headers."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}

    def key_for(self, parsed: ParsedMail, correspondent: Address | None, own_id: str) -> str:
        subject_key = f"subject:{normalize_subject(parsed.subject)}|{correspondent.address if correspondent else ''}"
        if parsed.references or parsed.in_reply_to:
            key = parsed.thread_root or own_id
        elif is_reply_subject(parsed.subject) and subject_key in self._keys:
            key = self._keys[subject_key]
        else:
            key = parsed.message_id or subject_key
        self._keys.setdefault(subject_key, key)
        return key


def to_remote(
    mail: FetchedMail, parsed: ParsedMail, shop: Shop, from_sent_folder: bool, threads: SubjectThreads, now: datetime
) -> RemoteMessage:
    outbound = from_sent_folder or shop.owns(parsed.sender)
    sent_at = _sent_at(parsed.date, mail.internal_date, now)
    remote_id = remote_id_of(parsed, mail.internal_date, now)
    if outbound:
        author = shop.author
        correspondent = next((r for r in parsed.recipients if not shop.owns(r)), None)
    else:
        correspondent = parsed.sender if shop.owns(parsed.reply_to) else parsed.correspondent
        author = _author(correspondent)
    return RemoteMessage(
        remote_id=remote_id,
        author=author,
        text=message_text(parsed, mail),
        sent_at=sent_at,
        visibility=Visibility.PRIVATE,
        direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
        thread_key=threads.key_for(parsed, correspondent, remote_id),
        in_reply_to=parsed.in_reply_to,
        links=parsed.links,
    )


def remote_id_of(parsed: ParsedMail, arrived: datetime | None, now: datetime) -> str:
    """The Message-ID, else a hash of date, sender and subject (the same each time the server shows the mail)."""
    when = parsed.date or _sent_at(parsed.date, arrived, now)
    return parsed.message_id or fallback_id(when, parsed.sender, parsed.subject)


def message_text(parsed: ParsedMail, mail: FetchedMail) -> str:
    """The new part, the subject above it when the mail starts a thread, attachments as named, sized items."""
    parts = []
    starts_thread = not (parsed.in_reply_to or parsed.references or is_reply_subject(parsed.subject))
    if starts_thread and parsed.subject:
        parts.append(f"Subject: {parsed.subject}")
    parts.append(parsed.text or (NO_TEXT if not parsed.attachments else ""))
    if parsed.attachments:
        parts.append("\n".join(f"[attachment: {a.name} ({format_size(a.size)})]" for a in parsed.attachments))
    if mail.truncated:
        parts.append(
            f"[This e-mail is large ({format_size(mail.size)}): only its beginning was read. "
            "Open it in your mail program for the rest.]"
        )
    return "\n\n".join(part for part in parts if part)


def _author(who: Address | None) -> RemoteAuthor:
    if who is None:
        return RemoteAuthor(remote_id="unknown", handle="(unknown sender)")
    return RemoteAuthor(remote_id=who.address, handle=who.address, display_name=who.name)


def _sent_at(date: datetime | None, arrived: datetime | None, now: datetime) -> datetime:
    if date is None:
        return arrived or now
    if arrived is not None and date > arrived + MAX_CLOCK_SKEW:
        return arrived
    return date
