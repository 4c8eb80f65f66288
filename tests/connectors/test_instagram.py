"""The Instagram connector (through the linked Facebook Page) against a local fake Graph API, every exchange checked
against the Meta specs."""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from datetime import UTC, timedelta

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
    TransientError,
    UncertainDelivery,
)
from socialinbox.connectors.facebook import API_BASE
from socialinbox.connectors.http import make_client
from socialinbox.connectors.instagram import InstagramConnector, build_instagram
from socialinbox.domain import Direction, OutgoingReply, Platform, Visibility
from tests.conftest import FakeClock
from tests.connectors.fake_facebook import ELSEWHERE, graph_error, out_of_reach
from tests.connectors.fake_instagram import (
    CUSTOMER,
    IG_USER_ID,
    OTHER_TOKEN,
    PAGE_ID,
    TOKEN,
    USERNAME,
    FakeInstagram,
)
from tests.connectors.test_facebook import Stored, texts
from tests.meta_contract import MetaContract

SETTINGS = {"page_id": PAGE_ID, "ig_user_id": IG_USER_ID, "username": USERNAME}


@pytest.fixture(scope="module")
def contract() -> MetaContract | None:
    return MetaContract.load_if_present()


@pytest.fixture
def fake(clock: FakeClock, contract: MetaContract | None) -> Iterator[FakeInstagram]:
    with FakeInstagram(now=clock.now) as server:
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


@pytest.fixture
def instagram(fake: FakeInstagram, clock: FakeClock) -> InstagramConnector:
    return build_instagram({**SETTINGS, "api_base": fake.api_base}, clock)


def reply(
    text: str = "Yes, rye on Saturdays!",
    *,
    thread: str | None = None,
    igsid: str | None = None,
    taken_from: str | None = None,
    in_reply_to: str | None = None,
) -> OutgoingReply:
    if igsid is not None:
        return OutgoingReply(1, "k", text, Visibility.PRIVATE, f"dm:{igsid}", in_reply_to, None, taken_from)
    return OutgoingReply(1, "k", text, Visibility.PUBLIC, thread, in_reply_to or thread, None)


# --- connecting ------------------------------------------------------------------------------------------------


def test_verify_names_the_linked_account_and_the_registry_builds_it(fake, client, instagram, clock) -> None:
    assert instagram.verify(client, TOKEN) == USERNAME
    assert instagram.linked_account(client, TOKEN) == (IG_USER_ID, USERNAME)
    asked = fake.requests_to("GET node")[-1]
    assert asked.params == {"fields": "instagram_business_account{id,username}"}
    assert asked.authorization == f"Bearer {TOKEN}"
    built = REGISTRY[Platform.INSTAGRAM]({}, clock)
    assert isinstance(built, InstagramConnector)
    assert (built.platform, built.api_base, built.page_id, built.ig_user_id) == (
        Platform.INSTAGRAM,
        API_BASE,
        None,
        None,
    )
    assert isinstance(instagram, FindsSentReplies) and isinstance(instagram, ChecksOriginals)


def test_a_page_no_longer_linked_or_another_pages_token_is_refused(fake, client, instagram) -> None:
    with pytest.raises(AuthError, match="Rival Buns"):
        instagram.verify(client, OTHER_TOKEN)
    fake.unlink()
    assert instagram.linked_account(client, TOKEN) is None
    with pytest.raises(AuthError, match="no longer linked"):
        instagram.verify(client, TOKEN)


def test_a_revoked_token_asks_to_reconnect_and_never_shows_the_token(client, instagram) -> None:
    for call in (lambda: instagram.verify(client, TOKEN + "x"), lambda: instagram.poll(client, TOKEN + "x", None)):
        with pytest.raises(AuthError, match="Reconnect") as caught:
            call()
        assert TOKEN not in "".join(traceback.format_exception(caught.value))


def test_without_its_ids_nothing_is_polled_or_sent(fake, client, clock) -> None:
    connector = build_instagram({"page_id": PAGE_ID, "api_base": fake.api_base}, clock)
    with pytest.raises(AuthError, match="reconnect"):
        connector.poll(client, TOKEN, None)
    with pytest.raises(AuthError):
        connector.send(client, TOKEN, reply(thread="123"))
    assert fake.traffic == []


# --- polling comments ------------------------------------------------------------------------------------------


def test_first_poll_maps_comments_and_threads_replies_under_the_top_level_comment(
    fake, client, instagram, clock
) -> None:
    media = fake.post(at=clock.now() - timedelta(days=2))
    first = fake.comment(media, "Do you deliver to Oakfield?", at=clock.now() - timedelta(hours=3))
    ours = fake.comment(first, "Yes, Tuesdays!", who=(IG_USER_ID, USERNAME), at=clock.now() - timedelta(hours=2))
    again = fake.comment(ours, "Great, thanks", at=clock.now() - timedelta(hours=1))  # lands under the top level
    result = instagram.poll(client, TOKEN, None)
    assert texts(result) == ["Do you deliver to Oakfield?", "Yes, Tuesdays!", "Great, thanks"]
    question, answer, thanks = result.messages
    assert (question.remote_id, question.visibility, question.thread_key, question.in_reply_to) == (
        first,
        Visibility.PUBLIC,
        first,
        None,
    )
    assert (question.author.remote_id, question.author.handle, question.direction) == (
        CUSTOMER,
        "olena.bakes",
        Direction.INBOUND,
    )
    assert question.sent_at == (clock.now() - timedelta(hours=3)).replace(microsecond=0)
    assert question.sent_at.tzinfo is UTC and question.url and question.url.startswith("https://www.instagram.com/p/")
    assert (answer.remote_id, answer.direction, answer.thread_key, answer.in_reply_to) == (
        ours,
        Direction.OUTBOUND,
        first,
        first,
    )
    assert (thanks.remote_id, thanks.thread_key, thanks.direction) == (again, first, Direction.INBOUND)
    listed = fake.requests_to("GET media")[-1].params
    assert listed["fields"] == "id,caption,timestamp,comments_count,permalink,media_product_type"
    assert "replies{" in fake.requests_to("GET comments")[-1].params["fields"]


def test_the_shops_comment_is_outbound_by_username_when_graph_gives_no_id(fake, client, instagram) -> None:
    media = fake.post()
    fake.comment(media, "Thanks all!", who=(IG_USER_ID, USERNAME.upper()))
    fake.ig_comments[next(iter(fake.ig_comments))]["from"] = None
    (message,) = instagram.poll(client, TOKEN, None).messages
    assert message.direction is Direction.OUTBOUND


def test_only_media_whose_comment_count_changed_are_read(fake, client, instagram, clock) -> None:
    stored = Stored()
    quiet, busy = fake.post(at=clock.now() - timedelta(days=3)), fake.post(at=clock.now() - timedelta(days=1))
    empty = fake.post(at=clock.now() - timedelta(hours=5))
    fake.comment(quiet, "nice", at=clock.now() - timedelta(days=2))
    fake.comment(busy, "lovely", at=clock.now() - timedelta(hours=1))
    stored.new_texts(first := instagram.poll(client, TOKEN, None))
    assert len(fake.requests_to("GET comments")) == 2  # the media without comments is not read
    clock.advance(minutes=3)
    fake.comment(busy, "When do you open?")
    second = instagram.poll(client, TOKEN, first.cursor)
    assert stored.new_texts(second) == ["When do you open?"]
    read = [e.path.split("/")[2] for e in fake.requests_to("GET comments")]
    assert read[2:] == [busy] and quiet not in read[2:] and empty not in read
    clock.advance(minutes=10)
    third = instagram.poll(client, TOKEN, second.cursor)  # the first poll past the overlap reads it once more
    fourth = instagram.poll(client, TOKEN, third.cursor)
    assert stored.new_texts(third) == [] and fourth.messages == ()
    assert len(fake.requests_to("GET comments")) == 4  # then nothing is read again
    assert len(json.loads(fourth.cursor)["media"]) == 3


def test_a_comment_counted_before_graph_lists_it_is_read_by_the_overlap(fake, client, instagram, clock) -> None:
    """Graph is eventually consistent: the count moves first, the comment shows up in the list a little later."""
    stored = Stored()
    media = fake.post(at=clock.now() - timedelta(days=1))
    fake.comment(media, "first", at=clock.now() - timedelta(hours=1))
    cursor = instagram.poll(client, TOKEN, None).cursor
    clock.advance(minutes=1)
    late = fake.comment(media, "shown late", late=True)
    second = instagram.poll(client, TOKEN, cursor)
    assert stored.new_texts(second) == []  # counted, not listed yet: nothing to read
    fake.reveal(late)
    clock.advance(minutes=1)
    assert stored.new_texts(instagram.poll(client, TOKEN, second.cursor)) == ["shown late"]  # the count did not move


def test_a_comment_older_than_one_already_read_is_still_read(fake, client, instagram, clock) -> None:
    stored = Stored()
    media = fake.post(at=clock.now() - timedelta(days=1))
    fake.comment(media, "first", at=clock.now() - timedelta(hours=1))
    cursor = instagram.poll(client, TOKEN, None).cursor
    clock.advance(minutes=1)
    fake.comment(media, "read at once", at=clock.now())
    second = instagram.poll(client, TOKEN, cursor)
    stored.new_texts(second)
    fake.comment(media, "shown late", at=clock.now() - timedelta(seconds=20))  # older than "read at once"
    clock.advance(minutes=1)
    assert stored.new_texts(instagram.poll(client, TOKEN, second.cursor)) == ["shown late"]


def test_a_new_reply_to_an_old_comment_on_a_later_page_is_found(fake, client, instagram, clock) -> None:
    """Replies sort with their top-level comment, so reading does not stop at the watermark."""
    stored = Stored()
    media = fake.post(at=clock.now() - timedelta(days=2))
    old = fake.comment(media, "old question", at=clock.now() - timedelta(days=1))
    for n in range(60):  # newer top-level comments push the old one to the second page
        fake.comment(media, f"newer {n}", at=clock.now() - timedelta(hours=2), who=(f"7{n:015d}", f"fan{n}"))
    first = instagram.poll(client, TOKEN, None)
    assert len(first.messages) == 50 and any("older ones stay on Instagram" in w for w in first.warnings)
    clock.advance(minutes=2)
    fake.comment(old, "any news?")
    assert "any news?" in stored.new_texts(instagram.poll(client, TOKEN, first.cursor))


def test_hidden_textless_and_authorless_comments_are_skipped(fake, client, instagram, clock) -> None:
    media = fake.post()
    fake.comment(media, "spam spam", hidden=True)
    fake.comment(media, None)  # a sticker alone
    fake.comment(media, "real question")
    assert texts(instagram.poll(client, TOKEN, None)) == ["real question"]


def test_deleted_comments_and_media_deleted_meanwhile_are_passed_over(fake, client, instagram, clock) -> None:
    older, newer = fake.post(at=clock.now() - timedelta(hours=2)), fake.post(at=clock.now() - timedelta(hours=1))
    fake.comment(older, "on an older post")
    gone = fake.comment(older, "oops")
    fake.delete_comment(gone)
    fake.comment(newer, "on the newest post, deleted meanwhile")
    fake.fail("GET comments", 400, graph_error(100, "(#100) Object does not exist", subcode=33))  # newest first
    assert texts(instagram.poll(client, TOKEN, None)) == ["on an older post"]


@pytest.mark.parametrize("cursor", ["", "garbage", "[1,2]", '{"media": {"x": 5, "1": ["a", 1]}}', "{" * 5000])
def test_an_unreadable_cursor_means_a_first_poll(fake, client, instagram, cursor) -> None:
    fake.comment(fake.post(), "hello")
    assert texts(instagram.poll(client, TOKEN, cursor)) == ["hello"]


# --- polling direct messages -----------------------------------------------------------------------------------


def test_direct_messages_thread_by_the_customers_igsid(fake, client, instagram, clock) -> None:
    fake.customer_dms(CUSTOMER, "Hi! Are you open on Sunday?", at=clock.now() - timedelta(minutes=30))
    fake.page_writes(CUSTOMER, "Yes, 8 to 12.", at=clock.now() - timedelta(minutes=20))
    asked, answered = instagram.poll(client, TOKEN, None).messages
    assert (asked.visibility, asked.thread_key, asked.direction, asked.author.remote_id, asked.author.handle) == (
        Visibility.PRIVATE,
        f"dm:{CUSTOMER}",
        Direction.INBOUND,
        CUSTOMER,
        "olena.bakes",
    )
    assert (answered.direction, answered.thread_key) == (Direction.OUTBOUND, f"dm:{CUSTOMER}")
    assert fake.requests_to("GET conversations")[-1].params["platform"] == "instagram"


def test_a_conversation_graph_sends_unreadable_is_skipped_and_the_others_are_read(fake, client, instagram) -> None:
    fake.customer_dms(CUSTOMER, "Open Sunday?")
    instagram.poll(client, TOKEN, None)
    good = fake.requests_to("GET conversations")[-1].body["data"][0]
    without_messages = {key: value for key, value in good.items() if key != "messages"} | {"id": "aWdfZAGbroken1"}
    without_people = good | {"id": "aWdfZAGbroken2", "participants": "unreadable"}
    fake.fail("GET conversations", 200, {"data": [without_messages, without_people, good]}, garbled=True)
    result = instagram.poll(client, TOKEN, None)
    assert texts(result) == ["Open Sunday?"]
    assert result.warnings == ("Skipped 2 Instagram direct message item(s) Social Inbox could not read.",)


def test_a_comment_and_a_direct_message_share_the_customers_identity(fake, client, instagram) -> None:
    fake.comment(fake.post(), "price?")
    fake.customer_dms(CUSTOMER, "hello")
    public, private = sorted(instagram.poll(client, TOKEN, None).messages, key=lambda m: m.visibility.value)
    assert public.author.remote_id == private.author.remote_id == CUSTOMER


# --- errors ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80002])
def test_throttling_codes_wait_as_long_as_graph_estimates(fake, client, instagram, code) -> None:
    usage = json.dumps({IG_USER_ID: [{"type": "instagram", "call_count": 100, "estimated_time_to_regain_access": 20}]})
    fake.fail(
        "GET media", 400, graph_error(code, "(#80002) Too many calls"), headers={"X-Business-Use-Case-Usage": usage}
    )
    with pytest.raises(RateLimited) as caught:
        instagram.poll(client, TOKEN, None)
    assert caught.value.retry_after == 1200.0 and "Instagram" in str(caught.value)


@pytest.mark.parametrize(
    ("payload", "error", "said"),
    [
        (graph_error(190, "Error validating access token: Session has expired", subcode=463), AuthError, "Reconnect"),
        (graph_error(10, "(#10) Application does not have permission"), AuthError, "instagram_manage_comments"),
        (graph_error(2, "An unexpected error has occurred. Please retry"), TransientError, "having trouble"),
    ],
)
def test_graph_errors_while_polling_map_to_connector_errors(fake, client, instagram, payload, error, said) -> None:
    fake.fail("GET media", 400, payload)
    with pytest.raises(error, match=said):
        instagram.poll(client, TOKEN, None)


@pytest.mark.parametrize(
    ("route", "raw", "payload"),
    [("GET media", b"{not json", None), ("GET comments", b"<html>Bad gateway</html>", None), ("GET media", None, [])],
)
def test_malformed_answers_and_server_errors_are_transient(fake, client, instagram, route, raw, payload) -> None:
    fake.comment(fake.post(), "hello")
    fake.fail(route, 200, payload, raw=raw, garbled=True)
    with pytest.raises(TransientError, match="Instagram"):
        instagram.poll(client, TOKEN, None)
    fake.fail("GET media", 500, graph_error(2, "Service temporarily unavailable", kind="FacebookApiException"))
    with pytest.raises(TransientError, match="trouble"):
        instagram.poll(client, TOKEN, None)


def test_no_error_ever_carries_the_token(fake, client, instagram) -> None:
    fake.fail("GET media", 400, graph_error(999, f"Malformed access token {TOKEN}"))
    with pytest.raises(ConnectorError) as caught:
        instagram.poll(client, TOKEN, None)
    assert TOKEN not in str(caught.value) and "<token>" in str(caught.value)


def test_a_missing_permission_asks_to_reconnect_the_instagram_account_not_the_page(fake, client, instagram) -> None:
    fake.fail("GET media", 400, graph_error(10, "(#10) Application does not have permission for this action"))
    with pytest.raises(AuthError) as reading:
        instagram.poll(client, TOKEN, None)
    fake.customer_dms(CUSTOMER, "Open Sunday?")
    fake.fail("POST messages", 403, graph_error(200, "(#200) Requires instagram_manage_messages permission"))
    with pytest.raises(Rejected) as sending:
        instagram.send(client, TOKEN, reply("Yes!", igsid=CUSTOMER))
    for said in (str(reading.value), str(sending.value)):
        assert "Reconnect the Instagram account" in said and "Reconnect the Page" not in said
    fake.fail("POST messages", 400, graph_error(551, "This person isn't available right now.", subcode=1545041))
    with pytest.raises(Rejected) as unavailable:
        instagram.send(client, TOKEN, reply("Yes!", igsid=CUSTOMER))
    assert "Instagram account" in str(unavailable.value) and "Messenger" not in str(unavailable.value)


@pytest.mark.parametrize("route", ["GET media", "GET conversations"])
def test_an_account_the_page_can_no_longer_reach_asks_to_link_it_again(fake, client, instagram, route) -> None:
    fake.fail(route, 400, out_of_reach(IG_USER_ID))
    with pytest.raises(AuthError, match=r"Linked accounts\), then reconnect the Instagram account"):
        instagram.poll(client, TOKEN, None)


def test_a_short_wait_is_said_in_whole_minutes(fake, client, instagram) -> None:
    fake.fail("GET media", 400, graph_error(4, "(#4) Application request limit reached"), headers={"Retry-After": "20"})
    with pytest.raises(RateLimited) as limited:
        instagram.poll(client, TOKEN, None)
    assert limited.value.retry_after == 20.0 and "waiting 1 min" in str(limited.value)


def test_an_error_message_that_is_not_text_is_not_shown_raw(fake, client, instagram) -> None:
    odd = {"error": {"message": {"detail": "<b>nested</b>", "items": [1, 2]}, "type": "OAuthException", "code": 999}}
    fake.fail("GET media", 400, odd, garbled=True)
    with pytest.raises(TransientError) as caught:
        instagram.poll(client, TOKEN, None)
    assert str(caught.value) == "Instagram answered an error (code 999); will retry."


# --- sending ---------------------------------------------------------------------------------------------------


def test_a_public_reply_goes_to_the_top_level_comment_of_the_thread(fake, client, instagram, clock) -> None:
    top = fake.comment(fake.post(), "Gluten free?")
    follow_up = fake.comment(top, "and vegan?")
    sent = instagram.send(client, TOKEN, reply("Yes, both.", thread=top, in_reply_to=follow_up))
    posted = fake.ig_comments[sent.remote_id]
    assert (posted["parent_id"], posted["text"], posted["from"]["id"]) == (top, "Yes, both.", IG_USER_ID)
    request = fake.requests_to("POST replies")[-1]
    assert request.params == {"message": "Yes, both."} and request.path.endswith(f"/{top}/replies")
    assert sent.sent_at == clock.now()


def test_a_direct_message_goes_to_the_igsid_inside_the_window_and_is_refused_after(
    fake, client, instagram, clock
) -> None:
    fake.customer_dms(CUSTOMER, "Open Sunday?")
    sent = instagram.send(client, TOKEN, reply("Yes, 8 to 12.", igsid=CUSTOMER))
    assert sent.remote_id == fake.conversations[CUSTOMER]["messages"][0]["id"]
    assert fake.requests_to("POST messages")[-1].params == {
        "recipient": {"id": CUSTOMER},
        "message": {"text": "Yes, 8 to 12."},
    }
    clock.advance(hours=25)
    with pytest.raises(Rejected, match="within 24 hours of the customer's last message"):
        instagram.send(client, TOKEN, reply("Sorry for the wait!", igsid=CUSTOMER))


@pytest.mark.parametrize(
    "bad",
    [
        reply(thread=None),
        reply(thread="../me/feed"),
        reply(igsid="not-an-igsid"),
        OutgoingReply(1, "k", "hi", Visibility.PRIVATE, "messenger:123", None, None),
        reply("   ", thread="123"),
        reply("x" * 2201, thread="123"),
        reply("é" * 501, igsid=CUSTOMER),  # 1002 bytes: Instagram counts a direct message in bytes
    ],
)
def test_replies_the_connector_cannot_place_are_refused_before_sending(fake, client, instagram, bad) -> None:
    with pytest.raises(Rejected):
        instagram.send(client, TOKEN, bad)
    assert fake.traffic == []


def test_a_reply_to_a_deleted_comment_is_refused_for_good(fake, client, instagram) -> None:
    top = fake.comment(fake.post(), "hi")
    fake.delete_comment(top)
    with pytest.raises(Rejected, match="deleted"):
        instagram.send(client, TOKEN, reply(thread=top))


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500, "payload": graph_error(2, "Temporary failure", kind="FacebookApiException")},
        {"status": 200, "raw": b'{"id": '},
        {"drop": True},
    ],
)
def test_trouble_after_a_reply_left_is_uncertain_and_find_sent_finds_it(fake, client, instagram, fault) -> None:
    top = fake.comment(fake.post(), "Is the café dog-friendly?")
    fake.fail("POST replies", after=True, **({"status": 200, "payload": None} | fault))
    attempt = reply("Yes, dogs welcome!", thread=top)
    with pytest.raises(UncertainDelivery):
        instagram.send(client, TOKEN, attempt)
    found = instagram.find_sent(client, TOKEN, attempt)
    assert found is not None and fake.ig_comments[found.remote_id]["text"] == "Yes, dogs welcome!"
    assert instagram.find_sent(client, TOKEN, reply("Something else", thread=top)) is None


def test_find_sent_looks_in_the_customers_direct_conversation(fake, client, instagram) -> None:
    fake.customer_dms(CUSTOMER, "Open Sunday?")
    attempt = reply("Yes, 8 to 12.", igsid=CUSTOMER)
    assert instagram.find_sent(client, TOKEN, attempt) is None
    posted = fake.page_writes(CUSTOMER, "Yes, 8 to 12.")
    found = instagram.find_sent(client, TOKEN, attempt)
    assert found is not None and found.remote_id == posted
    assert fake.requests_to("GET conversations")[-1].params["user_id"] == CUSTOMER


def test_original_exists_until_the_comment_is_deleted(fake, client, instagram) -> None:
    question = fake.comment(fake.post(), "hi")
    assert instagram.original_exists(client, TOKEN, question) is True
    fake.delete_comment(question)
    assert instagram.original_exists(client, TOKEN, question) is False
    calls = len(fake.traffic)
    assert instagram.original_exists(client, TOKEN, "aWdfZAG1faXRlbToxOklHTWVzc2FnZA") is True  # a DM: no lookup
    assert len(fake.traffic) == calls


# --- take it private -------------------------------------------------------------------------------------------


def test_taking_a_comment_private_opens_with_a_private_reply_once(fake, client, instagram, clock) -> None:
    comment = fake.comment(fake.post(), "My order never arrived!", at=clock.now() - timedelta(days=2))
    opener = reply("So sorry! Can you send your order number?", igsid=CUSTOMER, taken_from=comment)
    sent = instagram.send(client, TOKEN, opener)
    assert fake.requests_to("POST messages")[-1].params["recipient"] == {"comment_id": comment}
    assert fake.conversations[CUSTOMER]["messages"][0]["id"] == sent.remote_id
    second = reply("Are you there?", igsid=CUSTOMER, taken_from=comment)
    with pytest.raises(Rejected, match="24 hours"):  # the one private reply is used; the window is not open
        instagram.send(client, TOKEN, second)
    assert fake.requests_to("POST messages")[-1].params["recipient"] == {"id": CUSTOMER}
    fake.customer_dms(CUSTOMER, "#4711")
    instagram.send(client, TOKEN, reply("Found it, on its way.", igsid=CUSTOMER, taken_from=comment))
    assert fake.requests_to("POST messages")[-1].params["recipient"] == {"id": CUSTOMER}


def test_a_comment_older_than_seven_days_is_not_answered_privately(fake, client, instagram, clock) -> None:
    comment = fake.comment(fake.post(), "Still waiting", at=clock.now() - timedelta(days=8))
    with pytest.raises(Rejected, match="No matching user"):  # never wrote in private: nobody to message
        instagram.send(client, TOKEN, reply("Sorry!", igsid=CUSTOMER, taken_from=comment))
    assert fake.requests_to("POST messages")[-1].params["recipient"] == {"id": CUSTOMER}
