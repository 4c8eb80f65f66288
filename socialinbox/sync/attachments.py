"""Saving an e-mail's attachment: which a message has, fetching one from the mail server, writing it safely.

Where the list comes from: the stored text of each mail ends with one ``[attachment: name (size)]`` line per
attachment (``connectors/email_mapping.py``), in the order ``email_attachments`` numbers them, so the list is read
from the text and no table or migration is needed. Only the last block of such lines counts (a customer may type
one into the body). The content is fetched again from the server when the owner saves, never kept in the database.

Writing: the name comes from the mail, so it is reduced to a plain file name (no folders, no leading dots, no
control characters) and a file that exists is never replaced silently: ``name (2).ext`` is used instead, unless the
owner confirmed replacing that very file (the GUI's save dialog asks). Nothing is ever opened or run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import unicodedata
from pathlib import Path
from typing import Protocol, runtime_checkable

from socialinbox.domain import Message
from socialinbox.storage.repository import Repository
from socialinbox.sync.service import ConnectorPool, Credentials

_LINE = re.compile(r"^\[attachment: (?P<name>.+) \((?P<size>[^()]*)\)\]$")
_LARGE_NOTE = "[This e-mail is large"
_FOLDERS = re.compile(r"[\\/]")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME = 200
MAX_COPIES = 1000


@dataclasses.dataclass(frozen=True, slots=True)
class ListedAttachment:
    index: int  # from 1, as the connector counts them
    name: str
    size: str  # as shown: "3 KB", "size unknown"


@runtime_checkable
class FetchesAttachments(Protocol):
    def attachment(self, token: str, remote_id: str, index: int, sender: str = "") -> tuple[object, bytes]:
        """The ``index``-th (from 1) attachment of message ``remote_id`` (from ``sender``, which finds mail that
        has no id of its own): (a value with ``.name``, its bytes)."""
        ...


def listed_attachments(text: str) -> list[ListedAttachment]:
    """The attachments a stored mail's text lists (its last block of ``[attachment: ...]`` lines)."""
    blocks = [block for block in text.split("\n\n") if block.strip() and not block.startswith(_LARGE_NOTE)]
    if not blocks:
        return []
    matches = [_LINE.match(line) for line in blocks[-1].split("\n")]
    if not all(matches):
        return []
    return [
        ListedAttachment(number, match.group("name"), match.group("size"))
        for number, match in enumerate((m for m in matches if m is not None), start=1)
    ]


class AttachmentFetcher:
    """Fetches attachments through the account's connector; blocking, so callers run it off the GUI thread."""

    def __init__(self, repository: Repository, connectors: ConnectorPool, credentials: Credentials) -> None:
        self._repository = repository
        self._connectors = connectors
        self._credentials = credentials

    def fetch(self, message: Message, index: int) -> tuple[str, bytes]:
        """(a safe file name, the content). Raises LookupError when there is no such attachment, ConnectorError
        when the server cannot be reached or no longer has the mail."""
        if not any(item.index == index for item in listed_attachments(message.text)):
            raise LookupError(f"Message {message.id} has no attachment number {index}.")
        account = self._repository.account(message.account_id)
        connector = self._connectors.for_account(account)
        if not isinstance(connector, FetchesAttachments):
            raise LookupError(f"Attachments cannot be fetched from {account.platform.value}.")
        token = self._credentials.token_for(account)
        found, data = connector.attachment(token, message.remote_id, index, sender=message.author_handle)
        return safe_file_name(str(getattr(found, "name", "")), index), data


def safe_file_name(name: str, index: int = 1) -> str:
    """A mail's attachment name as a plain file name in a folder: never a path, never hidden, never empty."""
    name = _FOLDERS.split(unicodedata.normalize("NFC", name))[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if len(name) > MAX_NAME:
        stem, dot, suffix = name.rpartition(".")
        name = stem[: MAX_NAME - len(suffix) - 1] + dot + suffix if dot and len(suffix) < 16 else name[:MAX_NAME]
    return name or f"attachment-{index}"


def save_into(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``name`` in ``folder``; when that exists, as ``name (2).ext`` and so on. Returns the path."""
    name = safe_file_name(name)
    stem, suffix = _split(name)
    for copy in range(1, MAX_COPIES + 1):
        target = folder / (name if copy == 1 else f"{stem} ({copy}){suffix}")
        try:
            _write_new(target, data)
        except FileExistsError:
            continue
        return target
    raise FileExistsError(f"{folder} already holds {MAX_COPIES} files named like {name}.")


def save_as(target: Path, data: bytes, *, replace: bool) -> Path:
    """Write to a path the owner chose; ``replace`` only when they confirmed replacing a file that was there."""
    if not replace:
        return save_into(target.parent, target.name, data)
    partial = target.with_name(f".{target.name}.part")
    _write_new(partial, data, exist_ok=True)
    os.replace(partial, target)
    return target


def _write_new(target: Path, data: bytes, *, exist_ok: bool = False) -> None:
    # O_EXCL: a file that appeared meanwhile is never overwritten; O_NOFOLLOW: nor is a planted symlink followed.
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | (os.O_TRUNC if exist_ok else os.O_EXCL)
    descriptor = os.open(target, flags, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
    except BaseException:
        with contextlib.suppress(OSError):
            target.unlink()  # no half-written file left behind
        raise


def _split(name: str) -> tuple[str, str]:
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > 15:
        return name, ""
    return stem, "." + suffix
