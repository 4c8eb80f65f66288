"""Bluesky posts as the inbox sees them: a notification's or a feed's post view turned into a ``RemoteMessage``.

Remote ids are the posts' ``at://`` URIs (stable; a post is never edited in place). Threads follow the reply refs:
``in_reply_to`` is ``record.reply.parent.uri``, and ``thread_key`` comes from ``record.reply.root.uri`` (a top-level
post is its own root). When the root is one of the shop's own posts, many customers may answer it, each with their
own question, so the key also names the customer (``<root>#<customer did>``): one conversation per customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from socialinbox.connectors.bluesky_facets import facets_to_text
from socialinbox.connectors.html_text import clean_text, safe_link
from socialinbox.domain import Direction, RemoteAuthor, RemoteMessage, Visibility

POST_TYPE = "app.bsky.feed.post"
INBOX_REASONS = ("mention", "reply", "quote")
DEFAULT_WEB_URL = "https://bsky.app"
_Json = Mapping[str, Any]


def uri_did(uri: str) -> str:
    """The DID (or handle) of the repository an ``at://`` URI points into."""
    return uri.removeprefix("at://").split("/", 1)[0]


def uri_rkey(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def is_post_uri(value: Any) -> bool:
    if not isinstance(value, str) or not value.startswith("at://") or len(value) > 8192:
        return False
    parts = value.removeprefix("at://").split("/")
    return len(parts) == 3 and parts[1] == POST_TYPE and all(parts)


def post_url(web_url: str, did: str, uri: str) -> str | None:
    return safe_link(f"{web_url.rstrip('/')}/profile/{did}/post/{uri_rkey(uri)}")


def post_message(view: _Json, shop_did: str, web_url: str = DEFAULT_WEB_URL) -> RemoteMessage:
    """A post view (a notification item or a feed item's ``post``) as a message; KeyError/TypeError/ValueError when
    it is not a readable post."""
    uri, record, author = view["uri"], view["record"], view["author"]
    if not is_post_uri(uri) or not isinstance(record, dict) or record.get("$type") != POST_TYPE:
        raise ValueError("not a post")
    did = _text(author, "did")
    rendered = facets_to_text(_text(record, "text", allow_empty=True), record.get("facets"))
    notes, embed_links = _embed_notes(record.get("embed"), web_url)
    links = tuple(dict.fromkeys((*rendered.links, *embed_links)))
    parent, root = _reply_refs(record)
    direction = Direction.OUTBOUND if did == shop_did else Direction.INBOUND
    return RemoteMessage(
        remote_id=uri,
        author=RemoteAuthor(
            remote_id=did,
            handle=clean_text(_text(author, "handle")),
            display_name=clean_text(str(author.get("displayName") or "")).strip(),
        ),
        text="\n\n".join(part for part in (rendered.text, notes) if part),
        sent_at=_sent_at(record.get("createdAt"), view.get("indexedAt")),
        visibility=Visibility.PUBLIC,
        direction=direction,
        thread_key=thread_key(uri, root, parent, did, shop_did),
        in_reply_to=parent,
        url=post_url(web_url, did, uri),
        links=links,
    )


def thread_key(uri: str, root: str | None, parent: str | None, author_did: str, shop_did: str) -> str:
    """The conversation a post belongs to when its parent is not stored (see the module docstring)."""
    if root is None:
        return uri
    if uri_did(root) != shop_did:
        return root
    customer = author_did if author_did != shop_did else (uri_did(parent) if parent else shop_did)
    return root if customer == shop_did else f"{root}#{customer}"


def reply_ref(record: Any) -> tuple[Mapping[str, str], Mapping[str, str]] | None:
    """``(root, parent)`` strong refs (uri + cid) of a post record that is a reply, when both are well formed."""
    reply = record.get("reply") if isinstance(record, dict) else None
    if not isinstance(reply, dict):
        return None
    refs = [reply.get("root"), reply.get("parent")]
    if all(isinstance(r, dict) and is_post_uri(r.get("uri")) and isinstance(r.get("cid"), str) for r in refs):
        root, parent = (refs[0] or {}), (refs[1] or {})
        return {"uri": root["uri"], "cid": root["cid"]}, {"uri": parent["uri"], "cid": parent["cid"]}
    return None


def indexed_at(item: _Json) -> datetime | None:
    """When the server indexed an item (its sort key), or None when it does not say in a readable way."""
    return parse_time(item.get("indexedAt"))


def parse_time(value: Any) -> datetime | None:
    """An ISO time as aware UTC; atproto records may carry naive times, which mean UTC."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _reply_refs(record: _Json) -> tuple[str | None, str | None]:
    refs = reply_ref(record)
    if refs is None:
        return None, None
    root, parent = refs
    return parent["uri"], root["uri"]


def _sent_at(created: Any, indexed: Any) -> datetime:
    """``createdAt`` is what the customer's app claims (it may lie), ``indexedAt`` what the server saw: the earlier
    of the two, as Bluesky itself sorts, but never later than the server saw it."""
    server, client = parse_time(indexed), parse_time(created)
    if server is None and client is None:
        raise ValueError("post without a readable time")
    times = [t for t in (server, client) if t is not None]
    return min(times)


def _embed_notes(embed: Any, web_url: str) -> tuple[str, tuple[str, ...]]:
    """Name what a post embeds (never fetched): images, a video, a link card, a quoted post."""
    if not isinstance(embed, dict):
        return "", ()
    kind = str(embed.get("$type", ""))
    if kind == "app.bsky.embed.recordWithMedia":
        record_note, record_links = _embed_notes(embed.get("record"), web_url)
        media_note, media_links = _embed_notes(embed.get("media"), web_url)
        return "\n".join(n for n in (media_note, record_note) if n), (*media_links, *record_links)
    if kind == "app.bsky.embed.images":
        images = _objects(embed.get("images"))
        return "\n".join(_attached("image", image.get("alt")) for image in images), ()
    if kind == "app.bsky.embed.video":
        return _attached("video", embed.get("alt")), ()
    if kind == "app.bsky.embed.external":
        external = _object(embed.get("external"))
        uri = safe_link(str(external.get("uri") or ""))
        title = clean_text(str(external.get("title") or "")).strip()[:200]
        return (f"[link: {title or uri}]" if uri else ""), ((uri,) if uri else ())
    if kind == "app.bsky.embed.record":
        quoted = _object(embed.get("record")).get("uri")
        url = post_url(web_url, uri_did(quoted), quoted) if isinstance(quoted, str) and is_post_uri(quoted) else None
        return ("[quotes a post]" + (f" {url}" if url else "")), ((url,) if url else ())
    return "", ()


def _attached(kind: str, alt: Any) -> str:
    description = clean_text(alt).strip()[:300] if isinstance(alt, str) else ""
    return f"[{kind} attached: {description}]" if description else f"[{kind} attached]"


def _object(value: Any) -> _Json:
    return value if isinstance(value, dict) else {}


def _objects(value: Any) -> list[_Json]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(data: _Json, key: str, allow_empty: bool = False) -> str:
    value = data[key]
    if not isinstance(value, str) or (not value and not allow_empty):
        raise TypeError(f"{key} is not text")
    return value
