"""The Facebook Pages connector against a local fake Graph API, every exchange checked against the Meta specs."""

from __future__ import annotations

import dataclasses
import json
import traceback
from collections.abc import Iterator
from datetime import UTC, timedelta
from typing import Any

import httpx
import pytest

from socialinbox.connectors.base import (
    AuthError,
    ChecksOriginals,
    ConnectorError,
    FindsSentReplies,
    RateLimited,
    Rejected,
    TransientError,
    UncertainDelivery,
)
from socialinbox.connectors.facebook import API_BASE, NAME, FacebookConnector, build_facebook
from socialinbox.connectors.http import make_client
from socialinbox.connectors.watermark import parse_cursor
from socialinbox.domain import Direction, OutgoingReply, Platform, Visibility
from tests.conftest import FakeClock
from tests.connectors.fake_facebook import (
    ELSEWHERE,
    OTHER_PAGE_ID,
    OTHER_TOKEN,
    PAGE_ID,
    PAGE_NAME,
    TOKEN,
    USER_TOKEN,
    FakeGraph,
    graph_error,
    out_of_reach,
)
from tests.meta_contract import MetaContract

CUSTOMER = "7712345678901234"


@pytest.fixture(scope="module")
def contract() -> MetaContract | None:
    return MetaContract.load_if_present()


@pytest.fixture
def fake(clock: FakeClock, contract: MetaContract | None) -> Iterator[FakeGraph]:
    with FakeGraph(now=clock.now) as server:
        yield server
    if contract is not None:  # every test's traffic, not only the dedicated contract test
        contract.assert_traffic_matches(server.traffic)
    for exchange in server.traffic:  # the token only ever travels in the header, and only to the fake
        assert TOKEN not in exchange.url and "access_token" not in exchange.params
        assert not exchange.url.startswith(ELSEWHERE)


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with make_client() as shared:
        yield shared


@pytest.fixture(scope="module")
def impatient() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=0.3) as quick:
        yield quick


@pytest.fixture
def facebook(fake: FakeGraph, clock: FakeClock) -> FacebookConnector:
    return build_facebook({"page_id": PAGE_ID, "api_base": fake.api_base}, clock)


def reply(text: str = "Yes, rye on Saturdays!", *, in_reply_to: str | None = None, psid: str | None = None):
    visibility = Visibility.PRIVATE if psid else Visibility.PUBLIC
    thread_key = f"messenger:{psid}" if psid else None
    return OutgoingReply(1, "key-1", text, visibility, thread_key, in_reply_to, None)


def texts(result: Any) -> list[str]:
    return [message.text for message in result.messages]


class Stored:
    """What the repository keeps of the polls: each remote id once. A poll reads ``OVERLAP`` behind its watermark
    again (Graph is eventually consistent), so "new" is what no earlier poll returned."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    def new_texts(self, result: Any) -> list[str]:
        fresh = [m.text for m in result.messages if m.remote_id not in self.ids]
        self.ids |= {m.remote_id for m in result.messages}
        return fresh


# --- connecting ------------------------------------------------------------------------------------------------


def test_page_identity_and_verify_name_the_page(fake, client, facebook, clock) -> None:
    assert facebook.page_identity(client, TOKEN) == (PAGE_ID, PAGE_NAME)
    assert facebook.verify(client, TOKEN) == PAGE_NAME
    sent = fake.requests_to("GET me")[-1]
    assert sent.params == {"fields": "id,name,category"} and sent.authorization == f"Bearer {TOKEN}"
    built = build_facebook({}, clock)
    assert (built.platform, built.api_base, built.page_id, NAME) == (Platform.FACEBOOK, API_BASE, None, "Facebook")
    assert isinstance(facebook, FindsSentReplies) and isinstance(facebook, ChecksOriginals)


def test_a_persons_token_is_told_apart_from_the_pages(fake, client, facebook) -> None:
    with pytest.raises(AuthError, match="a person's access token, not a Page's"):
        facebook.page_identity(client, USER_TOKEN)
    fake.traffic.clear()  # Graph refuses "category" on a User, as wanted: the contract check need not see it


def test_a_persons_token_lists_the_pages_it_manages_each_with_its_own_token(fake, client, facebook) -> None:
    managed = facebook.managed_pages(client, USER_TOKEN)
    assert [(p.page_id, p.name, p.token) for p in managed] == [
        (PAGE_ID, PAGE_NAME, TOKEN),
        (OTHER_PAGE_ID, "Rival Buns", OTHER_TOKEN),
    ]
    assert TOKEN not in repr(managed)
    (listed,) = fake.requests_to("GET accounts")
    assert listed.path.endswith("/me/accounts") and listed.authorization == f"Bearer {USER_TOKEN}"


def test_a_token_of_another_page_is_refused_by_name(client, facebook) -> None:
    with pytest.raises(AuthError, match=f"belongs to the Page Rival Buns, not {PAGE_ID}"):
        facebook.verify(client, OTHER_TOKEN)


def test_a_revoked_token_asks_to_reconnect_and_never_shows_the_token(client, facebook) -> None:
    for call in (lambda: facebook.verify(client, TOKEN + "x"), lambda: facebook.poll(client, TOKEN + "x", None)):
        with pytest.raises(AuthError, match="Reconnect the Page") as caught:
            call()
        assert TOKEN not in str(caught.value) and TOKEN not in "".join(traceback.format_exception(caught.value))


def test_without_a_page_id_nothing_is_polled_or_sent(fake, client, clock) -> None:
    connector = build_facebook({"api_base": fake.api_base}, clock)
    with pytest.raises(AuthError, match="reconnect the Page"):
        connector.poll(client, TOKEN, None)
    with pytest.raises(AuthError):
        connector.send(client, TOKEN, reply(in_reply_to="1_2"))
    assert fake.traffic == []


# --- polling comments ------------------------------------------------------------------------------------------


def test_first_poll_backfills_comments_and_replies_with_their_mapping(fake, client, facebook, clock) -> None:
    post = fake.post(at=clock.now() - timedelta(days=2))
    first = fake.comment(post, "Do you deliver to Oakfield?", at=clock.now() - timedelta(hours=3))
    answer = fake.comment(first, "Yes, Tuesdays!", who=(PAGE_ID, PAGE_NAME), at=clock.now() - timedelta(hours=2))
    result = facebook.poll(client, TOKEN, None)
    assert texts(result) == ["Do you deliver to Oakfield?", "Yes, Tuesdays!"]
    question, ours = result.messages
    assert (question.remote_id, question.visibility, question.thread_key, question.in_reply_to) == (
        first,
        Visibility.PUBLIC,
        None,
        None,
    )
    assert (question.author.remote_id, question.author.handle, question.author.display_name) == (
        "1148671018324630",
        "Olena Kovalenko",
        "Olena Kovalenko",
    )
    assert question.sent_at == (clock.now() - timedelta(hours=3)).replace(microsecond=0)
    assert question.sent_at.tzinfo is UTC and question.direction is Direction.INBOUND
    assert question.url == f"https://www.facebook.com/{PAGE_ID}/posts/{post.split('_')[1]}?comment_id={first}"
    assert (ours.remote_id, ours.in_reply_to, ours.direction) == (answer, first, Direction.OUTBOUND)
    comments_request = fake.requests_to("GET comments")[-1]
    assert comments_request.params["filter"] == "stream" and comments_request.params["order"] == "reverse_chronological"


def test_incremental_polls_return_only_new_comments_across_pages_without_loss(fake, client, facebook, clock) -> None:
    stored = Stored()
    post = fake.post(at=clock.now() - timedelta(days=1))
    fake.comment(post, "old one", at=clock.now() - timedelta(hours=1))
    first = facebook.poll(client, TOKEN, None)
    assert stored.new_texts(first) == ["old one"]
    clock.advance(minutes=5)
    for n in range(250):  # three pages of 100, all in the same few seconds
        fake.comment(post, f"order {n}", at=clock.now() + timedelta(seconds=n // 100))
    clock.advance(seconds=10)
    second = facebook.poll(client, TOKEN, first.cursor)
    assert sorted(stored.new_texts(second)) == sorted(f"order {n}" for n in range(250))
    assert len({m.remote_id for m in second.messages}) == len(second.messages)  # none twice in one poll
    assert len(fake.requests_to("GET comments")) == 1 + 3
    fake.comment(post, "one more", at=clock.now() - timedelta(seconds=10) + timedelta(seconds=2))  # same second
    third = facebook.poll(client, TOKEN, second.cursor)
    assert stored.new_texts(third) == ["one more"]
    clock.advance(minutes=10)
    fourth = facebook.poll(client, TOKEN, third.cursor)  # the first poll past the overlap reads it once more
    assert stored.new_texts(fourth) == []
    assert facebook.poll(client, TOKEN, fourth.cursor).messages == ()  # then nothing is read again


def test_a_comment_graph_shows_late_is_still_read(fake, client, facebook, clock) -> None:
    """Graph is eventually consistent: a comment written before one already read can appear a little later."""
    stored = Stored()
    post = fake.post(at=clock.now() - timedelta(days=1))
    fake.comment(post, "first", at=clock.now() - timedelta(hours=1))
    cursor = facebook.poll(client, TOKEN, None).cursor
    clock.advance(minutes=1)
    fake.comment(post, "read at once", at=clock.now())
    second = facebook.poll(client, TOKEN, cursor)
    stored.new_texts(second)
    fake.comment(post, "shown late", at=clock.now() - timedelta(seconds=20))  # older than "read at once"
    clock.advance(minutes=1)
    assert stored.new_texts(facebook.poll(client, TOKEN, second.cursor)) == ["shown late"]


def test_posts_without_new_activity_are_not_read_again(fake, client, facebook, clock) -> None:
    stored = Stored()
    quiet, busy = fake.post(at=clock.now() - timedelta(days=3)), fake.post(at=clock.now() - timedelta(days=1))
    fake.comment(quiet, "nice", at=clock.now() - timedelta(days=2))
    fake.comment(busy, "lovely", at=clock.now() - timedelta(hours=1))
    stored.new_texts(first := facebook.poll(client, TOKEN, None))
    clock.advance(minutes=3)
    fake.comment(busy, "When do you open?")
    assert stored.new_texts(facebook.poll(client, TOKEN, first.cursor)) == ["When do you open?"]
    assert [e.path.split("/")[2] for e in fake.requests_to("GET comments")][-1:] == [busy]
    assert len(fake.requests_to("GET comments")) == 2 + 1


def test_hidden_textless_and_authorless_comments_are_skipped_without_losing_later_ones(
    fake, client, facebook, clock
) -> None:
    stored = Stored()
    post = fake.post(at=clock.now() - timedelta(days=1))
    cursor = facebook.poll(client, TOKEN, None).cursor
    clock.advance(minutes=1)
    fake.comment(post, "spam spam", hidden=True)
    fake.comment(post, None)  # a sticker alone
    fake.comment(post, "who am I", withhold_author=True)
    clock.advance(seconds=1)
    fake.comment(post, "real question")
    result = facebook.poll(client, TOKEN, cursor)
    assert stored.new_texts(result) == ["real question"]
    clock.advance(seconds=1)
    fake.comment(post, "after that")
    assert stored.new_texts(facebook.poll(client, TOKEN, result.cursor)) == ["after that"]


def test_a_comment_deleted_before_polling_is_not_returned(fake, client, facebook, clock) -> None:
    post = fake.post()
    gone = fake.comment(post, "oops")
    fake.comment(post, "still here")
    fake.delete_comment(gone)
    assert texts(facebook.poll(client, TOKEN, None)) == ["still here"]


def test_a_post_deleted_between_feed_and_comments_is_passed_over(fake, client, facebook, clock) -> None:
    fake.comment(fake.post(at=clock.now() - timedelta(hours=2)), "on an older post")
    fake.comment(fake.post(at=clock.now() - timedelta(hours=1)), "on the newest post, deleted meanwhile")
    fake.fail(
        "GET comments", 400, graph_error(100, "(#100) Object does not exist", subcode=33)
    )  # the newest is read first
    assert texts(facebook.poll(client, TOKEN, None)) == ["on an older post"]


@pytest.mark.parametrize("route", ["GET feed", "GET conversations"])
def test_a_page_graph_can_no_longer_reach_asks_to_check_and_reconnect_it(fake, client, facebook, route) -> None:
    fake.fail(route, 400, out_of_reach(PAGE_ID))
    with pytest.raises(AuthError, match=r"deleted or unpublished.*reconnect the Page in Social Inbox"):
        facebook.poll(client, TOKEN, None)


def test_a_burst_larger_than_one_poll_reads_is_capped_and_said(fake, client, facebook, clock) -> None:
    post = fake.post(at=clock.now() - timedelta(days=1))
    for n in range(130):
        fake.comment(post, f"early {n}", at=clock.now() - timedelta(hours=2))
    first = facebook.poll(client, TOKEN, None)
    assert len(first.messages) == 100 and any("older ones stay on Facebook" in w for w in first.warnings)
    for n in range(600):
        fake.comment(post, f"late {n}", at=clock.now() - timedelta(minutes=30))
    second = facebook.poll(client, TOKEN, first.cursor)
    assert len(second.messages) == 500 and any("may be missing" in w for w in second.warnings)
    assert len(fake.requests_to("GET comments")) == 1 + 5


def test_hostile_text_stays_plain_text(fake, client, facebook) -> None:
    post = fake.post()
    fake.comment(post, "<b>hi</b>\u202eevil\x00 <script>x</script>", who=("99", "Eve\u202e"))
    (message,) = facebook.poll(client, TOKEN, None).messages
    assert message.text == "<b>hi</b>evil <script>x</script>" and message.author.handle == "Eve"


# --- polling Messenger -----------------------------------------------------------------------------------------


def test_messenger_messages_are_private_threads_with_the_pages_own_answers_outbound(
    fake, client, facebook, clock
) -> None:
    fake.customer_writes(CUSTOMER, "Hi! Are you open on Sunday?", at=clock.now() - timedelta(minutes=30))
    fake.page_writes(CUSTOMER, "Yes, 8 to 12.", at=clock.now() - timedelta(minutes=20))
    result = facebook.poll(client, TOKEN, None)
    asked, answered = result.messages
    assert (asked.visibility, asked.thread_key, asked.direction) == (
        Visibility.PRIVATE,
        f"messenger:{CUSTOMER}",
        Direction.INBOUND,
    )
    assert asked.author.remote_id == CUSTOMER and asked.author.display_name == "Marco Rossi"
    assert asked.remote_id.startswith("m_") and asked.text == "Hi! Are you open on Sunday?"
    assert (answered.direction, answered.thread_key, answered.author.remote_id) == (
        Direction.OUTBOUND,
        f"messenger:{CUSTOMER}",
        PAGE_ID,
    )
    sent = fake.requests_to("GET conversations")[-1].params
    assert sent["platform"] == "messenger" and "messages.limit(20){id,created_time,from,to,message}" in sent["fields"]


def test_messenger_incremental_poll_stops_at_old_conversations(fake, client, facebook, clock) -> None:
    for n in range(30):  # two pages of conversations
        fake.customer_writes(str(8000000000 + n), f"hello {n}", at=clock.now() - timedelta(hours=2, minutes=n))
    stored = Stored()
    first = facebook.poll(client, TOKEN, None)
    assert len(stored.new_texts(first)) == 25  # a first poll back-fills one page
    clock.advance(minutes=2)
    fake.customer_writes("8000000007", "any news?")
    second = facebook.poll(client, TOKEN, first.cursor)
    assert stored.new_texts(second) == ["any news?"]
    assert len(fake.requests_to("GET conversations")) == 2  # the first page already reached the watermark
    clock.advance(minutes=10)
    third = facebook.poll(client, TOKEN, second.cursor)  # the first poll past the overlap reads it once more
    assert stored.new_texts(third) == []
    assert facebook.poll(client, TOKEN, third.cursor).messages == ()  # then nothing is read again


# --- cursor, shapes, rate budget -------------------------------------------------------------------------------


@pytest.mark.parametrize("cursor", ["", "garbage", "[1,2]", '{"c": 5, "m": "yesterday"}', "{" * 5000, '{"c":"2026"}'])
def test_an_unreadable_cursor_means_a_first_poll(fake, client, facebook, cursor) -> None:
    fake.comment(fake.post(), "hello")
    result = facebook.poll(client, TOKEN, cursor)
    assert texts(result) == ["hello"]
    comments, messenger, _ = parse_cursor(result.cursor)
    assert comments is not None and messenger is None


@pytest.mark.parametrize(
    ("route", "raw", "payload"),
    [
        ("GET feed", b"{not json", None),
        ("GET comments", b"<html>Bad gateway</html>", None),
        ("GET feed", None, {"data": "not a list"}),
        ("GET conversations", None, {"data": [{"id": "t_1", "updated_time": "2026-11-23T08:00:00+0000"}]}),
        ("GET conversations", None, {"data": None}),
    ],
)
def test_malformed_answers_are_transient_errors_or_skips_never_crashes(
    fake, client, facebook, route, raw, payload
) -> None:
    fake.comment(fake.post(), "hello")
    fake.fail(route, 200, payload, raw=raw, garbled=True)
    try:
        result = facebook.poll(client, TOKEN, None)
    except TransientError as exc:
        assert "Facebook" in str(exc)
    else:
        assert any("could not read" in warning for warning in result.warnings)


def test_rate_budget_comes_from_the_usage_headers(fake, client, facebook, clock) -> None:
    fake.business_usage = {"call_count": 28, "total_cputime": 9, "total_time": 41, "estimated_time_to_regain_access": 0}
    budget = facebook.poll(client, TOKEN, None).rate_budget
    assert budget is not None and (budget.remaining, budget.limit, budget.resets_at) == (59, 100, None)
    fake.business_usage, fake.app_usage = None, {"call_count": 97, "total_cputime": 3, "total_time": 5}
    budget = facebook.poll(client, TOKEN, None).rate_budget
    assert budget is not None and budget.remaining == 3


# --- errors while polling --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [(4, 403, 1200.0), (17, 400, 1200.0), (32, 400, 1200.0), (613, 400, 1200.0), (80001, 400, 1200.0)],
)
def test_throttling_codes_wait_as_long_as_facebook_estimates(fake, client, facebook, code, status, expected) -> None:
    usage = json.dumps({PAGE_ID: [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 20}]})
    fake.fail(
        "GET feed",
        status,
        graph_error(code, "(#32) Page request limit reached"),
        headers={"X-Business-Use-Case-Usage": usage},
    )
    with pytest.raises(RateLimited) as caught:
        facebook.poll(client, TOKEN, None)
    assert caught.value.retry_after == expected


def test_throttling_without_an_estimate_and_http_429_use_a_default(fake, client, facebook) -> None:
    fake.fail("GET conversations", 400, graph_error(80006, "(#80006) There have been too many messenger api calls"))
    with pytest.raises(RateLimited) as caught:
        facebook.poll(client, TOKEN, None)
    assert caught.value.retry_after == 300.0
    fake.fail("GET feed", 429, None, raw=b"slow down", headers={"Retry-After": "42"})
    with pytest.raises(RateLimited) as again:
        facebook.poll(client, TOKEN, None)
    assert again.value.retry_after == 42.0


@pytest.mark.parametrize(
    ("payload", "error", "said"),
    [
        (graph_error(190, "Error validating access token: Session has expired", subcode=463), AuthError, "Reconnect"),
        (graph_error(102, "Session key invalid"), AuthError, "Reconnect"),
        (graph_error(10, "(#10) Requires pages_read_engagement permission"), AuthError, "pages_read_engagement"),
        (graph_error(200, "(#200) Missing permissions"), AuthError, "pages_messaging"),
        (graph_error(2, "An unexpected error has occurred. Please retry"), TransientError, "having trouble"),
        (graph_error(1, "An unknown error occurred", kind="OAuthException"), TransientError, "retry"),
    ],
)
def test_graph_errors_while_polling_map_to_connector_errors(fake, client, facebook, payload, error, said) -> None:
    fake.fail("GET conversations", 400, payload)
    with pytest.raises(error, match=said):
        facebook.poll(client, TOKEN, None)


def test_server_errors_and_network_trouble_while_polling_are_transient(fake, client, impatient, facebook) -> None:
    fake.fail("GET feed", 500, graph_error(2, "Service temporarily unavailable", kind="FacebookApiException"))
    with pytest.raises(TransientError, match="trouble"):
        facebook.poll(client, TOKEN, None)
    fake.fail("GET feed", 502, None, raw=b"<html>502</html>")
    with pytest.raises(TransientError):
        facebook.poll(client, TOKEN, None)
    fake.fail("GET feed", drop=True)
    with pytest.raises(TransientError) as dropped:
        facebook.poll(client, TOKEN, None)
    assert not isinstance(dropped.value, UncertainDelivery)
    fake.fail("GET feed", delay=1.0)
    with pytest.raises(TransientError, match="in time"):
        facebook.poll(impatient, TOKEN, None)


def test_an_unreachable_server_is_transient(client, clock) -> None:
    connector = build_facebook({"page_id": PAGE_ID, "api_base": "http://127.0.0.1:9/v25.0"}, clock)
    with pytest.raises(TransientError, match="Could not reach Facebook"):
        connector.poll(client, TOKEN, None)


# --- sending ---------------------------------------------------------------------------------------------------


def test_a_public_reply_is_a_comment_under_the_customers_comment(fake, client, facebook, clock) -> None:
    question = fake.comment(fake.post(), "Gluten free?")
    sent = facebook.send(client, TOKEN, reply("Yes, on Fridays.", in_reply_to=question))
    posted = fake.comments[sent.remote_id]
    assert (posted["parent_id"], posted["message"], posted["from"]["id"]) == (question, "Yes, on Fridays.", PAGE_ID)
    assert sent.sent_at == clock.now()
    request = fake.requests_to("POST comments")[-1]
    assert request.params == {"message": "Yes, on Fridays."} and request.path.endswith(f"/{question}/comments")


def test_a_messenger_reply_uses_the_send_api_with_the_customers_psid(fake, client, facebook, clock) -> None:
    fake.customer_writes(CUSTOMER, "Open Sunday?")
    sent = facebook.send(client, TOKEN, reply("Yes, 8 to 12.", psid=CUSTOMER))
    assert sent.remote_id == fake.conversations[CUSTOMER]["messages"][0]["id"] and sent.sent_at == clock.now()
    assert fake.requests_to("POST messages")[-1].params == {
        "recipient": {"id": CUSTOMER},
        "messaging_type": "RESPONSE",
        "message": {"text": "Yes, 8 to 12."},
    }


def test_take_it_private_answers_the_comment_privately_and_keys_the_chat_by_the_messenger_id(
    fake, client, facebook, clock
) -> None:
    """The commenter's id and their Messenger id differ: the chat taken private is keyed by the commenter until
    Facebook's private reply to the comment names their Messenger id, which the customer's answer then carries."""
    complaint = fake.comment(fake.post(), "My cake arrived squashed!", who=("1148671018324630", "Olena Kovalenko"))
    opener = OutgoingReply(
        2, "k", "So sorry, Olena! Which order was it?", Visibility.PRIVATE,
        "messenger-from-comment:1148671018324630", None, None, taken_from=complaint,
    )  # fmt: skip
    sent = facebook.send(client, TOKEN, opener)
    psid = fake.messenger_id_of("1148671018324630")
    assert sent.thread_key == f"messenger:{psid}" != "messenger:1148671018324630"
    assert fake.requests_to("POST messages")[-1].params == {
        "recipient": {"comment_id": complaint},
        "message": {"text": "So sorry, Olena! Which order was it?"},
    }
    assert facebook.find_sent(client, TOKEN, opener) is None  # one private reply per comment: no second to fear
    clock.advance(minutes=3)
    fake.customer_writes(psid, "Order 1042", name="Olena Kovalenko")
    answers = [m for m in facebook.poll(client, TOKEN, None).messages if m.visibility is Visibility.PRIVATE]
    assert {m.thread_key for m in answers} == {sent.thread_key}
    with pytest.raises(Rejected, match="one private reply per comment, within 7 days"):
        facebook.send(client, TOKEN, dataclasses.replace(opener, outbox_id=3, idempotency_key="k3"))


def test_messenger_replies_after_24_hours_are_refused_with_an_explanation(fake, client, facebook, clock) -> None:
    fake.customer_writes(CUSTOMER, "Open Sunday?")
    clock.advance(hours=25)
    with pytest.raises(Rejected, match="within 24 hours of the customer's last message"):
        facebook.send(client, TOKEN, reply("Sorry for the wait!", psid=CUSTOMER))


@pytest.mark.parametrize(
    "bad",
    [
        reply(in_reply_to=None),
        reply(in_reply_to="../me/feed"),
        reply(psid="not-a-psid"),
        OutgoingReply(1, "k", "hi", Visibility.PRIVATE, "chat:123", None, None),
        reply("   ", in_reply_to="1_2"),
        reply("x" * 8001, in_reply_to="1_2"),
        reply("x" * 2001, psid=CUSTOMER),
    ],
)
def test_replies_the_connector_cannot_place_are_refused_before_sending(fake, client, facebook, bad) -> None:
    with pytest.raises(Rejected):
        facebook.send(client, TOKEN, bad)
    assert fake.traffic == []


@pytest.mark.parametrize(
    ("route", "payload", "said"),
    [
        ("POST comments", graph_error(100, "(#100) Object does not exist", subcode=33), "deleted"),
        ("POST comments", graph_error(200, "(#200) Permissions error"), "pages_manage_engagement"),
        ("POST messages", graph_error(551, "This person isn't available right now.", subcode=1545041), "right now"),
        ("POST messages", graph_error(10, "(#10) This message is sent outside of allowed window."), "24 hours"),
        ("POST messages", graph_error(100, "(#100) No matching user found", subcode=2018001), "No matching user"),
    ],
)
def test_refusals_on_send_are_rejected_for_good(fake, client, facebook, route, payload, said) -> None:
    question = fake.comment(fake.post(), "hi")
    fake.customer_writes(CUSTOMER, "hi")
    fake.fail(route, 400, payload)
    target = reply(psid=CUSTOMER) if route == "POST messages" else reply(in_reply_to=question)
    with pytest.raises(Rejected, match=said):
        facebook.send(client, TOKEN, target)


def test_send_errors_map_like_poll_errors_for_auth_and_throttling(fake, client, facebook) -> None:
    question = fake.comment(fake.post(), "hi")
    fake.fail("POST comments", 400, graph_error(190, "Error validating access token"))
    with pytest.raises(AuthError):
        facebook.send(client, TOKEN, reply(in_reply_to=question))
    fake.fail("POST comments", 400, graph_error(32, "(#32) Page request limit reached"))
    with pytest.raises(RateLimited):
        facebook.send(client, TOKEN, reply(in_reply_to=question))


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500, "payload": graph_error(2, "Temporary send message failure", kind="FacebookApiException")},
        {"status": 504, "raw": b"<html>Gateway Timeout</html>"},
        {"status": 200, "raw": b'{"id": '},
        {"status": 200, "payload": {"ok": True}, "garbled": True},
        {"drop": True},
    ],
)
def test_trouble_after_a_reply_left_is_uncertain_delivery(fake, client, facebook, fault) -> None:
    question = fake.comment(fake.post(), "hi")
    fake.fail("POST comments", after=True, **({"status": 200, "payload": None} | fault))
    with pytest.raises(UncertainDelivery):
        facebook.send(client, TOKEN, reply(in_reply_to=question))


def test_a_timed_out_send_is_uncertain_and_find_sent_finds_it(fake, impatient, client, facebook) -> None:
    question = fake.comment(fake.post(), "Is the café dog-friendly?")
    fake.fail("POST comments", delay=1.0, after=True, status=200, payload={"id": "lost"})
    attempt = reply("Yes, dogs welcome!", in_reply_to=question)
    with pytest.raises(UncertainDelivery):
        facebook.send(impatient, TOKEN, attempt)
    found = facebook.find_sent(client, TOKEN, attempt)
    assert found is not None and fake.comments[found.remote_id]["message"] == "Yes, dogs welcome!"
    assert facebook.find_sent(client, TOKEN, reply("Something else", in_reply_to=question)) is None


def test_find_sent_looks_in_the_customers_messenger_conversation(fake, client, facebook) -> None:
    fake.customer_writes(CUSTOMER, "Open Sunday?")
    fake.customer_writes("7799999999999999", "Unrelated", name="Someone")
    attempt = reply("Yes, 8 to 12.", psid=CUSTOMER)
    assert facebook.find_sent(client, TOKEN, attempt) is None
    posted = fake.page_writes(CUSTOMER, "Yes, 8 to 12.")
    found = facebook.find_sent(client, TOKEN, attempt)
    assert found is not None and found.remote_id == posted
    assert fake.requests_to("GET conversations")[-1].params["user_id"] == CUSTOMER


def test_original_exists_until_the_comment_is_deleted(fake, client, facebook) -> None:
    question = fake.comment(fake.post(), "hi")
    assert facebook.original_exists(client, TOKEN, question) is True
    fake.delete_comment(question)
    assert facebook.original_exists(client, TOKEN, question) is False
    calls = len(fake.traffic)
    assert facebook.original_exists(client, TOKEN, "m_AG5Hz2Uxyz-abc") is True  # Messenger: nothing to look up
    assert len(fake.traffic) == calls
    fake.fail("GET node", 500, graph_error(2, "Service temporarily unavailable"))
    with pytest.raises(TransientError):
        facebook.original_exists(client, TOKEN, fake.comment(fake.post(), "still here"))


def test_no_error_ever_carries_the_token(fake, client, facebook) -> None:
    """Facebook's own error text may echo what it was sent; the connector scrubs it."""
    fake.fail("GET feed", 400, graph_error(999, f"Malformed access token {TOKEN}"))
    with pytest.raises(ConnectorError) as caught:
        facebook.poll(client, TOKEN, None)
    assert TOKEN not in str(caught.value) and "<token>" in str(caught.value)
    assert caught.value.__cause__ is None or TOKEN not in str(caught.value.__cause__)
