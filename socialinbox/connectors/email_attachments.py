"""Attachments as named, sized items; their content is read only when the owner saves one.

A part is an attachment when it says so (``Content-Disposition: attachment``), or when it is not text meant to be
read (images, PDFs, forwarded mails), except the parts of a delivery report. Tiny inline images with a Content-ID
are the logos in signatures and are left out; a customer's photo pasted inline is larger and is kept. File names are
decoded (RFC 2231, and the encoded words Outlook uses) and stripped of folders, so a name can never be a path.
"""

from __future__ import annotations

import dataclasses
import email
import email.message
import re
from collections.abc import Iterator

from socialinbox.connectors.email_charset import decode_header_text

_PATH_PARTS = re.compile(r"[\\/]")
SIGNATURE_IMAGE_BYTES = 10_000


@dataclasses.dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    size: int | None  # decoded bytes; None when a large mail was read only in part
    content_type: str


def is_attachment(part: email.message.Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    if disposition == "attachment":
        return True
    if part.get_content_maintype() in ("multipart", "text") and not part.get_filename():
        return False
    return part.get_content_maintype() != "multipart" and part.get_content_type() not in _REPORT_PARTS


_REPORT_PARTS = frozenset({"message/delivery-status", "text/rfc822-headers", "message/disposition-notification"})


def _attachment_parts(message: email.message.Message) -> Iterator[email.message.Message]:
    for part in message.walk():
        if part is not message and is_attachment(part) and not _is_signature_image(part):
            yield part


def _is_signature_image(part: email.message.Message) -> bool:
    """Tiny inline images with a Content-ID are logos in signatures; a customer's photo is larger."""
    inline = (part.get("Content-Disposition") or "inline").split(";")[0].strip().lower() == "inline"
    payload = part.get_payload(decode=True)
    small = isinstance(payload, bytes) and len(payload) < SIGNATURE_IMAGE_BYTES
    return inline and part.get("Content-ID") is not None and part.get_content_maintype() == "image" and small


def attachments(message: email.message.Message, truncated: bool) -> Iterator[Attachment]:
    for index, part in enumerate(_attachment_parts(message), start=1):
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else _nested_size(part)
        yield Attachment(attachment_name(part, index), None if truncated else size, part.get_content_type())


def _nested_size(part: email.message.Message) -> int:
    """A forwarded mail (message/rfc822) is stored parsed: measure it as bytes again."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    return len(inner.as_bytes()) if isinstance(inner, email.message.Message) else 0


def attachment_name(part: email.message.Message, index: int) -> str:
    """A safe file name: encoded words decoded (Outlook uses them in names), no folders, no hidden tricks."""
    raw = part.get_filename() or part.get_param("name") or ""
    name = decode_header_text(str(raw)) if raw else ""
    name = _PATH_PARTS.split(name)[-1].strip().lstrip(".")
    if not name and part.get_content_type() == "message/rfc822":
        name = "forwarded message.eml"
    return name[:200] or f"attachment-{index}"


def attachment_payload(raw: bytes, index: int) -> tuple[Attachment, bytes]:
    """The ``index``-th (1-based) attachment of a mail and its content, for the owner to save."""
    message = email.message_from_bytes(raw)
    for number, part in enumerate(_attachment_parts(message), start=1):
        if number == index:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else part.as_bytes()
            return Attachment(attachment_name(part, number), len(data), part.get_content_type()), data
    raise LookupError(f"The e-mail has no attachment number {index}.")


def format_size(size: int | None) -> str:
    if size is None:
        return "size unknown"
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
