"""IMAP's wire forms for the e-mail connector: FETCH and LIST answers as imaplib hands them over, read into plain
values, and the quoting a command needs (strings, folder names in modified UTF-7, dates). No I/O here."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LIST_LINE = re.compile(rb'^\((?P<flags>[^)]*)\) (?P<delim>"(?:[^"\\]|\\.)*"|NIL) (?P<name>.*)$', re.IGNORECASE)
_INTERNALDATE = re.compile(r"(\d{1,2})-(\w{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})")


@dataclasses.dataclass(frozen=True, slots=True)
class FetchedMail:
    uid: int
    raw: bytes
    size: int
    flags: frozenset[str]
    internal_date: datetime | None
    truncated: bool


def fetch_responses(data: list[Any]) -> Iterator[dict[str, Any]]:
    """imaplib hands a FETCH answer with a literal as a (head, literal) tuple and then the rest of its line as
    bytes; an answer without a literal comes as one bytes line."""
    after_literal = False
    for index, item in enumerate(data):
        if isinstance(item, tuple):
            tail = data[index + 1] if index + 1 < len(data) and isinstance(data[index + 1], bytes) else b""
            yield _fetch_fields(item[0] + b" " + tail, item[1])
            after_literal = True
        elif isinstance(item, bytes):
            if not after_literal:
                yield _fetch_fields(item, None)
            after_literal = False


def _fetch_fields(head: bytes, literal: bytes | None) -> dict[str, Any]:
    text = head.decode("ascii", "replace")
    fields: dict[str, Any] = {"raw": literal}
    if match := re.search(r"\bUID (\d+)", text):
        fields["uid"] = int(match.group(1))
    if match := re.search(r"\bRFC822\.SIZE (\d+)", text):
        fields["size"] = int(match.group(1))
    if match := re.search(r"\bFLAGS \(([^)]*)\)", text):
        fields["flags"] = frozenset(flag.lower() for flag in match.group(1).split())
    if match := re.search(r'\bINTERNALDATE "([^"]+)"', text):
        fields["internal_date"] = parse_internal_date(match.group(1))
    return fields


def fetched_mail(item: dict[str, Any], truncated: bool) -> FetchedMail:
    raw: bytes = item["raw"]
    return FetchedMail(
        uid=item["uid"],
        raw=raw,
        size=item.get("size", len(raw)),
        flags=item.get("flags", frozenset()),
        internal_date=item.get("internal_date"),
        truncated=truncated,
    )


def parse_internal_date(value: str) -> datetime | None:
    """``17-Jul-1996 02:44:25 -0700`` (always English month names, whatever the machine's locale)."""
    match = _INTERNALDATE.search(value)
    if not match or match.group(2).title() not in _MONTHS:
        return None
    day, month, year, hour, minute, second = match.group(1), match.group(2).title(), *match.group(3, 4, 5, 6)
    offset = timedelta(hours=int(match.group(8)), minutes=int(match.group(9)))
    zone = timezone(-offset if match.group(7) == "-" else offset)
    moment = datetime(int(year), _MONTHS.index(month) + 1, int(day), int(hour), int(minute), int(second), tzinfo=zone)
    return moment.astimezone(UTC)


def list_entry(item: Any) -> tuple[str, frozenset[str]] | None:
    line = item[0] + b'"' + item[1].replace(b'"', b'\\"') + b'"' if isinstance(item, tuple) else item
    match = _LIST_LINE.match(line) if isinstance(line, bytes) else None
    if match is None:
        return None
    flags = frozenset(flag.lower() for flag in match.group("flags").decode("ascii", "replace").split())
    if "\\noselect" in flags or "\\nonexistent" in flags:
        return None
    name = match.group("name").decode("utf-8", "replace").strip()
    if name.startswith('"') and name.endswith('"') and len(name) >= 2:
        name = re.sub(r"\\(.)", r"\1", name[1:-1])
    return name, flags


def quote_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quote_mailbox(name: str) -> str:
    """A folder name for a command: modified UTF-7 (RFC 3501 5.1.3) for non-ASCII names, always quoted."""
    return quote_string(name if name.isascii() else _modified_utf7(name))


def _modified_utf7(name: str) -> str:
    import base64  # only folder names in other scripts need it

    out, pending = [], []
    for char in name + "\0":  # the NUL flushes the last run of non-ASCII characters
        if char != "\0" and not (" " <= char <= "~"):
            pending.append(char)
            continue
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii").rstrip("=")
            out.append("&" + encoded.replace("/", ",") + "-")
            pending = []
        if char != "\0":
            out.append("&-" if char == "&" else char)
    return "".join(out)


def first_int(values: Any) -> int | None:
    for value in values or ():
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)
        if text.strip().isdigit():
            return int(text.strip())
    return None


def imap_date(day: date) -> str:
    """A SEARCH date (``SINCE 1-Feb-1994``): English month names, whatever the machine's locale."""
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"
