"""Platform HTML to plain text plus the links it contained, for every connector.

Nothing a platform sends is ever rendered as rich text: this module turns it into plain text with the stdlib
``html.parser`` (a real tokenizer, never regex stripping). Links keep their visible text; their targets are collected
separately, and only ``http``/``https`` targets at all, so ``javascript:``, ``data:`` or ``file:`` are never followed.
Mastodon hides parts of long URLs in ``<span class="invisible">``; that text is kept, so the full URL shows.
The parser keeps counters and one open-link record instead of an element tree, so hostile nesting cannot recurse, and
both the input it reads and the text it returns are capped.
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

MAX_TEXT_CHARS = 100_000
MAX_HTML_CHARS = 500_000  # parse no further: real posts are far shorter, and parsing costs about 1 s per MB
MAX_LINKS = 100
MAX_URL_CHARS = 2_048
TRUNCATION_MARKER = "\n[… message truncated]"

# C0 and C1 controls (keeping \t and \n), DEL, the bidi embeddings, overrides and isolates that can make text read
# differently from what it is (U+202A-202E, U+2066-2069), and lone surrogates (JSON allows them; UTF-8 and the database
# do not). Zero-width joiners stay: emoji sequences need them.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_LINE_SEPARATORS = re.compile("\r\n?|[\u2028\u2029\x0b\x0c\x85]")
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")

_SKIPPED = frozenset({"script", "style", "template", "head", "title", "noscript", "iframe", "object", "svg", "math"})
_SELF_CLOSING_SKIPPED = frozenset({"svg", "math"})  # foreign elements: the only ones a "/>" really closes
_PARAGRAPHS = frozenset({"p", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"})
_LINES = frozenset({"div", "li", "tr", "dt", "dd", "section", "article", "header", "footer", "hr"})
_LINK_SCHEMES = frozenset({"http", "https"})


@dataclasses.dataclass(frozen=True, slots=True)
class RenderedText:
    text: str
    links: tuple[str, ...] = ()


def clean_text(text: str) -> str:
    """Plain text from a platform with the invisible troublemakers removed (controls, NUL, bidi overrides)."""
    return _UNSAFE_CHARS.sub("", _LINE_SEPARATORS.sub("\n", text))


def safe_link(url: str) -> str | None:
    """The URL if it may be offered to the owner as a link (absolute http/https, nothing hidden in it), else None."""
    url = url.strip()
    if not url or len(url) > MAX_URL_CHARS or _UNSAFE_CHARS.search(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in _LINK_SCHEMES or not parts.hostname:
        return None
    return url


def html_to_text(html: str) -> RenderedText:
    """Plain text with paragraphs and line breaks kept, and the http(s) links the HTML pointed to."""
    parser = _TextParser()
    truncated = len(html) > MAX_HTML_CHARS
    parser.feed(html[:MAX_HTML_CHARS])
    parser.close()
    text = _tidy(clean_text("".join(parser.parts)))
    if truncated or len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS].rstrip() + TRUNCATION_MARKER
    return RenderedText(text=text, links=tuple(parser.links))


def _tidy(text: str) -> str:
    text = _TRAILING_SPACE.sub("\n", text)
    lines = (line.lstrip(" ") for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


@dataclasses.dataclass(slots=True)
class _OpenLink:
    href: str | None  # None: not a followable link (other scheme, or a mention/hashtag)
    shows_target: bool  # mentions and hashtags name themselves; other links may hide where they go
    start: int  # index in parts where the link's visible text begins


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # entities arrive decoded, in text and in attribute values
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip_depth = 0
        self._pre_depth = 0
        self._link: _OpenLink | None = None
        self._size = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip_depth += 1
        elif self._skip_depth:
            return
        elif tag == "br":
            self._emit("\n")
        elif tag in _PARAGRAPHS or tag in _LINES:
            self._close_link()  # a link left open does not run on into the next block
            self._emit("\n\n" if tag in _PARAGRAPHS else "\n")
            self._pre_depth += tag == "pre"
            if tag == "li":
                self._emit("- ")
        elif tag == "a":
            self._open_link(dict(attrs))
        elif tag == "img":
            alt = dict(attrs).get("alt")  # custom emoji arrive as images on some servers; never loaded, alt text kept
            if alt:
                self._emit(alt)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SELF_CLOSING_SKIPPED:
            return
        # Browsers ignore the slash elsewhere: <script/> still hides what follows it, so it must here too.
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self._close_link()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif self._skip_depth:
            return
        elif tag == "a":
            self._close_link()
        elif tag in _PARAGRAPHS or tag in _LINES:
            self._close_link()
            self._pre_depth = max(0, self._pre_depth - (tag == "pre"))
            self._emit("\n\n" if tag in _PARAGRAPHS else "\n")

    def close(self) -> None:
        super().close()
        self._close_link()

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        self._emit(data if self._pre_depth else _HTML_SPACE.sub(" ", data))

    def _emit(self, text: str) -> None:
        if self._size <= MAX_TEXT_CHARS:  # past the cap only the tokenizer keeps running; nothing more is kept
            self.parts.append(text)
            self._size += len(text)

    def _open_link(self, attrs: dict[str, str | None]) -> None:
        self._close_link()  # links cannot nest; a new one ends the last
        classes = (attrs.get("class") or "").split()
        names_itself = "mention" in classes or "hashtag" in classes
        href = None if names_itself else safe_link(attrs.get("href") or "")
        self._link = _OpenLink(href=href, shows_target=not names_itself, start=len(self.parts))

    def _close_link(self) -> None:
        link, self._link = self._link, None
        if link is None or link.href is None:
            return
        if link.href not in self.links and len(self.links) < MAX_LINKS:
            self.links.append(link.href)
        visible = "".join(self.parts[link.start :]).strip()
        if link.shows_target and visible and not _names_target(visible, link.href):
            # The text says one thing and the link goes elsewhere: the plain text must show the real target.
            self._emit(f" ({link.href})")


def _names_target(visible: str, href: str) -> bool:
    """Whether the visible text already shows the link target (scheme and trailing slash aside).

    A shortened display ("example.com/very/lo…") counts only when it shows the whole host, so that
    "bank.example" cannot stand for a link to "bank.example.evil.test".
    """

    def bare(url: str) -> str:
        url = url.strip().lower()
        return (url.split("://", 1)[1] if "://" in url else url).rstrip("/")

    shown, target = bare(visible), bare(href)
    if shown == target:
        return True
    if not shown.endswith("…"):
        return False
    shown = shown.removesuffix("…")
    host = target.split("/", 1)[0]
    return shown.startswith(host + "/") and target.startswith(shown)
