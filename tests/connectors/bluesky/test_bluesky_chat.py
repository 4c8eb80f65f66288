"""Bluesky direct messages against the fake chat service: back-fill, the log, replies, missing DM access."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from socialinbox.connectors.base import Rejected
from socialinbox.connectors.bluesky import BlueskyConnector, PollCursor
from socialinbox.connectors.bluesky_chat import NO_DM_ACCESS
from socialinbox.domain import Direction, RemoteAuthor, RemoteMessage, Visibility
from tests.conftest import FakeClock
from tests.connectors.bluesky_testkit import connector, private_reply, reply_to, running_fake, sign_in
from tests.connectors.fake_bluesky import FakeBluesky
from tests.connectors.fake_bluesky_model import CHAT_PROXY, SHOP_DID


def dms(messages: tuple[RemoteMessage, ...]) -> list[RemoteMessage]:
    return [m for m in messages if m.visibility is Visibility.PRIVATE]


def test_first_poll_back_fills_recent_conversations_as_private_threads(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector, clock: FakeClock
) -> None:
    ana, ben = fake.customer("ana.bsky.social", "Ana"), fake.customer("ben.bsky.social")
    fake.chat.dm(ana, "Is the cake ready? https://crumb.shop/orders/12", sent_at=clock.now() - timedelta(hours=3))
    fake.chat.dm(ana, "It is, come by!", from_shop=True, sent_at=clock.now() - timedelta(hours=2))
    fake.chat.dm(ben, "long ago", sent_at=clock.now() - timedelta(days=30))

    result = bsky.poll(client, token, None)

    question, answer = sorted(dms(result.messages), key=lambda m: m.sent_at)
    convo = next(iter(fake.chat.convos.values()))
    assert question.thread_key == answer.thread_key == f"dm:{ana.did}"  # one chat per customer
    assert question.remote_id.startswith(f"chat:{convo.id}:") and question.direction is Direction.INBOUND
    assert question.author.remote_id == ana.did and question.author.handle == "ana.bsky.social"
    assert question.links == ("https://crumb.shop/orders/12",)
    assert answer.direction is Direction.OUTBOUND  # written in the Bluesky app: the clock stops
    assert PollCursor.parse(result.cursor).chat == max(c.rev for c in fake.chat.convos.values())
    assert all(e.headers.get("atproto-proxy") == CHAT_PROXY for e in fake.traffic if e.nsid.startswith("chat."))


def test_later_polls_read_the_log_from_the_cursor(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector, clock: FakeClock
) -> None:
    fake.chat.log_page = 2
    ana, ben = fake.customer("ana.bsky.social"), fake.customer("ben.bsky.social")
    fake.chat.dm(ana, "hello")
    cursor = bsky.poll(client, token, None).cursor
    fresh = [fake.chat.dm(ana, "one more thing"), fake.chat.dm(ben, "hi!"), fake.chat.dm(ben, "are you open?")]
    fake.chat.log_profiles = False  # older chat services: no relatedProfiles, so members are looked up

    result = bsky.poll(client, token, cursor)

    assert [m.text for m in dms(result.messages)] == [f["text"] for f in fresh]
    assert {m.author.handle for m in dms(result.messages)} == {"ana.bsky.social", "ben.bsky.social"}
    assert len(list(fake.exchanges("chat.bsky.convo.getLog"))) == 3  # 2 + 1 + the empty page that ends it
    assert PollCursor.parse(result.cursor).chat == fake.chat.log[-1]["rev"]
    assert bsky.poll(client, token, result.cursor).messages == ()


def test_a_chat_reply_goes_to_the_conversation_with_facets(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector
) -> None:
    ana = fake.customer("ana.bsky.social")
    fake.chat.dm(ana, "Do you ship?")
    (message,) = dms(bsky.poll(client, token, None).messages)
    text = "🚚 Yes! Details: https://crumb.shop/shipping"

    sent = bsky.send(client, token, reply_to(message, text))

    (body,) = fake.chat.sent
    (convo_id,) = fake.chat.convos
    feature = {"$type": "app.bsky.richtext.facet#link", "uri": "https://crumb.shop/shipping"}
    link = {"index": {"byteStart": 19, "byteEnd": 46}, "features": [feature]}
    assert body == {"convoId": convo_id, "message": {"text": text, "facets": [link]}}
    assert sent.remote_id == f"chat:{convo_id}:{fake.chat.convos[convo_id].messages[-1]['id']}"
    echoed = dms(bsky.poll(client, token, PollCursor(chat=fake.chat.log[0]["rev"]).dump()).messages)
    assert [m.remote_id for m in echoed] == [sent.remote_id]  # the echo dedupes against the stored reply
    assert echoed[0].direction is Direction.OUTBOUND


def test_a_direct_message_may_have_1000_graphemes_but_not_more(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector
) -> None:
    fake.chat.dm(fake.customer("ana.bsky.social"), "Tell me everything")
    (message,) = dms(bsky.poll(client, token, None).messages)
    bsky.send(client, token, reply_to(message, "a" * 1000))
    with pytest.raises(Rejected, match="1001 characters"):
        bsky.send(client, token, reply_to(message, "a" * 1001))


def test_taking_a_public_thread_private_opens_the_chat_the_customers_answer_threads_into(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector
) -> None:
    ana = fake.customer("ana.bsky.social")
    cursor = bsky.poll(client, token, None).cursor
    opener = private_reply(RemoteAuthor(ana.did, ana.handle), "Let's sort this out here.", f"dm:{ana.did}")

    sent = bsky.send(client, token, opener)

    (exchange,) = fake.exchanges("chat.bsky.convo.getConvoForMembers")
    assert exchange.params == {"members": [ana.did]}
    convo = next(iter(fake.chat.convos.values()))
    assert sent.remote_id.startswith(f"chat:{convo.id}:") and [m.did for m in convo.members] == [SHOP_DID, ana.did]
    fake.chat.dm(ana, "Thanks, my order number is 1042")
    answers = dms(bsky.poll(client, token, cursor).messages)
    assert {m.thread_key for m in answers} == {f"dm:{ana.did}"}  # the same conversation as the opener


def test_group_chats_are_keyed_by_the_conversation_and_deleted_messages_are_skipped(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector
) -> None:
    ana, ben = fake.customer("ana.bsky.social"), fake.customer("ben.bsky.social")
    group = fake.chat.group("Saturday market", [ana, ben])
    fake.chat.say(group, ana, "Who brings the bread?")
    fake.chat.delete_message(fake.chat.say(group, ben, "oops, wrong chat"))

    (message,) = dms(bsky.poll(client, token, None).messages)

    assert message.thread_key == f"convo:{group.id}" and message.text == "Who brings the bread?"
    sent = bsky.send(client, token, reply_to(message, "We do!"))
    assert sent.remote_id.startswith(f"chat:{group.id}:") and fake.chat.sent[-1]["convoId"] == group.id


def test_a_locked_conversation_is_a_rejection(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector
) -> None:
    fake.chat.dm(fake.customer("ana.bsky.social"), "hi")
    (message,) = dms(bsky.poll(client, token, None).messages)
    next(iter(fake.chat.convos.values())).status = "locked"
    with pytest.raises(Rejected, match="locked"):
        bsky.send(client, token, reply_to(message, "hello?"))


def test_without_dm_access_mentions_still_arrive_and_the_owner_is_told_why_dms_do_not(
    client: httpx.Client, clock: FakeClock
) -> None:
    with running_fake(clock, dm_access=False) as fake:
        token = sign_in(fake, client, clock)
        ana = fake.customer("ana.bsky.social")
        fake.mention(ana, "hello")
        fake.chat.dm(ana, "secret")
        bsky = connector(fake, clock)

        result = bsky.poll(client, token, None)

        assert [m.visibility for m in result.messages] == [Visibility.PUBLIC]
        assert result.warnings == (NO_DM_ACCESS,)
        assert not list(fake.exchanges("chat.bsky.convo.listConvos"))  # the token's scope said so: not even tried
        with pytest.raises(Rejected, match="cannot be sent"):
            bsky.send(client, token, private_reply(RemoteAuthor(ana.did, ana.handle), "hi", f"dm:{ana.did}"))


def test_a_chat_service_answering_bad_token_method_is_reported_not_fatal(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector
) -> None:
    fake.mention(fake.customer("ana.bsky.social"), "hello")
    fake.fail_next("chat.bsky.convo.listConvos", 400, "InvalidToken", "Bad token method")
    result = bsky.poll(client, token, None)
    assert len(result.messages) == 1 and result.warnings == (NO_DM_ACCESS,)
    assert PollCursor.parse(result.cursor).chat is None  # tried again next time


def test_chat_trouble_keeps_the_chat_cursor_and_lets_mentions_through(
    fake: FakeBluesky, client: httpx.Client, token: str, bsky: BlueskyConnector
) -> None:
    ana = fake.customer("ana.bsky.social")
    fake.chat.dm(ana, "first")
    cursor = bsky.poll(client, token, None).cursor
    fake.mention(ana, "public")
    fake.fail_next("chat.bsky.convo.getLog", 500, "InternalServerError", "Internal Server Error")

    result = bsky.poll(client, token, cursor)

    assert [m.text for m in result.messages] == ["@crumbandco.bsky.social public"]
    assert "could not be fetched this time" in result.warnings[0]
    assert PollCursor.parse(result.cursor).chat == PollCursor.parse(cursor).chat


def test_the_owner_can_turn_direct_messages_off(
    fake: FakeBluesky, client: httpx.Client, token: str, clock: FakeClock
) -> None:
    fake.chat.dm(fake.customer("ana.bsky.social"), "hello")
    result = connector(fake, clock, direct_messages=False).poll(client, token, None)
    assert result.messages == () and result.warnings == ()
