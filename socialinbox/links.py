"""Which links from a customer's message may be opened, and how they are shown.

Only ``https`` and ``http`` links open, in the system browser, after the owner has seen the real target.
``javascript:``, ``file:``, ``data:`` and every other scheme are shown as text and never followed.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

OPENABLE_SCHEMES = frozenset({"https", "http"})
URL_PATTERN = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?)]}»”’"


def openable(url: str) -> bool:
    """True only for a well-formed http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in OPENABLE_SCHEMES and bool(parts.hostname)


def find_urls(text: str) -> list[tuple[int, int]]:
    """Spans of http(s) URLs in plain text, without the sentence punctuation that often follows them."""
    spans = []
    for match in URL_PATTERN.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _TRAILING_PUNCTUATION:
            end -= 1
        spans.append((start, end))
    return spans
