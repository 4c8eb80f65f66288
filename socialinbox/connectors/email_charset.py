"""Text from mail's bytes and headers in whatever charset they came, never failing.

Mail labelled ISO-8859-1 is read as Windows-1252 (what senders really use, as browsers do), unlabelled 8-bit text
and raw 8-bit headers are tried as UTF-8 first, Chinese, Korean and Japanese labels map to their supersets, and an
unknown label never loses a mail. Encoded words (RFC 2047) are decoded in every header.
"""

from __future__ import annotations

import codecs
import email.message
from email.header import Header, decode_header

from socialinbox.connectors.html_text import clean_text

_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "iso-8859-8-i": "iso-8859-8",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "iso-2022-jp": "iso2022_jp_ext",  # adds the half-width katakana Japanese mailers send
}
_UNLABELLED = frozenset({"", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "unknown", "default", "8bit"})


def header_text(message: email.message.Message, name: str) -> str:
    """A header as readable text: encoded words decoded, raw 8-bit bytes read as UTF-8 (else Windows-1252)."""
    value = message.get(name)
    return decode_header_text(raw_header(value)) if value is not None else ""


def raw_header(value: str | Header) -> str:
    """The header's own text. compat32 hands headers with raw 8-bit bytes over as ``Header`` objects whose ``str``
    would turn every such byte into a replacement character: read those bytes as mail readers do instead."""
    if isinstance(value, Header):
        return "".join(
            decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
            for chunk, charset in decode_header(value)
        )
    return str(value)


def decode_header_text(value: str) -> str:
    if any("\udc80" <= char <= "\udcff" for char in value):  # raw 8-bit bytes, kept as surrogates by the parser
        value = decode_bytes(value.encode("ascii", "surrogateescape"), None)
    try:
        chunks = decode_header(value)
    except (ValueError, LookupError, AssertionError):  # a malformed encoded word: show it as it came
        return _one_line(value)
    text = "".join(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk for chunk, charset in chunks)
    return _one_line(text)


def _one_line(text: str) -> str:
    return " ".join(clean_text(text).split())


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in a declared charset to text, never failing: mislabelled and unknown charsets fall back sensibly."""
    name = (charset or "").strip().strip('"').lower()
    if name in _UNLABELLED or name in ("utf-8", "utf8"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace")
    name = _CHARSET_ALIASES.get(name, name)
    try:
        codecs.lookup(name)
    except LookupError:
        return decode_bytes(data, None)
    try:
        return data.decode(name)
    except UnicodeDecodeError:
        return data.decode(name, errors="replace")
