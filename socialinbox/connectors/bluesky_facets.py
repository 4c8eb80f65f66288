"""Bluesky rich text: facets in (to plain text plus links) and facets out (mentions, links, tags of a reply).

Bluesky posts and chat messages are plain text; mentions, links and tags exist only as *facets*, annotations that
point at a slice of the text by **UTF-8 byte** offsets (``byteStart`` inclusive, ``byteEnd`` exclusive). Python
indexes strings by code point, so every offset is converted through the encoded bytes: an emoji before a link moves
the link's byte offsets by four, not one (``app.bsky.richtext.facet``).

Incoming facets are untrusted: offsets may be out of range, reversed, or cut a character in half. Such a facet still
contributes its link (if it is a safe http(s) link), it just cannot be matched to its visible text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import regex

from socialinbox.connectors.html_text import MAX_LINKS, MAX_TEXT_CHARS, TRUNCATION_MARKER, clean_text, safe_link

MENTION_FEATURE = "app.bsky.richtext.facet#mention"
LINK_FEATURE = "app.bsky.richtext.facet#link"
TAG_FEATURE = "app.bsky.richtext.facet#tag"

# As the Bluesky apps detect them: after the start, a space or an opening parenthesis.
_MENTION = regex.compile(r"(?<=^|[\s(])@([a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9])")
_HANDLE = regex.compile(r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")
_URL = regex.compile(r"(?<=^|[\s(])https?://[^\s<>\"]+", regex.IGNORECASE)
# Bare domains are linked only with a common top-level domain, so "e.g." or "v1.2" never become links.
_BARE_DOMAIN = regex.compile(
    r"(?<=^|[\s(])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:com|net|org|info|biz|shop|store|online|site|app|io|co|me|eu|uk|de|fr|nl|be|at|ch|es|it|ie|se|no|dk|fi|pl|"
    r"pt|cz|ca|us|au|nz|jp|in|br|mx|social|blog|xyz|dev)(?![\w-])(?:/[^\s<>\"]*)?",
    regex.IGNORECASE,
)
_TAG = regex.compile(r"(?<=^|\s)[#＃]([^\s#＃]+)")
_TRAILING_PUNCTUATION = ".,;:!?'\""
_TAG_TRAILING = regex.compile(r"\p{P}+$")
_TAG_MAX_GRAPHEMES = 64


@dataclasses.dataclass(frozen=True, slots=True)
class PlainText:
    text: str
    links: tuple[str, ...] = ()


HandleResolver = Callable[[str], str | None]
"""Turns a handle (without ``@``) into its DID, or ``None`` when it names nobody."""


# --- incoming ------------------------------------------------------------------------------------


def facets_to_text(text: str, facets: Any) -> PlainText:
    """The text as the customer wrote it, with links whose visible text hides their target spelled out."""
    raw = text.encode("utf-8", errors="replace")
    links: list[str] = []
    insertions: list[tuple[int, str]] = []  # (byte position, text to insert there)
    for start, end, uri in _link_facets(facets):
        if uri not in links and len(links) < MAX_LINKS:
            links.append(uri)
        visible = _slice(raw, start, end)
        if visible is not None and not names_target(visible, uri):
            # The text says one thing and the link goes elsewhere: the plain text must show the real target.
            insertions.append((end, f" ({uri})"))
    shown = _insert(raw, insertions)
    for found in _plain_urls(shown):
        if found not in links and len(links) < MAX_LINKS:
            links.append(found)
    cleaned = clean_text(shown).strip()
    if len(cleaned) > MAX_TEXT_CHARS:
        cleaned = cleaned[:MAX_TEXT_CHARS].rstrip() + TRUNCATION_MARKER
    return PlainText(cleaned, tuple(links))


def names_target(visible: str, uri: str) -> bool:
    """Whether the visible text shows where the link goes (scheme, ``www.`` and a trailing slash aside).

    Bluesky apps shorten long links to ``host/path...``: a shortened text counts only when it shows the whole host,
    so ``bank.example`` cannot stand for a link to ``bank.example.evil.test``.
    """

    def bare(url: str) -> str:
        url = url.strip().lower()
        url = url.split("://", 1)[1] if "://" in url else url
        return url.removeprefix("www.").rstrip("/")

    shown, target = bare(visible), bare(uri)
    if shown == target:
        return True
    for ellipsis in ("…", "..."):
        if shown.endswith(ellipsis):
            prefix = shown.removesuffix(ellipsis)
            host = target.split("/", 1)[0]
            return (prefix == host or prefix.startswith(host + "/")) and target.startswith(prefix)
    return False


def _link_facets(facets: Any) -> Iterable[tuple[int, int, str]]:
    if not isinstance(facets, list):
        return []
    found = []
    for facet in facets[:1000]:  # a post's bytes bound its real facets far below this
        index = facet.get("index") if isinstance(facet, dict) else None
        features = facet.get("features") if isinstance(facet, dict) else None
        if not isinstance(index, dict) or not isinstance(features, list):
            continue
        start, end = index.get("byteStart"), index.get("byteEnd")
        for feature in features:
            if isinstance(feature, dict) and feature.get("$type") == LINK_FEATURE:
                uri = safe_link(str(feature.get("uri") or ""))
                if uri is not None:
                    found.append((_int(start), _int(end), uri))
    return sorted(found, key=lambda item: item[0])


def _slice(raw: bytes, start: int, end: int) -> str | None:
    """The text a facet covers, or None when its offsets do not fit the text (out of range, reversed, mid-character)."""
    if not 0 <= start < end <= len(raw):
        return None
    try:
        return raw[start:end].decode("utf-8")
    except UnicodeDecodeError:
        return None


def _insert(raw: bytes, insertions: Sequence[tuple[int, str]]) -> str:
    pieces, position = [], 0
    for at, addition in sorted(insertions):
        pieces.append(raw[position:at])
        pieces.append(addition.encode("utf-8"))
        position = at
    pieces.append(raw[position:])
    return b"".join(pieces).decode("utf-8", errors="replace")


def _plain_urls(text: str) -> list[str]:
    """http(s) URLs typed without a link facet (some clients send none)."""
    found = []
    for match in _URL.finditer(text):
        url = safe_link(_strip_trailing(match[0]))
        if url is not None:
            found.append(url)
    return found


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


# --- outgoing ------------------------------------------------------------------------------------


def build_facets(text: str, resolve_handle: HandleResolver) -> list[dict[str, Any]]:
    """Facets for the mentions, links and tags of ``text``, with UTF-8 byte offsets.

    A mention gets a facet only when its handle resolves to a DID: Bluesky would not notify anybody otherwise.
    """
    spans: list[tuple[int, int, dict[str, Any]]] = []
    for start, end, feature in (*_mentions(text, resolve_handle), *_links(text), *_tags(text)):
        if not any(start < other_end and other_start < end for other_start, other_end, _ in spans):
            spans.append((start, end, feature))
    facets = []
    for start, end, feature in sorted(spans, key=lambda span: span[0]):
        byte_start = len(text[:start].encode("utf-8"))
        byte_end = byte_start + len(text[start:end].encode("utf-8"))
        facets.append({"index": {"byteStart": byte_start, "byteEnd": byte_end}, "features": [feature]})
    return facets


def _mentions(text: str, resolve_handle: HandleResolver) -> Iterable[tuple[int, int, dict[str, Any]]]:
    for match in _MENTION.finditer(text):
        handle = match[1].rstrip(".")
        if not _HANDLE.match(handle):
            continue
        did = resolve_handle(handle.lower())
        if did:
            yield match.start(), match.start(1) + len(handle), {"$type": MENTION_FEATURE, "did": did}


def _links(text: str) -> Iterable[tuple[int, int, dict[str, Any]]]:
    for pattern, prefix in ((_URL, ""), (_BARE_DOMAIN, "https://")):
        for match in pattern.finditer(text):
            shown = _strip_trailing(match[0])
            uri = safe_link(prefix + shown)
            if uri is not None:
                yield match.start(), match.start() + len(shown), {"$type": LINK_FEATURE, "uri": uri}


def _tags(text: str) -> Iterable[tuple[int, int, dict[str, Any]]]:
    for match in _TAG.finditer(text):
        tag = _TAG_TRAILING.sub("", match[1])
        if not tag or tag.isdigit() or len(regex.findall(r"\X", tag)) > _TAG_MAX_GRAPHEMES:
            continue
        yield match.start(), match.start(1) + len(tag), {"$type": TAG_FEATURE, "tag": tag}


def _strip_trailing(url: str) -> str:
    """Sentence punctuation after a link is not part of it, nor a closing parenthesis the link did not open."""
    while url and (url[-1] in _TRAILING_PUNCTUATION or (url[-1] == ")" and url.count(")") > url.count("("))):
        url = url[:-1]
    return url


def facet_summary(facets: Sequence[Mapping[str, Any]], text: str) -> list[tuple[str, str]]:
    """(feature type, covered text) per facet: handy in tests and logs to check the offsets by eye."""
    raw = text.encode("utf-8")
    out = []
    for facet in facets:
        index = facet["index"]
        covered = raw[index["byteStart"] : index["byteEnd"]].decode("utf-8", errors="replace")
        out.append((str(facet["features"][0]["$type"]).rsplit("#", 1)[-1], covered))
    return out
