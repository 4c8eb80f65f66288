"""Composing a reply to a stored e-mail conversation: find the customer's mail, answer it properly.

The outbox knows the customer's mail only by its Message-ID (the remote id), so the mail itself is looked up on the
IMAP server (``SEARCH HEADER Message-ID``) for its subject, References chain, Reply-To and text to quote: the inbox
folder first, then archives, because another mail program may have filed it meanwhile. When it is gone the reply
still goes to the customer's address, in the same thread (In-Reply-To and References from what is stored), with a
plain subject.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage

from socialinbox.connectors.base import Rejected
from socialinbox.connectors.email_imap import ImapSession
from socialinbox.connectors.email_imap_wire import FetchedMail
from socialinbox.connectors.email_mapping import Shop, remote_id_of
from socialinbox.connectors.email_parse import Address, ParsedMail, message_ids, parse_mail, reply_subject
from socialinbox.connectors.email_providers import domain_of
from socialinbox.connectors.email_smtp import Quote, build_reply
from socialinbox.domain import OutgoingReply

ORIGINAL_MAX_BYTES = 1024 * 1024  # the headers and text are at the start; attachments need not come along
MAX_CANDIDATES = 20
FALLBACK_SUBJECT = "Re: your e-mail"
_ID_SAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclasses.dataclass(frozen=True, slots=True)
class Original:
    folder: str
    uid: int
    mail: ParsedMail


def find_original(imap: ImapSession, reply: OutgoingReply, folders: Sequence[str], now: datetime) -> Original | None:
    target = reply.in_reply_to
    if not target:
        return None
    for folder in folders:
        if imap.examine(folder) is None:
            continue
        for mail in _candidates(imap, reply, target):
            parsed = parse_mail(mail.raw, truncated=mail.truncated)
            # A substring search finds look-alikes: only the very mail counts.
            if remote_id_of(parsed, mail.internal_date, now) == target:
                return Original(folder, mail.uid, parsed)
    return None


def _candidates(imap: ImapSession, reply: OutgoingReply, target: str) -> list[FetchedMail]:
    if _is_message_id(target):
        return imap.fetch(imap.uids_with_message_id(target), ORIGINAL_MAX_BYTES)
    address = reply.recipient.remote_id if reply.recipient else ""
    if target.startswith("sha256:") and "@" in address:
        # Mail without a Message-ID (contact forms): the customer's latest mail from, or answering to, them.
        return imap.fetch(imap.uids_from(address)[-MAX_CANDIDATES:], ORIGINAL_MAX_BYTES)
    return []


def our_message_id(reply: OutgoingReply, shop: Shop) -> str:
    """Derived from the outbox's idempotency key: a retried reply keeps its id, so nobody stores it twice."""
    # Short enough that the Message-ID header is never folded: some old programs mishandle folded ids.
    return f"{_ID_SAFE.sub('', reply.idempotency_key)[:40]}.si@{domain_of(shop.address) or 'localhost'}"


def reply_message(
    reply: OutgoingReply, original: Original | None, shop: Shop, now: datetime
) -> tuple[EmailMessage, str]:
    """The reply ready to send, and its Message-ID (normalised, as IMAP will later show it)."""
    message_id = our_message_id(reply, shop)
    if original is not None:
        mail = original.mail
        recipient = mail.sender if shop.owns(mail.reply_to) else mail.correspondent
        subject, in_reply_to, references = reply_subject(mail.subject), mail.message_id, mail.references
        quote = Quote(mail.sender.name or mail.sender.address if mail.sender else "", mail.date, mail.text)
    else:
        recipient = _stored_recipient(reply)
        subject, quote = FALLBACK_SUBJECT, None
        in_reply_to = reply.in_reply_to if reply.in_reply_to and _is_message_id(reply.in_reply_to) else None
        references = tuple(message_ids(f"<{reply.thread_key}>")) if _is_message_id(reply.thread_key or "") else ()
    if recipient is None:
        raise Rejected("Social Inbox does not know this customer's e-mail address; answer from your mail program.")
    message = build_reply(
        sender=Address(shop.display_name, shop.address),
        recipient=recipient,
        subject=subject,
        text=reply.text,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        now=now,
        quote=quote,
    )
    return message, message_id


def _stored_recipient(reply: OutgoingReply) -> Address | None:
    who = reply.recipient
    if who is None or "@" not in who.remote_id:
        return None
    return Address(who.display_name, who.remote_id)


def _is_message_id(value: str) -> bool:
    """Our remote ids are Message-IDs, except for mail that had none (``sha256:``) and subject-keyed threads."""
    return "@" in value and not value.startswith(("sha256:", "subject:")) and " " not in value
