"""Bluesky replies against the fake: exact reply refs, facets with byte offsets, limits, finding earlier attempts."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import httpx
import pytest

from socialinbox.connectors.base import Rejected, UncertainDelivery
from socialinbox.connectors.bluesky import BlueskyConnector
from socialinbox.connectors.bluesky_facets import facet_summary
from socialinbox.domain import RemoteMessage
from tests.conftest import FakeClock
from tests.connectors.bluesky_testkit import reply_to
from tests.connectors.fake_bluesky import FakeBluesky
from tests.connectors.fake_bluesky_model import SHOP_DID, Post


def polled(bsky: BlueskyConnector, client: httpx.Client, token: str, post: Post) -> RemoteMessage:
    return next(m for m in bsky.poll(client, token, None).messages if m.remote_id == post.uri)


def test_a_reply_to_a_top_level_mention_names_it_as_root_and_parent(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector, clock: FakeClock
) -> None:
    ana = fake.customer("ana.bsky.social")
    question = fake.mention(ana, "Do you deliver?")
    message = polled(bsky, client, token, question)

    sent = bsky.send(client, token, reply_to(message, "Yes, within 5 km!"))

    (body,) = fake.created
    ref = {"uri": question.uri, "cid": question.cid}
    assert body["repo"] == SHOP_DID and body["collection"] == "app.bsky.feed.post"
    assert body["record"] == {
        "$type": "app.bsky.feed.post",
        "text": "Yes, within 5 km!",
        "createdAt": "2026-11-23T09:00:00.000Z",
        "reply": {"root": ref, "parent": ref},
    }
    assert sent.remote_id in fake.posts and sent.remote_id.startswith(f"at://{SHOP_DID}/app.bsky.feed.post/")
    assert sent.url is not None and sent.url.startswith(f"https://bsky.app/profile/{SHOP_DID}/post/")


def test_a_reply_deep_in_a_thread_keeps_the_threads_root(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector, clock: FakeClock
) -> None:
    ana = fake.customer("ana.bsky.social")
    root = fake.mention(ana, "Cake for 12?", indexed_at=clock.now() - timedelta(minutes=9))
    ours = fake.reply(fake.shop, root, "Which flavour?", indexed_at=clock.now() - timedelta(minutes=8))
    hers = fake.reply(ana, ours, "Chocolate 🍫")
    message = polled(bsky, client, token, hers)

    bsky.send(client, token, reply_to(message, "Noted!"))

    reply = fake.created[0]["record"]["reply"]
    assert reply == {"root": {"uri": root.uri, "cid": root.cid}, "parent": {"uri": hers.uri, "cid": hers.cid}}


def test_facets_use_utf8_byte_offsets_when_emoji_come_first(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector
) -> None:
    ana, ben = fake.customer("ana.bsky.social"), fake.customer("ben.bsky.social")
    message = polled(bsky, client, token, fake.mention(ana, "Menu?"))
    text = "🎂🥖 Thanks @ana.bsky.social! Menu: https://crumb.shop/menu — ask @ben.bsky.social too"

    bsky.send(client, token, reply_to(message, text))

    facets = fake.created[0]["record"]["facets"]
    assert facet_summary(facets, text) == [
        ("mention", "@ana.bsky.social"),
        ("link", "https://crumb.shop/menu"),
        ("mention", "@ben.bsky.social"),
    ]
    assert facets[0]["index"] == {"byteStart": 16, "byteEnd": 32}  # 2 emoji = 8 bytes, not 2
    assert [f["features"][0].get("did") for f in facets] == [ana.did, None, ben.did]
    # The customer's DID came from the conversation; only the other handle needed a lookup.
    assert [e.params["handle"] for e in fake.exchanges("com.atproto.identity.resolveHandle")] == [["ben.bsky.social"]]


def test_a_reply_over_300_graphemes_is_refused_before_sending(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector
) -> None:
    message = polled(bsky, client, token, fake.mention(fake.customer("ana.bsky.social"), "Hi"))
    bsky.send(client, token, reply_to(message, "🥐" * 300))  # 300 graphemes, 1200 bytes: fits
    fake.created.clear()
    with pytest.raises(Rejected, match="301 characters"):
        bsky.send(client, token, reply_to(message, "x" * 301))
    with pytest.raises(Rejected, match="5400 bytes of 3000"):  # 300 graphemes, but family emoji are 18 bytes each
        bsky.send(client, token, reply_to(message, "👨‍👩‍👧" * 300))
    assert fake.created == []


def test_a_reply_to_a_deleted_post_is_rejected_not_retried(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector
) -> None:
    post = fake.mention(fake.customer("ana.bsky.social"), "nevermind")
    message = polled(bsky, client, token, post)
    fake.delete(post)
    with pytest.raises(Rejected, match="deleted"):
        bsky.send(client, token, reply_to(message, "Sorry to hear"))
    assert not bsky.original_exists(client, token, post.uri)


def test_a_server_error_after_the_post_left_is_uncertain_and_the_next_attempt_finds_it(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector
) -> None:
    message = polled(bsky, client, token, fake.mention(fake.customer("ana.bsky.social"), "Hours?"))
    reply = reply_to(message, "9 to 5")
    assert bsky.find_sent(client, token, reply) is None
    fake.fail_next("com.atproto.repo.createRecord", 502, "UpstreamFailure", "bad gateway")
    with pytest.raises(UncertainDelivery):
        bsky.send(client, token, reply)
    posted = bsky.send(client, token, reply)  # suppose this one went out after all, then the answer was lost

    found = bsky.find_sent(client, token, reply)

    assert found is not None and found.remote_id == posted.remote_id


def test_the_platform_refusing_a_post_is_a_rejection_with_its_reason(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector
) -> None:
    message = polled(bsky, client, token, fake.mention(fake.customer("ana.bsky.social"), "Hi"))
    fake.fail_next("com.atproto.repo.createRecord", 400, "InvalidRequest", "Invalid app.bsky.feed.post record")
    with pytest.raises(Rejected, match=r"Invalid app\.bsky\.feed\.post record"):
        bsky.send(client, token, reply_to(message, "Hello"))


def test_a_conversation_without_a_post_to_answer_is_rejected(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector
) -> None:
    message = polled(bsky, client, token, fake.mention(fake.customer("ana.bsky.social"), "Hi"))
    orphan = reply_to(message, "Hello")
    with pytest.raises(Rejected, match="no Bluesky post"):
        bsky.send(client, token, dataclasses.replace(orphan, in_reply_to=None))
    with pytest.raises(Rejected, match="empty"):
        bsky.send(client, token, reply_to(message, "   "))
