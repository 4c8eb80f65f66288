"""The Bluesky connector's ingest against a local fake Bluesky with the real paging, headers and shapes.

Every request the connector builds and every answer the fake gives is checked against the lexicons in
../shared/specs (where present); a violation fails the test when the fake stops.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from socialinbox.connectors import bluesky
from socialinbox.connectors.bluesky import PollCursor, build_bluesky
from socialinbox.domain import Direction, Platform, Status, Visibility
from tests.conftest import FakeClock
from tests.connectors.bluesky_testkit import connector
from tests.connectors.fake_bluesky import FakeBluesky
from tests.connectors.fake_bluesky_model import SHOP_DID, SHOP_HANDLE
from tests.fakes import make_repository
from tests.lexicon_contract import LexiconContract


def test_the_fake_speaks_the_lexicons(clock: FakeClock) -> None:
    """The contract check is really on (the other tests would pass vacuously without the specs)."""
    LexiconContract.load()  # skips, saying why, where the specs are absent
    with FakeBluesky(LexiconContract.load(), clock.now) as server:
        assert server.contract is not None


def test_first_poll_back_fills_mentions_replies_and_quotes_across_pages(
    fake: FakeBluesky, client: httpx.Client, token: str, clock: FakeClock
) -> None:
    fake.page_size_cap = 3  # small pages, so the back-fill has to follow the cursor
    ana, ben = fake.customer("ana.bsky.social", "Ana 🌻"), fake.customer("ben.bsky.social")
    announcement = fake.add_post(
        fake.shop, {"text": "Pumpkin bread is back!"}, indexed_at=clock.now() - timedelta(days=2)
    )
    for hours in range(6):
        fake.mention(ana, f"question {hours}", indexed_at=clock.now() - timedelta(hours=hours + 1))
    fake.reply(ben, announcement, "Gluten free too?", indexed_at=clock.now() - timedelta(minutes=5))
    fake.quote(ben, announcement, "Best bakery in town", indexed_at=clock.now() - timedelta(minutes=4))
    fake.mention(ana, "too old to import", indexed_at=clock.now() - timedelta(days=9))

    result = connector(fake, clock).poll(client, token, None)

    texts = sorted(m.text for m in result.messages)
    assert texts == sorted(
        [
            *(f"@crumbandco.bsky.social question {h}" for h in range(6)),
            "Gluten free too?",
            "Best bakery in town\n\n[quotes a post] " + _web(announcement.uri),
        ]
    )
    assert len(list(fake.exchanges("app.bsky.notification.listNotifications"))) == 3  # 8 items, pages of 3
    request = next(fake.exchanges("app.bsky.notification.listNotifications"))
    assert request.params["reasons"] == ["mention", "reply", "quote"] and request.params["limit"] == ["100"]
    assert PollCursor.parse(result.cursor).notifications == clock.now() - timedelta(minutes=4)


def test_a_mention_becomes_a_public_message_keyed_by_did_with_its_thread(
    fake: FakeBluesky, client: httpx.Client, token: str, clock: FakeClock
) -> None:
    ana = fake.customer("ana.bsky.social", "Ana 🌻")
    post = fake.mention(ana, "Hi 👋 is https://crumb.shop/menu current?")

    (message,) = connector(fake, clock).poll(client, token, None).messages

    assert message.remote_id == post.uri and message.thread_key == post.uri and message.in_reply_to is None
    assert message.author.remote_id == ana.did and message.author.handle == "ana.bsky.social"
    assert message.author.display_name == "Ana 🌻"
    assert message.visibility is Visibility.PUBLIC and message.direction is Direction.INBOUND
    assert message.text == "@crumbandco.bsky.social Hi 👋 is https://crumb.shop/menu current?"
    assert message.links == ("https://crumb.shop/menu",)
    assert message.url == f"https://bsky.app/profile/{ana.did}/post/{post.uri.rsplit('/', 1)[-1]}"
    assert message.sent_at == clock.now()


def test_replies_follow_the_parent_and_the_root(
    fake: FakeBluesky, client: httpx.Client, token: str, clock: FakeClock
) -> None:
    ana = fake.customer("ana.bsky.social")
    question = fake.mention(ana, "Open on Sunday?", indexed_at=clock.now() - timedelta(minutes=30))
    answer = fake.reply(fake.shop, question, "Yes, 8 to 12!", indexed_at=clock.now() - timedelta(minutes=20))
    follow_up = fake.reply(ana, answer, "And the cafe?", indexed_at=clock.now() - timedelta(minutes=10))

    by_id = {m.remote_id: m for m in connector(fake, clock).poll(client, token, None).messages}

    assert by_id[follow_up.uri].in_reply_to == answer.uri and by_id[follow_up.uri].thread_key == question.uri
    shop_reply = by_id[answer.uri]  # written in the Bluesky app: still the shop's reply in this thread
    assert shop_reply.direction is Direction.OUTBOUND and shop_reply.in_reply_to == question.uri
    assert shop_reply.author.remote_id == SHOP_DID


def test_back_filled_threads_the_shop_answered_in_the_bluesky_app_are_not_waiting(
    fake: FakeBluesky, client: httpx.Client, token: str, clock: FakeClock, tmp_path: Path
) -> None:
    repo = make_repository(tmp_path)
    account = repo.add_account(Platform.BLUESKY, SHOP_HANDLE, clock.now())
    ana, ben, cara = (fake.customer(f"{name}.bsky.social") for name in ("ana", "ben", "cara"))
    answered = fake.mention(ana, "Open Sunday?", indexed_at=clock.now() - timedelta(hours=3))
    fake.reply(fake.shop, answered, "Yes, 8 to 12!", indexed_at=clock.now() - timedelta(hours=2))
    fake.mention(ben, "Vegan options?", indexed_at=clock.now() - timedelta(hours=1))
    fake.chat.dm(cara, "Order ready?", sent_at=clock.now() - timedelta(hours=4))
    fake.chat.dm(cara, "Yes, come by", from_shop=True, sent_at=clock.now() - timedelta(hours=3))

    saved = repo.save_poll(account.id, connector(fake, clock).poll(client, token, None), clock.now())

    status = {c.contact.handle: c.status for c in saved.conversations}
    assert status == {
        "ana.bsky.social": Status.WAITING,
        "ben.bsky.social": Status.NEEDS_REPLY,
        "cara.bsky.social": Status.WAITING,
    }


def test_each_customer_answering_a_shop_post_gets_their_own_conversation(
    fake: FakeBluesky, client: httpx.Client, token: str, clock: FakeClock
) -> None:
    announcement = fake.add_post(
        fake.shop, {"text": "New hours from Monday"}, indexed_at=clock.now() - timedelta(hours=1)
    )
    ana, ben = fake.customer("ana.bsky.social"), fake.customer("ben.bsky.social")
    from_ana = fake.reply(ana, announcement, "Saturdays too?")
    from_ben = fake.reply(ben, announcement, "Great news")

    keys = {m.remote_id: m.thread_key for m in connector(fake, clock).poll(client, token, None).messages}

    assert keys[from_ana.uri] == f"{announcement.uri}#{ana.did}"
    assert keys[from_ben.uri] == f"{announcement.uri}#{ben.did}"
    assert announcement.uri not in keys  # the shop's own top-level post is nobody waiting


def test_later_polls_walk_back_only_to_what_was_seen_and_repeat_nothing_new_as_new(
    fake: FakeBluesky, client: httpx.Client, token: str, clock: FakeClock
) -> None:
    fake.page_size_cap = 2
    ana = fake.customer("ana.bsky.social")
    for minutes in range(30, 0, -1):  # a month's worth of history is not walked again
        fake.mention(ana, f"old {minutes}", indexed_at=clock.now() - timedelta(days=minutes))
    bsky = connector(fake, clock)
    first = bsky.poll(client, token, None)
    clock.advance(minutes=1)
    fresh = [fake.mention(ana, f"new {n}") for n in range(3)]
    fake.traffic.clear()

    second = bsky.poll(client, token, first.cursor)

    fresh_ids, seen_ids = {p.uri for p in fresh}, {m.remote_id for m in second.messages}
    assert fresh_ids <= seen_ids
    assert len(seen_ids - fresh_ids) == 1  # the newest known one, inside the overlap: storage drops it again
    assert len(list(fake.exchanges("app.bsky.notification.listNotifications"))) == 3  # not the 15 pages of history
    assert PollCursor.parse(second.cursor).notifications == clock.now()


def test_a_burst_larger_than_a_page_is_never_cut(
    fake: FakeBluesky, client: httpx.Client, token: str, clock: FakeClock
) -> None:
    ana = fake.customer("ana.bsky.social")
    bsky = connector(fake, clock)
    cursor = bsky.poll(client, token, None).cursor
    clock.advance(minutes=1)
    burst = {
        fake.mention(ana, f"burst {n}", indexed_at=clock.now() + timedelta(milliseconds=n)).uri for n in range(250)
    }

    result = bsky.poll(client, token, cursor)

    assert {m.remote_id for m in result.messages} == burst


def test_duplicates_across_pages_and_reply_mentions_come_once(
    fake: FakeBluesky, client: httpx.Client, token: str, clock: FakeClock
) -> None:
    fake.page_size_cap = 2
    ana = fake.customer("ana.bsky.social")
    posts = [fake.mention(ana, f"m{n}", indexed_at=clock.now() - timedelta(minutes=n)) for n in range(5)]
    first = connector(fake, clock).poll(client, token, None)
    second = connector(fake, clock).poll(client, token, first.cursor)  # the overlap brings some back

    assert sorted(m.remote_id for m in first.messages) == sorted(p.uri for p in posts)
    assert {m.remote_id for m in second.messages} <= {p.uri for p in posts}  # storage drops these repeats


def test_a_deleted_post_simply_disappears(
    fake: FakeBluesky, client: httpx.Client, token: str, clock: FakeClock
) -> None:
    ana = fake.customer("ana.bsky.social")
    kept, gone = fake.mention(ana, "kept"), fake.mention(ana, "oops")
    fake.delete(gone)
    assert [m.remote_id for m in connector(fake, clock).poll(client, token, None).messages] == [kept.uri]


def test_unreadable_items_are_skipped_with_a_warning_not_a_failure(
    fake: FakeBluesky, client: httpx.Client, token: str, clock: FakeClock
) -> None:
    ana = fake.customer("ana.bsky.social")
    fake.mention(ana, "fine")
    broken = fake.mention(ana, "broken")
    broken.record["text"] = None
    fake.contract = None  # the fake now serves what the lexicons forbid, on purpose

    result = connector(fake, clock).poll(client, token, None)

    assert [m.text for m in result.messages] == ["@crumbandco.bsky.social fine"]
    assert any("could not be read" in warning for warning in result.warnings)


def test_rate_limit_headers_become_the_accounts_budget(
    fake: FakeBluesky, client: httpx.Client, token: str, clock: FakeClock
) -> None:
    fake.rate_remaining = 1234
    budget = connector(fake, clock).poll(client, token, None).rate_budget
    assert budget is not None and budget.limit == 3000 and budget.remaining is not None
    assert 1200 < budget.remaining < 1234
    assert budget.resets_at == clock.now() + timedelta(minutes=5)  # RateLimit-Reset is epoch seconds


def test_an_unreadable_cursor_starts_over_instead_of_failing(
    fake: FakeBluesky, client: httpx.Client, token: str, clock: FakeClock
) -> None:
    ana = fake.customer("ana.bsky.social")
    fake.mention(ana, "still here")
    assert len(connector(fake, clock).poll(client, token, "{not json").messages) == 1


def test_build_reads_the_stored_settings(clock: FakeClock) -> None:
    built = build_bluesky(
        {"handle": "crumbandco.bsky.social", "plc_url": "http://127.0.0.1:9", "direct_messages": False}, clock
    )
    assert built.platform is Platform.BLUESKY and built.plc_url == "http://127.0.0.1:9" and not built.direct_messages
    with pytest.raises(ValueError, match="https"):
        build_bluesky({"plc_url": "http://plc.example"}, clock)
    assert json.loads(PollCursor().dump()) == {"v": 1}
    assert timedelta(0) < bluesky.OVERLAP <= timedelta(hours=1)


def _web(uri: str) -> str:
    did, _, rkey = uri.removeprefix("at://").partition("/app.bsky.feed.post/")
    return f"https://bsky.app/profile/{did}/post/{rkey}"
