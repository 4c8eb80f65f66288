"""Bluesky replies: a post in the customer's thread, or a direct message; and finding one an earlier attempt sent.

A reply post (``com.atproto.repo.createRecord`` of an ``app.bsky.feed.post``) must name the post it answers and the
thread's first post as strong refs, uri *and* cid. The inbox keeps only the uri (the message's remote id), so the
parent is fetched with ``app.bsky.feed.getPosts`` at send time: that gives its current cid, its own reply root (a
reply's root is its parent's root; a top-level post is its own root), and proves it still exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from socialinbox.connectors.base import Rejected, UncertainDelivery
from socialinbox.connectors.bluesky_chat import NO_DM_ACCESS
from socialinbox.connectors.bluesky_facets import HandleResolver, build_facets
from socialinbox.connectors.bluesky_posts import POST_TYPE, is_post_uri, parse_time, post_url, reply_ref
from socialinbox.connectors.bluesky_session import SignedIn
from socialinbox.connectors.bluesky_xrpc import NAME
from socialinbox.domain import OutgoingReply, Platform, SentReply
from socialinbox.limits import measure

MAX_HANDLE_LOOKUPS = 10
FIND_LIMIT = 50  # the shop's newest posts searched for an earlier attempt
_Json = Mapping[str, Any]


def check_length(text: str, *, private: bool, dm_access: bool | None) -> None:
    """Refuse before sending what Bluesky would refuse: 300 graphemes a post, 1000 a direct message (and bytes)."""
    if not text.strip():
        raise Rejected("The reply is empty.")
    if private and dm_access is False:
        raise Rejected(NO_DM_ACCESS.replace("are not fetched", "cannot be sent"))
    size = measure(text, Platform.BLUESKY, private=private)
    if size.over_bytes:
        raise Rejected(f"The reply is too long for {NAME} ({size.bytes_used} bytes of {size.byte_limit}).")
    if size.over:
        raise Rejected(f"The reply has {size.used} characters; {NAME} allows {size.limit}. Shorten it.")


def post_reply(api: SignedIn, reply: OutgoingReply, now: datetime, web_url: str) -> SentReply:
    if reply.in_reply_to is None or not is_post_uri(reply.in_reply_to):
        raise Rejected(f"There is no {NAME} post to answer in this conversation.")
    parent = fetch_post(api, reply.in_reply_to)
    if parent is None or not isinstance(parent.get("cid"), str):
        raise Rejected("The customer's post was deleted or hidden, so the reply cannot be attached to it.")
    parent_ref = {"uri": str(parent["uri"]), "cid": str(parent["cid"])}
    refs = reply_ref(parent.get("record"))
    record: dict[str, Any] = {
        "$type": POST_TYPE,
        "text": reply.text,
        "createdAt": iso_time(now),
        "reply": {"root": dict(refs[0]) if refs else parent_ref, "parent": parent_ref},
    }
    facets = build_facets(reply.text, handle_resolver(api, reply))
    if facets:
        record["facets"] = facets
    body = {"repo": api.did, "collection": POST_TYPE, "record": record}
    uri = api.procedure("com.atproto.repo.createRecord", body, sending=True).data.get("uri")
    if not is_post_uri(uri):
        raise UncertainDelivery(f"{NAME} accepted the reply but its answer could not be read.")
    return SentReply(remote_id=uri, sent_at=now, url=post_url(web_url, api.did, uri))


def fetch_post(api: SignedIn, uri: str) -> _Json | None:
    """The post view of ``uri``, or None when it is gone (deleted, or hidden from the shop by a block)."""
    posts = api.query("app.bsky.feed.getPosts", {"uris": [uri]}).data.get("posts")
    found = (p for p in posts or [] if isinstance(p, dict) and p.get("uri") == uri)
    return next(found, None)


def find_sent_post(api: SignedIn, reply: OutgoingReply, web_url: str) -> SentReply | None:
    """The shop's post answering the same parent with the same text, if an earlier attempt did post it."""
    params = {"actor": api.did, "filter": "posts_with_replies", "limit": FIND_LIMIT}
    for item in api.query("app.bsky.feed.getAuthorFeed", params).data.get("feed") or []:
        post = item.get("post") if isinstance(item, dict) else None
        record = post.get("record") if isinstance(post, dict) else None
        refs = reply_ref(record)
        if not isinstance(record, dict) or refs is None or refs[1]["uri"] != reply.in_reply_to:
            continue
        if record.get("text") == reply.text and isinstance(post, dict) and is_post_uri(post.get("uri")):
            uri = str(post["uri"])
            sent_at = parse_time(record.get("createdAt")) or parse_time(post.get("indexedAt"))
            if sent_at is not None:
                return SentReply(remote_id=uri, sent_at=sent_at, url=post_url(web_url, api.did, uri))
    return None


def handle_resolver(api: SignedIn, reply: OutgoingReply) -> HandleResolver:
    """Handle -> DID for mention facets: the customer's own from the conversation, others asked of the PDS."""
    known: dict[str, str | None] = {}
    if reply.recipient is not None:
        known[reply.recipient.handle.lstrip("@").lower()] = reply.recipient.remote_id

    def resolve(handle: str) -> str | None:
        if handle not in known and len(known) < MAX_HANDLE_LOOKUPS:
            answer = api.query("com.atproto.identity.resolveHandle", {"handle": handle}, accept=(400, 404))
            did = answer.data.get("did") if answer.ok else None
            known[handle] = did if isinstance(did, str) and did.startswith("did:") else None
        return known.get(handle)

    return resolve


def iso_time(moment: datetime) -> str:
    """``2026-11-23T09:00:00.000Z``: the datetime format atproto records use (with a timezone, as they must)."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
