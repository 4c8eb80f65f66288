"""How long a reply may be on each channel, counted the way that channel counts.

Pure functions, no I/O. Each rule follows the platform's own counter, because a counter that disagrees with the
server either blocks a reply that would have gone out or lets one through that the server then rejects:

* Mastodon counts grapheme clusters of the text after every ``http(s)://`` URL became 23 characters and every
  ``@user@domain`` mention became ``@user`` (mastodon ``StatusLengthValidator#countable_text``). The limit is the
  instance's ``configuration.statuses.max_characters`` (default 500), passed in by the caller.
* Bluesky counts graphemes: 300 for a post, 1000 for a chat message, plus a byte cap (3000 / 10000 UTF-8 bytes)
  that only heavy emoji text reaches.
* Telegram: the Bot API says 4096 "characters after entity parsing". TDLib (the Bot API server) checks Unicode code
  points, while every offset Telegram hands out is in UTF-16 code units. We count UTF-16 code units: identical for
  ordinary text, and never lower than the server's count, so a reply we let through is never rejected.
* X counts weighted characters (twitter-text config v3): code points in U+0000-U+10FF, U+2000-U+200D,
  U+2010-U+201F and U+2032-U+2037 weigh 1, every other code point 2, a whole emoji sequence 2, every URL 23, after
  NFC normalisation. Bare domains count as URLs only for common top-level domains (twitter-text knows them all).
* E-mail has no length limit. The demo channel allows 500 graphemes.
* Facebook, Instagram and Google reviews use the limits in platform-apis.md, marked there as partly unverified.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

import regex

from socialinbox.domain import Platform

URL_LENGTH = 23  # Mastodon and X both count any URL as this many characters
MASTODON_DEFAULT_LIMIT = 500
BLUESKY_POST_LIMIT = 300
BLUESKY_CHAT_LIMIT = 1000
TELEGRAM_LIMIT = 4096
X_POST_LIMIT = 280
X_DM_LIMIT = 10_000
DEMO_LIMIT = 500

_GRAPHEME = regex.compile(r"\X")
_PROTOCOL_URL = regex.compile(r"https?://[^\s<>\"]+", regex.IGNORECASE)
# twitter-text also shortens bare domains; a short list of common TLDs catches what shops write ("mybakery.com").
_BARE_DOMAIN = regex.compile(
    r"(?<![\w@/.-])(?:www\.)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:com|net|org|info|biz|shop|store|online|site|app|io|co|me|eu|uk|de|fr|nl|be|at|ch|es|it|ie|se|no|dk|fi|pl|"
    r"pt|cz|ca|us|au|nz|jp|in|br|mx)(?![\w-])(?:/[^\s<>\"]*)?",
    regex.IGNORECASE,
)
# Mastodon's mention syntax: @username or @username@domain; the domain part is free of charge.
_MENTION = regex.compile(r"(?<![\w/@])@(\w+(?:[\w.-]*\w)?)@[\w.-]*\w", regex.IGNORECASE)
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")
_TRAILING_PUNCTUATION = ".,;:!?'\")]}"
_X_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))


@dataclasses.dataclass(frozen=True, slots=True)
class Measure:
    """How much of a channel's length budget a draft uses."""

    used: int
    limit: int | None  # None: the channel has no limit
    unit: str  # what ``used`` counts, as the owner reads it ("characters", "graphemes", ...)
    bytes_used: int = 0
    byte_limit: int | None = None  # a second cap in UTF-8 bytes, where the channel has one

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else self.limit - self.used

    @property
    def over(self) -> bool:
        over_length = self.limit is not None and self.used > self.limit
        over_bytes = self.byte_limit is not None and self.bytes_used > self.byte_limit
        return over_length or over_bytes

    @property
    def over_bytes(self) -> bool:
        return self.byte_limit is not None and self.bytes_used > self.byte_limit


def count_graphemes(text: str) -> int:
    """User-perceived characters: a family emoji, a flag or e + combining accent each count once."""
    return len(_GRAPHEME.findall(text))


def count_utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def count_utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def mastodon_length(text: str, url_length: int = URL_LENGTH) -> int:
    countable = _MENTION.sub(lambda m: "@" + m.group(1), _replace_urls(text, _PROTOCOL_URL, url_length))
    return count_graphemes(countable)


def x_weighted_length(text: str) -> int:
    normalised = unicodedata.normalize("NFC", text)
    urls = _find_urls(normalised, (_PROTOCOL_URL, _BARE_DOMAIN))
    total, position = 0, 0
    for start, end in urls:
        total += _x_plain_weight(normalised[position:start]) + URL_LENGTH
        position = end
    return total + _x_plain_weight(normalised[position:])


def measure(
    text: str, platform: Platform, *, private: bool = False, mastodon_limit: int = MASTODON_DEFAULT_LIMIT
) -> Measure:
    """Measure ``text`` as ``platform`` counts it; ``private`` picks the direct-message limit where it differs."""
    rule = _RULES[platform]
    return rule(text, private, mastodon_limit)


def measure_reply(
    text: str,
    platform: Platform,
    *,
    private: bool = False,
    recipient_handle: str = "",
    account_settings: Mapping[str, Any] | None = None,
) -> Measure:
    """Measure a reply exactly as it will be posted on one account.

    Mastodon: the instance's own limits when the account settings know them (``max_characters`` and
    ``characters_per_url``, stored when the account is connected), and the ``@customer`` mention the connector puts
    in front of a reply that does not name the customer yet (it counts: only its domain part is free).
    """
    if platform is not Platform.MASTODON:
        return measure(text, platform, private=private)
    settings = account_settings or {}
    limit = _positive(settings.get("max_characters")) or MASTODON_DEFAULT_LIMIT
    url_length = _positive(settings.get("characters_per_url")) or URL_LENGTH
    handle = recipient_handle.strip().lstrip("@")
    posted = text if not handle or _names(text, handle) else f"@{handle} {text}"
    return Measure(mastodon_length(posted, url_length), limit, "characters")


def _positive(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _names(text: str, handle: str) -> bool:
    user = handle.partition("@")[0]
    return regex.search(rf"(?<![\w@])@{regex.escape(user)}(?![\w-])", text, regex.IGNORECASE) is not None


# --- per-channel rules -----------------------------------------------------------------------------


def _mastodon(text: str, private: bool, mastodon_limit: int) -> Measure:
    return Measure(mastodon_length(text), mastodon_limit, "characters")


def _bluesky(text: str, private: bool, mastodon_limit: int) -> Measure:
    limit, byte_limit = (BLUESKY_CHAT_LIMIT, 10_000) if private else (BLUESKY_POST_LIMIT, 3000)
    return Measure(count_graphemes(text), limit, "characters", count_utf8_bytes(text), byte_limit)


def _telegram(text: str, private: bool, mastodon_limit: int) -> Measure:
    return Measure(count_utf16_units(text), TELEGRAM_LIMIT, "characters")


def _x(text: str, private: bool, mastodon_limit: int) -> Measure:
    if private:
        return Measure(len(text), X_DM_LIMIT, "characters")
    return Measure(x_weighted_length(text), X_POST_LIMIT, "weighted characters")


def _email(text: str, private: bool, mastodon_limit: int) -> Measure:
    return Measure(count_graphemes(text), None, "characters")


def _demo(text: str, private: bool, mastodon_limit: int) -> Measure:
    return Measure(count_graphemes(text), DEMO_LIMIT, "characters")


def _facebook(text: str, private: bool, mastodon_limit: int) -> Measure:
    return Measure(len(text), 2000 if private else 8000, "characters")


def _instagram(text: str, private: bool, mastodon_limit: int) -> Measure:
    if private:  # Instagram's DM cap is in bytes
        return Measure(count_utf8_bytes(text), 1000, "bytes")
    return Measure(len(text), 2200, "characters")


def _google_reviews(text: str, private: bool, mastodon_limit: int) -> Measure:
    return Measure(count_utf8_bytes(text), 4096, "bytes")


_Rule = Callable[[str, bool, int], Measure]
_RULES: dict[Platform, _Rule] = {
    Platform.MASTODON: _mastodon,
    Platform.BLUESKY: _bluesky,
    Platform.TELEGRAM: _telegram,
    Platform.X: _x,
    Platform.EMAIL: _email,
    Platform.DEMO: _demo,
    Platform.FACEBOOK: _facebook,
    Platform.INSTAGRAM: _instagram,
    Platform.GOOGLE_REVIEWS: _google_reviews,
}


# --- helpers ---------------------------------------------------------------------------------------


def _find_urls(text: str, patterns: tuple[regex.Pattern[str], ...]) -> list[tuple[int, int]]:
    """Non-overlapping URL spans, earliest first, without the sentence punctuation that follows a link."""
    spans: list[tuple[int, int]] = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            start, end = match.start(), match.end()
            while end > start and text[end - 1] in _TRAILING_PUNCTUATION:
                end -= 1
            if not any(start < other_end and other_start < end for other_start, other_end in spans):
                spans.append((start, end))
    return sorted(spans)


def _replace_urls(text: str, pattern: regex.Pattern[str], url_length: int = URL_LENGTH) -> str:
    pieces, position = [], 0
    for start, end in _find_urls(text, (pattern,)):
        pieces.append(text[position:start])
        pieces.append("x" * url_length)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _x_plain_weight(text: str) -> int:
    total = 0
    for cluster in _GRAPHEME.findall(text):
        if _EMOJI.search(cluster):
            total += 2  # twitter-text counts a whole emoji sequence (modifiers, ZWJ, flags) as one heavy character
        else:
            total += sum(_x_code_point_weight(ord(char)) for char in cluster)
    return total


def _x_code_point_weight(code_point: int) -> int:
    return 1 if any(low <= code_point <= high for low, high in _X_LIGHT_RANGES) else 2
