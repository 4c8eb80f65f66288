"""The X connector against a local fake X API; every exchange is checked against X's OpenAPI description."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from socialinbox.connectors import REGISTRY
from socialinbox.connectors.base import (
    AuthError,
    ChecksOriginals,
    ConnectorError,
    FindsSentReplies,
    RateLimited,
    Rejected,
    RotatesCredentials,
    TransientError,
    UncertainDelivery,
)
from socialinbox.connectors.http import make_client
from socialinbox.connectors.x import XConnector, build_x
from socialinbox.connectors.x_dms import DM_EVERY
from socialinbox.connectors.x_mapping import XCursor
from socialinbox.domain import Contact, Conversation, Direction, OutgoingReply, Platform, Status, Visibility
from socialinbox.private_case import private_thread_key
from tests.conftest import FakeClock
from tests.connectors.fake_x import CLIENT_ID, SHOP, SHOP_ID, FakeX, problem
from tests.x_contract import XContract

OLENA, MARCO = "1480000000000000007", "1480000000000000042"
DM_WITH_MARCO = f"{SHOP_ID}-{MARCO}" if int(SHOP_ID) < int(MARCO) else f"{MARCO}-{SHOP_ID}"


@pytest.fixture(scope="module")
def contract() -> XContract | None:
    return XContract.load_if_present()


@pytest.fixture
def fake(clock: FakeClock, contract: XContract | None) -> Iterator[FakeX]:
    with FakeX(now=clock.now) as server:
        yield server
    if contract is not None:  # every test's traffic, not only the dedicated contract test's
        contract.check_all(server.traffic)
    for exchange in server.traffic:  # tokens travel in the Authorization header or the token form, nowhere else
        assert "acc-" not in str(exchange.request.url) and "ref-" not in str(exchange.request.url)


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with make_client() as shared:
        yield shared


@pytest.fixture
def x(fake: FakeX, clock: FakeClock) -> XConnector:
    settings = {"user_id": SHOP_ID, "username": SHOP, "client_id": CLIENT_ID, "api_base": fake.api_base}
    return build_x(settings, clock)


@pytest.fixture
def token(fake: FakeX) -> str:
    return fake.stored_token()


def public(text: str, to: str) -> OutgoingReply:
    return OutgoingReply(1, "key-1", text, Visibility.PUBLIC, None, to, None)


def private(text: str, customer: str = MARCO, after: str | None = None) -> OutgoingReply:
    return OutgoingReply(2, "key-2", text, Visibility.PRIVATE, f"dm:{customer}", after, None)


def test_the_registry_builds_an_x_connector_with_every_capability(clock: FakeClock) -> None:
    connector = REGISTRY[Platform.X]({"user_id": SHOP_ID, "client_id": CLIENT_ID}, clock)
    assert isinstance(connector, XConnector) and connector.platform is Platform.X
    for capability in (FindsSentReplies, ChecksOriginals, RotatesCredentials):
        assert isinstance(connector, capability)


def test_verify_names_the_account_and_refuses_another(fake, client, x, token, clock) -> None:
    assert x.verify(client, token) == f"@{SHOP}"
    other = build_x({"user_id": "1590000000000000009", "username": "rivalbuns", "api_base": fake.api_base}, clock)
    with pytest.raises(AuthError, match="signed in to X as @crumbandco"):
        other.verify(client, token)


def test_first_poll_reads_one_page_of_mentions_and_maps_them(fake, client, x, token, clock) -> None:
    for n in range(105):
        fake.post(f"@{SHOP} question {n}", at=clock.now() - timedelta(minutes=200 - n))
    root = fake.post(f"@{SHOP} do you have rye &amp; spelt? https://t.co/abc123", by=OLENA)
    answer = fake.post(f"@olenak yes! @{SHOP}", by=SHOP_ID, reply_to=root)
    result = x.poll(client, token, None)
    assert len(fake.requests_to("GET mentions")) == 1 and len(result.messages) == 100
    by_id = {m.remote_id: m for m in result.messages}
    question, reply = by_id[root], by_id[answer]
    assert question.text == f"@{SHOP} do you have rye & spelt? https://t.co/abc123"
    assert question.links == ("https://crumb.example/rye",)
    assert (question.author.handle, question.author.display_name) == ("@olenak", "Olena Kovalenko")
    assert (question.visibility, question.direction, question.thread_key) == (
        Visibility.PUBLIC,
        Direction.INBOUND,
        f"{root}#{OLENA}",
    )
    assert question.url == f"https://x.com/olenak/status/{root}"
    assert (reply.direction, reply.in_reply_to, reply.thread_key) == (Direction.OUTBOUND, root, f"{root}#{OLENA}")
    assert XCursor.parse(result.cursor).mentions_since == answer


def test_each_customer_answering_under_the_shops_post_has_a_conversation_of_their_own(fake, client, x, token) -> None:
    """One launch post, two customers asking under it: two clocks, as on Bluesky; the shop's answer to one joins
    theirs. Keys only matter where the parent is not stored (the repository threads by ``in_reply_to`` first)."""
    launch = fake.post(f"New rye loaf today! @{SHOP}", by=SHOP_ID)
    olena = fake.post(f"@{SHOP} is it vegan?", by=OLENA, reply_to=launch)
    marco = fake.post(f"@{SHOP} until when?", by=MARCO, reply_to=launch)
    answer = fake.post(f"@olenak yes! @{SHOP}", by=SHOP_ID, reply_to=olena)
    keys = {m.remote_id: m.thread_key for m in x.poll(client, token, None).messages}
    assert keys[launch] == launch  # the shop's own post: no customer in it
    assert keys[olena] == keys[answer] == f"{launch}#{OLENA}"
    assert keys[marco] == f"{launch}#{MARCO}"


def test_later_polls_page_down_to_since_id_and_keep_the_first_pages_newest(fake, client, x, token, clock) -> None:
    fake.post(f"@{SHOP} first")
    cursor = x.poll(client, token, None).cursor
    clock.advance(minutes=1)
    ids = [fake.post(f"@{SHOP} burst {n}") for n in range(230)]
    result = x.poll(client, token, cursor)
    assert {m.remote_id for m in result.messages} == set(ids)
    requests = fake.requests_to("GET mentions")[1:]
    assert len(requests) == 3 and all(r.request.url.params["since_id"] for r in requests)
    assert XCursor.parse(result.cursor).mentions_since == ids[-1]
    assert x.poll(client, token, result.cursor).messages == ()


def test_an_edited_post_keeps_its_first_id_and_renamed_fields_are_read(fake, client, x, token) -> None:
    first = fake.post(f"@{SHOP} rye?")
    edited = fake.post(f"@{SHOP} rye or spelt?", edit_of=first)
    (message,) = x.poll(client, token, None).messages
    assert (message.remote_id, message.text) == (first, f"@{SHOP} rye or spelt?")
    from socialinbox.connectors.x_mapping import post_message

    renamed = {
        "id": edited,
        "text": "hi",
        "author_id": OLENA,
        "created_at": "2026-11-23T09:00:00.000Z",
        "edit_history_post_ids": [first, edited],
        "referenced_posts": [{"type": "replied_to", "id": "1590000000000000100"}],
    }
    mapped = post_message(renamed, {}, SHOP_ID)
    assert (mapped.remote_id, mapped.in_reply_to, mapped.author.handle) == (first, "1590000000000000100", OLENA)


def test_partial_errors_in_a_200_keep_the_data_and_unreadable_posts_are_skipped(fake, client, x, token) -> None:
    good = {
        "id": "1590000000000000200",
        "text": f"@{SHOP} hi",
        "author_id": OLENA,
        "created_at": "2026-11-23T08:00:00.000Z",
        "edit_history_tweet_ids": ["1590000000000000200"],
    }
    body = {
        "data": [good, {"id": "1590000000000000201", "text": "no author or time"}],
        "errors": [
            {
                "title": "Authorization Error",
                "detail": "Sorry, you are not authorized to see the Post.",
                "type": "https://api.x.com/2/problems/not-authorized-for-resource",
                "resource_type": "tweet",
                "resource_id": "1590000000000000199",
                "parameter": "referenced_tweets.id",
                "value": "1590000000000000199",
            }
        ],
        "meta": {"newest_id": "1590000000000000201", "oldest_id": "1590000000000000200", "result_count": 2},
    }
    fake.fail("GET mentions", 200, body)
    result = x.poll(client, token, None)
    assert [m.remote_id for m in result.messages] == ["1590000000000000200"]
    assert any("could not read" in w for w in result.warnings)


def test_direct_messages_are_private_threads_read_less_often_and_never_twice(fake, client, x, token, clock) -> None:
    asked = fake.message("Are you open on Sunday?", by=MARCO, at=clock.now() - timedelta(minutes=5))
    answered = fake.message("Yes, 9-12!", by=SHOP_ID, to=MARCO, at=clock.now() - timedelta(minutes=4))
    first = x.poll(client, token, None)
    by_id = {m.remote_id: m for m in first.messages}
    assert by_id[asked].visibility is Visibility.PRIVATE and by_id[asked].thread_key == f"dm:{MARCO}"
    assert (by_id[asked].author.handle, by_id[asked].direction) == ("@marco_r", Direction.INBOUND)
    assert by_id[answered].direction is Direction.OUTBOUND
    clock.advance(minutes=1)
    fake.message("And Monday?", by=MARCO)
    second = x.poll(client, token, first.cursor)
    assert second.messages == () and len(fake.requests_to("GET dm_events")) == 1  # not due yet: X allows 15/15 min
    clock.advance(seconds=DM_EVERY.total_seconds())
    late = fake.message("(sent a bit earlier)", by=MARCO, at=clock.now() - timedelta(minutes=3, seconds=30))
    third = x.poll(client, token, second.cursor)
    assert sorted(m.text for m in third.messages) == ["(sent a bit earlier)", "And Monday?"]
    assert late in {m.remote_id for m in third.messages}
    clock.advance(seconds=DM_EVERY.total_seconds())
    assert x.poll(client, token, third.cursor).messages == ()


def test_a_reply_the_shop_made_in_x_itself_is_read_and_stops_the_clock(fake, client, x, token, clock) -> None:
    """The shop answered in X's own app, without naming itself: the mentions never show that reply, the shop's own
    posts do. Its announcements (replies to nothing) are left out; each own post is read once."""
    answered_before = fake.post(f"@{SHOP} open on Sunday?", by=OLENA)
    before = fake.post("@olenak yes, 9 to 1!", by=SHOP_ID, reply_to=answered_before)
    first = x.poll(client, token, None)  # a first poll reads the newest page of the shop's own posts too
    assert {m.remote_id for m in first.messages} == {answered_before, before}
    clock.advance(minutes=2)
    question = fake.post(f"@{SHOP} do you deliver?", by=MARCO)
    fake.post("Fresh rye today!", by=SHOP_ID)
    answer = fake.post("@marco_p yes, within 5 km", by=SHOP_ID, reply_to=question)
    second = x.poll(client, token, first.cursor)
    by_id = {m.remote_id: m for m in second.messages}
    assert set(by_id) == {question, answer}
    reply = by_id[answer]
    assert (reply.direction, reply.in_reply_to, reply.author.handle) == (Direction.OUTBOUND, question, f"@{SHOP}")
    assert reply.thread_key == f"{question}#{MARCO}"
    clock.advance(minutes=2)
    assert x.poll(client, token, second.cursor).messages == ()
    assert fake.requests_to("GET tweets")[-1].request.url.params["since_id"] == answer


def test_a_rate_limited_read_of_the_shops_own_posts_only_postpones_it(fake, client, x, token, clock) -> None:
    fake.post(f"@{SHOP} hello")
    fake.limits["GET tweets"] = 0
    result = x.poll(client, token, None)
    assert len(result.messages) == 1 and any("your own posts" in w for w in result.warnings)
    assert XCursor.parse(result.cursor).own_until == clock.now() + timedelta(minutes=15)
    clock.advance(minutes=5)
    x.poll(client, token, result.cursor)
    assert len(fake.requests_to("GET tweets")) == 1  # not asked again before the reset


def test_a_dm_check_reads_a_short_page_and_pages_on_only_through_new_messages(fake, client, x, token, clock) -> None:
    """Every check gets the newest events again (X has no since_id for them) and X bills each event read: a quiet
    check reads one short page; a burst is read whole, page after page, while every event on a page is new."""
    for n in range(30):
        fake.message(f"old {n}", by=MARCO, at=clock.now() - timedelta(days=1, minutes=n))
    first = x.poll(client, token, None)
    assert fake.requests_to("GET dm_events")[-1].request.url.params["max_results"] == "100"
    clock.advance(seconds=DM_EVERY.total_seconds())
    quiet = x.poll(client, token, first.cursor)
    assert quiet.messages == ()
    (check,) = fake.requests_to("GET dm_events")[1:]
    assert check.request.url.params["max_results"] == "10"
    clock.advance(seconds=DM_EVERY.total_seconds())
    burst = [fake.message(f"new {n}", by=MARCO, at=clock.now() - timedelta(seconds=30 - n)) for n in range(25)]
    busy = x.poll(client, token, quiet.cursor)
    assert {m.remote_id for m in busy.messages} == set(burst)
    assert len(fake.requests_to("GET dm_events")) == 2 + 3  # 10 + 10 + 5 new, then an old one ends the read


def test_a_rate_limited_dm_read_keeps_the_mentions_and_waits_for_the_reset(fake, client, x, token, clock) -> None:
    fake.post(f"@{SHOP} hello")
    fake.limits["GET dm_events"] = 0
    result = x.poll(client, token, None)
    assert len(result.messages) == 1 and any("direct messages" in w for w in result.warnings)
    state = XCursor.parse(result.cursor)
    assert state.dm_until == clock.now() + timedelta(minutes=15)
    clock.advance(minutes=5)
    x.poll(client, token, result.cursor)
    assert len(fake.requests_to("GET dm_events")) == 1  # not asked again before the reset


@pytest.mark.parametrize(("route", "what"), [("GET dm_events", "Direct messages"), ("GET tweets", "Your own posts")])
def test_credits_running_out_on_a_later_read_still_says_to_top_them_up(fake, client, x, token, route, what) -> None:
    fake.post(f"@{SHOP} hello")
    detail = "Your enrolled account does not have any credits to fulfill this request."
    fake.fail(route, 402, problem(402, "CreditsDepleted", detail, "https://api.x.com/2/problems/credits"))
    result = x.poll(client, token, None)
    assert len(result.messages) == 1  # the mentions already read (and paid for) are kept
    (warning,) = result.warnings
    assert "no credits left" in warning and "Top them up in the X developer console" in warning
    assert warning.endswith(f"{what} are read again in 60 min.") and "limits reading" not in warning


@pytest.mark.parametrize("v1", [True, False])
def test_a_429_waits_until_x_rate_limit_reset_in_either_body_shape(fake, client, x, token, clock, v1) -> None:
    fake.v1_rate_limit_body = v1
    fake.limits["GET mentions"] = 0
    with pytest.raises(RateLimited) as limited:
        x.poll(client, token, None)
    assert limited.value.retry_after == pytest.approx(15 * 60, abs=1)


def test_a_used_up_mentions_budget_makes_the_next_poll_wait_without_asking(fake, client, x, token, clock) -> None:
    fake.limits["GET mentions"] = 1
    cursor = x.poll(client, token, None).cursor
    clock.advance(minutes=2)
    with pytest.raises(RateLimited) as limited:
        x.poll(client, token, cursor)
    assert limited.value.retry_after == pytest.approx(13 * 60, abs=1)
    assert len(fake.requests_to("GET mentions")) == 1


def test_the_rate_budget_comes_from_the_headers(fake, client, x, token, clock) -> None:
    budget = x.poll(client, token, None).rate_budget
    assert budget is not None and (budget.remaining, budget.limit) == (299, 300)
    assert budget.resets_at == clock.now().replace(microsecond=0) + timedelta(minutes=15)


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"status": 503, "payload": problem(503, "Service Unavailable", "Service Unavailable")}, TransientError),
        ({"status": 200, "raw": b'{"data": [ {"id"'}, TransientError),
        ({"status": 200, "raw": b"<html>oops</html>"}, TransientError),
        ({"drop": True}, TransientError),
        ({"status": 403, "payload": problem(403, "Forbidden", "client-not-enrolled")}, AuthError),
        ({"status": 402, "payload": problem(402, "Payment Required", "credits depleted")}, RateLimited),
    ],
)
def test_faults_while_polling_map_to_connector_errors(fake, client, x, token, fault, error) -> None:
    fake.fail("GET mentions", **fault)
    with pytest.raises(error):
        x.poll(client, token, None)


def test_a_refusal_that_is_not_xs_own_answer_is_retried_not_a_sign_in_or_a_refused_reply(fake, client, x, token):
    fake.fail("GET mentions", 403, raw=b"<html><body>Access denied by the network filter</body></html>")
    with pytest.raises(TransientError, match="proxy or filter") as polling:
        x.poll(client, token, None)
    assert not isinstance(polling.value, AuthError) and "<" not in str(polling.value)
    mention = fake.post(f"@{SHOP} rye?", by=OLENA)
    fake.fail("POST tweets", 404, raw=b"<html>Not Found</html>")
    with pytest.raises(TransientError) as sending:
        x.send(client, token, public("@olenak Yes!", mention))
    assert not isinstance(sending.value, Rejected | UncertainDelivery)


def test_a_short_wait_is_said_in_whole_minutes(fake, client, x, token, clock) -> None:
    reset = str(int(clock.now().timestamp()) + 20)
    fake.fail(
        "GET mentions",
        429,
        problem(429, "Too Many Requests", "Too Many Requests"),
        headers={"x-rate-limit-reset": reset},
    )
    with pytest.raises(RateLimited) as limited:
        x.poll(client, token, None)
    assert limited.value.retry_after <= 20 and "waiting 1 min" in str(limited.value)


def test_an_unreadable_cursor_means_a_first_poll(fake, client, x, token) -> None:
    fake.post(f"@{SHOP} hi")
    for cursor in ("", "garbage", "[1]", '{"m": "not-an-id", "dn": 5}', "{" * 3000):
        assert len(x.poll(client, token, cursor).messages) == 1


# --- the sign-in renews itself ------------------------------------------------------------------------------------


def test_an_expiring_token_is_refreshed_once_and_handed_back_to_store(fake, client, x, clock) -> None:
    token = fake.stored_token(lifetime=timedelta(minutes=1))
    x.poll(client, token, None)
    rotated = x.rotated_token(token)
    assert rotated is not None and rotated != token
    assert json.loads(rotated)["refresh_token"] in fake.refresh_tokens
    assert json.loads(token)["refresh_token"] not in fake.refresh_tokens  # single use: spent
    (refresh,) = fake.requests_to("POST token")
    assert dict(httpx.QueryParams(refresh.request.content.decode())) == {
        "grant_type": "refresh_token",
        "refresh_token": json.loads(token)["refresh_token"],
        "client_id": CLIENT_ID,
    }
    x.poll(client, token, None)  # the same stored blob again (not yet stored): the cache's newer pair is used
    assert len(fake.requests_to("POST token")) == 1


def test_a_401_refreshes_and_retries_once(fake, client, x, token) -> None:
    fake.access_tokens.clear()  # revoked early, or this computer's clock is off
    x.poll(client, token, None)
    assert len(fake.requests_to("POST token")) == 1 and x.rotated_token(token) is not None


def test_a_refused_refresh_asks_to_sign_in_again_without_the_token(fake, client, x, clock) -> None:
    token = fake.stored_token(lifetime=timedelta(seconds=30))
    fake.refresh_tokens.clear()  # used by another copy, or revoked
    with pytest.raises(AuthError, match="Sign in to X again") as refused:
        x.poll(client, token, None)
    assert json.loads(token)["refresh_token"] not in str(refused.value)
    assert x.rotated_token(token) is None


def test_a_proxy_page_from_the_token_endpoint_does_not_end_the_sign_in(fake, client, x, clock) -> None:
    token = fake.stored_token(lifetime=timedelta(seconds=30))
    fake.fail("POST token", 403, raw=b"<html>Access denied</html>")
    with pytest.raises(TransientError, match="could not renew"):
        x.poll(client, token, None)
    x.poll(client, token, None)  # the refresh token was never spent: the next try renews it
    assert x.rotated_token(token) is not None


def test_an_unreadable_stored_sign_in_is_an_auth_error(client, x) -> None:
    with pytest.raises(AuthError, match="cannot be read"):
        x.poll(client, "not json", None)


# --- sending exactly once -----------------------------------------------------------------------------------------


def test_a_public_reply_answers_the_mention(fake, client, x, token, clock) -> None:
    mention = fake.post(f"@{SHOP} rye?", by=OLENA)
    sent = x.send(client, token, public("@olenak Yes, on Saturdays!", mention))
    (posted,) = fake.requests_to("POST tweets")
    assert json.loads(posted.request.content) == {
        "text": "@olenak Yes, on Saturdays!",
        "reply": {"in_reply_to_tweet_id": mention},
    }
    assert fake.posts[sent.remote_id]["author_id"] == SHOP_ID and sent.url.endswith(f"/{SHOP}/status/{sent.remote_id}")


def test_a_reply_to_someone_who_did_not_summon_the_shop_is_rejected_with_advice(fake, client, x, token) -> None:
    unsummoned = fake.post("the bakery on Main St is great", by=OLENA)
    with pytest.raises(Rejected, match="Answer them in X itself"):
        x.send(client, token, public("Thank you!", unsummoned))


def test_a_direct_message_goes_to_the_one_to_one_conversation_with_the_customer(fake, client, x, token) -> None:
    fake.message("Open Sunday?", by=MARCO)
    sent = x.send(client, token, private("Yes, 9-12."))
    (posted,) = fake.requests_to("POST messages with")
    assert posted.request.url.path == f"/2/dm_conversations/with/{MARCO}/messages"
    assert json.loads(posted.request.content) == {"text": "Yes, 9-12."}
    assert fake.dm_events[-1]["id"] == sent.remote_id
    assert fake.dm_events[-1]["dm_conversation_id"] == DM_WITH_MARCO


def test_a_group_conversation_is_answered_by_its_own_id(fake, client, x, token) -> None:
    group = "1582838396275396608"
    fake.groups[group] = {SHOP_ID, MARCO, OLENA}
    x.send(client, token, OutgoingReply(2, "k", "Hello all", Visibility.PRIVATE, f"dm-group:{group}", None, None))
    (posted,) = fake.requests_to("POST messages")
    assert posted.request.url.path == f"/2/dm_conversations/{group}/messages"


def test_take_it_private_starts_the_conversation_and_the_customers_answer_lands_in_it(
    fake, client, x, token, clock
) -> None:
    """No direct message yet: the opener starts the one-to-one conversation (``dm:<user id>``, the key
    ``private_case`` gives a public X conversation), and what the customer writes back is keyed the same."""
    complaint = fake.post(f"@{SHOP} my order never came", by=OLENA)
    (public_message,) = x.poll(client, token, None).messages
    author = public_message.author
    conversation = Conversation(
        id=1,
        account_id=1,
        platform=Platform.X,
        contact=Contact(1, 1, author.remote_id, author.handle, author.display_name),
        visibility=Visibility.PUBLIC,
        status=Status.NEEDS_REPLY,
        last_message_at=public_message.sent_at,
        preview=public_message.text,
        waiting_since=public_message.sent_at,
    )
    key = private_thread_key(conversation)
    assert key == f"dm:{OLENA}" and complaint
    x.send(
        client, token, OutgoingReply(2, "k", "So sorry! What's your order number?", Visibility.PRIVATE, key, None, None)
    )
    clock.advance(minutes=1)
    fake.message("It's 1042", by=OLENA)
    answers = [m for m in x.poll(client, token, None).messages if m.visibility is Visibility.PRIVATE]
    assert {m.thread_key for m in answers} == {key}
    assert [m.direction for m in sorted(answers, key=lambda m: m.sent_at)] == [Direction.OUTBOUND, Direction.INBOUND]


def test_a_customer_who_takes_messages_only_from_people_they_follow_is_told_plainly(fake, client, x, token) -> None:
    fake.closed_dms.add(OLENA)
    with pytest.raises(Rejected, match="cannot send messages to this user"):
        x.send(client, token, private("Hello", customer=OLENA))


@pytest.mark.parametrize(
    "bad",
    [
        public("", "1590000000000000300"),
        public("x" * 281, "1590000000000000300"),
        public("hi", "not-an-id"),
        private("hi", customer="../../2/tweets"),
        OutgoingReply(3, "k", "hi", Visibility.PRIVATE, None, None, None),
    ],
)
def test_replies_the_connector_cannot_place_are_refused_before_sending(fake, client, x, token, bad) -> None:
    with pytest.raises(Rejected):
        x.send(client, token, bad)
    assert not [e for e in fake.traffic if e.route.startswith("POST")]


@pytest.mark.parametrize(
    "fault",
    [{"status": 503, "after": True}, {"drop": True, "after": True}, {"status": 201, "raw": b"{", "after": True}],
)
def test_trouble_after_a_reply_left_is_uncertain_and_find_sent_finds_it(fake, client, x, token, fault) -> None:
    mention = fake.post(f"@{SHOP} rye?", by=OLENA)
    fake.fail("POST tweets", **fault)
    reply = public("@olenak Yes!", mention)
    with pytest.raises(UncertainDelivery):
        x.send(client, token, reply)
    found = x.find_sent(client, token, reply)
    assert found is not None and fake.posts[found.remote_id]["text"] == "@olenak Yes!"
    assert len([p for p in fake.posts.values() if p["author_id"] == SHOP_ID]) == 1  # posted exactly once


def test_find_sent_ignores_an_older_identical_reply_and_finds_dms(fake, client, x, token) -> None:
    old = fake.post(f"@{SHOP} rye?", by=OLENA)
    fake.post("@olenak Thanks!", by=SHOP_ID, reply_to=old)
    new = fake.post(f"@{SHOP} spelt?", by=OLENA)
    assert x.find_sent(client, token, public("@olenak Thanks!", new)) is None
    earlier = fake.message("Thanks!", by=SHOP_ID, to=MARCO)
    question = fake.message("Open Sunday?", by=MARCO)
    assert x.find_sent(client, token, private("Thanks!", after=question)) is None
    fake.fail("POST messages with", 503, after=True)
    with pytest.raises(UncertainDelivery):
        x.send(client, token, private("Thanks!", after=question))
    found = x.find_sent(client, token, private("Thanks!", after=question))
    assert found is not None and found.remote_id not in (earlier, question)


def test_original_exists_until_the_post_is_deleted_and_knows_direct_messages(fake, client, x, token) -> None:
    mention = fake.post(f"@{SHOP} rye?", by=OLENA)
    message = fake.message("hello", by=MARCO)
    assert x.original_exists(client, token, mention) and x.original_exists(client, token, message)
    fake.posts[mention]["deleted"] = True
    assert not x.original_exists(client, token, mention)


def test_no_error_ever_carries_a_token(fake, client, x, token) -> None:
    secrets = json.loads(token)
    fake.fail("GET mentions", 400, problem(400, "Invalid Request", f"bad token {secrets['access_token']}"))
    with pytest.raises(ConnectorError) as failed:
        x.poll(client, token, None)
    assert secrets["access_token"] not in str(failed.value)
    assert secrets["access_token"] not in repr(x) and "refresh" not in repr(x.sessions)
