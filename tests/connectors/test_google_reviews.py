"""The Google reviews connector against a local fake of the Google APIs, every exchange checked against the documented
shapes (``google_contract``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
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
    RotatesCredentials,
    TransientError,
    UncertainDelivery,
)
from socialinbox.connectors.google_reviews import GoogleReviewsConnector, build_google_reviews
from socialinbox.connectors.google_session import GoogleSession
from socialinbox.connectors.http import make_client
from socialinbox.domain import Direction, OutgoingReply, Platform, Visibility
from tests.conftest import FakeClock
from tests.connectors.fake_google import (
    ACCOUNT,
    CLIENT_ID,
    CLIENT_SECRET,
    LOCATION,
    TITLE,
    FakeGoogle,
    quota_zero,
    rpc_error,
)


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeGoogle]:
    with FakeGoogle(now=clock.now) as server:
        yield server
    assert server.violations == []
    for exchange in server.traffic:  # tokens travel only in headers; the client secret only to the token endpoint
        assert "ya29." not in exchange.url and "1//0" not in exchange.url and CLIENT_SECRET not in exchange.url
        if exchange.route != "token":
            assert CLIENT_SECRET not in json.dumps(exchange.body)


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with make_client() as shared:
        yield shared


def settings(fake: FakeGoogle) -> dict[str, Any]:
    return {
        "account": ACCOUNT,
        "location": LOCATION,
        "location_title": TITLE,
        "client_id": CLIENT_ID,
        "api_base": fake.url,
        "token_url": fake.token_url,
    }


@pytest.fixture
def google(fake: FakeGoogle, clock: FakeClock) -> GoogleReviewsConnector:
    return build_google_reviews(settings(fake), clock)


@pytest.fixture
def token(fake: FakeGoogle) -> str:
    return json.dumps(fake.sign_in())


def reply(review_id: str, text: str = "Thank you, see you on Saturday!") -> OutgoingReply:
    return OutgoingReply(1, "key-1", text, Visibility.PUBLIC, f"review:{review_id}", f"{review_id}#abc", None)


class Stored:
    """What the repository keeps of the polls: each remote id once."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    def new(self, result: Any) -> list[str]:
        fresh = [m.text for m in result.messages if m.remote_id not in self.ids]
        self.ids |= {m.remote_id for m in result.messages}
        return fresh


# --- reading ------------------------------------------------------------------------------------------------------


def test_each_review_is_a_public_conversation_with_stars_first_and_the_shops_reply_outbound(
    fake, client, google, token, clock
) -> None:
    written = fake.review("Lovely sourdough.", "FOUR", who="Olena Kovalenko", at=clock.advance(minutes=-30))
    rating_only = fake.review(None, "TWO", anonymous=True, at=clock.advance(minutes=5))
    answered = fake.review(
        "Great cake (Translated by Google)\n\n(Original)\nSuper Kuchen", "FIVE", at=clock.advance(minutes=5)
    )
    fake.reply_in_google(answered, "Danke!", at=clock.advance(minutes=5))

    result = google.poll(client, token, None)

    by_thread = {(m.thread_key, m.direction): m for m in result.messages}
    first = by_thread[(f"review:{written}", Direction.INBOUND)]
    assert first.text == "★★★★☆\nLovely sourdough." and first.visibility is Visibility.PUBLIC
    assert (first.author.handle, first.author.remote_id) == ("Olena Kovalenko", f"reviewer:{written}")
    second = by_thread[(f"review:{rating_only}", Direction.INBOUND)]
    assert second.text == "★★☆☆☆ (no written review)" and second.author.handle == "A Google user"
    third = by_thread[(f"review:{answered}", Direction.INBOUND)]
    assert third.text.startswith("★★★★★\nGreat cake (Translated by Google)") and "Super Kuchen" in third.text
    shop = by_thread[(f"review:{answered}", Direction.OUTBOUND)]
    assert (shop.text, shop.author.handle) == ("Danke!", TITLE) and shop.sent_at > third.sent_at
    assert [m.sent_at for m in result.messages] == sorted(m.sent_at for m in result.messages)
    (listed,) = fake.requests_to("GET reviews")
    assert listed.path == f"/v4/{ACCOUNT}/{LOCATION}/reviews"
    assert listed.params == {"pageSize": "50", "orderBy": "updateTime desc"}
    assert listed.authorization.startswith("Bearer ya29.")
    assert google.platform is Platform.GOOGLE_REVIEWS
    for capability in (FindsSentReplies, ChecksOriginals, RotatesCredentials):
        assert isinstance(google, capability)


def test_polls_page_down_to_the_watermark_and_return_each_review_once(fake, client, google, token, clock) -> None:
    stored = Stored()
    for n in range(60):
        fake.review(f"old {n}", at=clock.advance(seconds=10))
    first = google.poll(client, token, None)
    assert len(stored.new(first)) == 50 and "Imported the newest" in first.warnings[0]  # a first poll: one page
    clock.advance(minutes=1)
    for n in range(70):
        fake.review(f"new {n}", at=clock.advance(seconds=1))
    second = google.poll(client, token, first.cursor)
    assert sorted(stored.new(second)) == sorted(f"★★★★★\nnew {n}" for n in range(70))
    # 70 new and the 30 old ones within the overlap fill two pages; the third reaches what the first poll read
    assert [e.params.get("pageToken") for e in fake.requests_to("GET reviews")[1:]] == [None, "50", "100"]
    clock.advance(minutes=10)
    third = google.poll(client, token, second.cursor)
    fourth = google.poll(client, token, third.cursor)
    assert stored.new(third) == [] and fourth.messages == () and third.warnings == ()


def test_a_review_that_shows_up_late_is_still_read_within_the_overlap(fake, client, google, token, clock) -> None:
    stored = Stored()
    fake.review("first", at=clock.now())
    first = google.poll(client, token, None)
    stored.new(first)
    fake.review("late but older", at=clock.now() - timedelta(minutes=2))  # listed only now
    clock.advance(minutes=1)
    assert stored.new(google.poll(client, token, first.cursor)) == ["★★★★★\nlate but older"]


def test_an_edited_review_comes_back_as_a_new_message_in_its_conversation(fake, client, google, token, clock) -> None:
    stored = Stored()
    review = fake.review("Bread was stale.", "TWO", at=clock.now())
    first = google.poll(client, token, None)
    stored.new(first)
    edited_at = clock.advance(hours=2)
    fake.edit(review, "Bread was stale, but they refunded me. Fair.", "FOUR")
    second = google.poll(client, token, first.cursor)
    (again,) = [m for m in second.messages if m.remote_id not in stored.ids]
    assert again.text == "★★★★☆ (edited)\nBread was stale, but they refunded me. Fair."
    assert again.thread_key == f"review:{review}" and again.sent_at == edited_at
    assert again.direction is Direction.INBOUND


def test_a_review_whose_time_moves_without_a_new_text_is_not_a_new_message(fake, client, google, token, clock) -> None:
    """Whether a reply moves the review's updateTime is not documented: either way, no new message."""
    stored = Stored()
    fake.reply_bumps_update_time = True
    review = fake.review("Nice.", at=clock.now())
    first = google.poll(client, token, None)
    stored.new(first)
    fake.reply_in_google(review, "Thanks!", at=clock.advance(hours=3))
    second = google.poll(client, token, first.cursor)
    assert stored.new(second) == ["Thanks!"]
    customer = [m for m in second.messages if m.direction is Direction.INBOUND]
    assert customer[0].sent_at < clock.now() and "(edited)" not in customer[0].text  # the review still came first


def test_an_unreadable_cursor_means_a_first_poll(fake, client, google, token) -> None:
    fake.review("hello")
    for cursor in ("not json", "[]", '{"c": 5}'):
        assert len(google.poll(client, token, cursor).messages) == 1


def test_unreadable_reviews_are_skipped_and_said(fake, client, google, token, clock) -> None:
    fake.review("fine")
    page = {"reviews": [{"reviewId": "x"}, {"reviewId": "bad id!", "updateTime": "2026-11-23T09:00:00Z"}]}
    fake.fail("GET reviews", 200, page)
    result = google.poll(client, token, None)
    assert result.messages == () and "Skipped 2" in result.warnings[0]


# --- answering ------------------------------------------------------------------------------------------------------


def test_a_reply_is_put_on_the_review_and_the_next_poll_knows_it(fake, client, google, token, clock) -> None:
    review = fake.review("Do you bake on Sundays?")
    stored = Stored()
    first = google.poll(client, token, None)
    stored.new(first)

    sent = google.send(client, token, reply(review, "Yes, from 8!"))

    (put,) = fake.requests_to("PUT reply")
    assert put.path == f"/v4/{ACCOUNT}/{LOCATION}/reviews/{review}/reply" and put.body == {"comment": "Yes, from 8!"}
    clock.advance(minutes=1)
    polled = google.poll(client, token, first.cursor)
    (outbound,) = [m for m in polled.messages if m.direction is Direction.OUTBOUND]
    assert outbound.remote_id == sent.remote_id and stored.new(polled) == ["Yes, from 8!"]


def test_a_second_reply_replaces_the_first_on_google(fake, client, google, token) -> None:
    review = fake.review("Hm.")
    google.send(client, token, reply(review, "First answer"))
    google.send(client, token, reply(review, "Better answer"))
    assert fake.reviews[review]["reviewReply"]["comment"] == "Better answer"


def test_an_interrupted_send_is_uncertain_and_find_sent_finds_it_exactly_once(fake, client, google, token) -> None:
    review = fake.review("Is it gluten free?")
    fake.fail("PUT reply", drop=True, after=True)  # Google stored the reply, the answer never came back
    with pytest.raises(UncertainDelivery):
        google.send(client, token, reply(review, "Yes, all of it."))
    found = google.find_sent(client, token, reply(review, "Yes, all of it."))
    assert (
        found is not None and found.remote_id == google.send(client, token, reply(review, "Yes, all of it.")).remote_id
    )
    assert google.find_sent(client, token, reply(review, "Something else")) is None
    other = fake.review("no reply yet")
    assert google.find_sent(client, token, reply(other)) is None


def test_original_exists_until_the_review_is_gone(fake, client, google, token) -> None:
    review = fake.review("Soon gone")
    assert google.original_exists(client, token, f"{review}#abcdef")
    del fake.reviews[review]
    assert not google.original_exists(client, token, f"{review}#abcdef")


@pytest.mark.parametrize(
    ("outgoing", "said"),
    [
        (OutgoingReply(1, "k", "  ", Visibility.PUBLIC, "review:AIe9", None, None), "empty"),
        (OutgoingReply(1, "k", "é" * 2049, Visibility.PUBLIC, "review:AIe9", None, None), "4098 bytes"),
        (OutgoingReply(1, "k", "Hi", Visibility.PUBLIC, None, None, None), "which Google review"),
        (OutgoingReply(1, "k", "Hi", Visibility.PUBLIC, "review:../../x", None, None), "which Google review"),
    ],
)
def test_replies_the_connector_cannot_place_are_refused_before_sending(fake, client, google, token, outgoing, said):
    with pytest.raises(Rejected, match=said):
        google.send(client, token, outgoing)
    assert fake.requests_to("PUT reply") == []


# --- the sign-in renews itself --------------------------------------------------------------------------------------


def test_a_refused_access_token_is_renewed_once_and_handed_back_to_store(fake, client, google, token) -> None:
    fake.review("hi")
    fake.access.pop(json.loads(token)["access_token"])  # revoked early, or lapsed on Google's clock

    assert len(google.poll(client, token, None).messages) == 1

    (renewal,) = fake.requests_to("POST token")
    assert renewal.body["grant_type"] == "refresh_token" and renewal.body["client_id"] == CLIENT_ID
    assert [e.status for e in fake.requests_to("GET reviews")] == [401, 200]
    rotated = google.rotated_token(token)
    assert rotated is not None and rotated != token
    session = GoogleSession.from_token(rotated)
    assert session.client_secret == CLIENT_SECRET and session.refresh_token == json.loads(token)["refresh_token"]
    assert session.access_token in fake.access
    google.poll(client, token, None)  # the renewed token is used from now on, without renewing again
    assert len(fake.requests_to("POST token")) == 1


def test_an_access_token_about_to_lapse_is_renewed_before_the_request(fake, client, google, token, clock) -> None:
    clock.advance(minutes=59)
    google.poll(client, token, None)
    assert len(fake.requests_to("POST token")) == 1 and [e.status for e in fake.requests_to("GET reviews")] == [200]


def test_a_revoked_sign_in_asks_to_sign_in_again_and_to_publish_the_oauth_app(fake, client, google, token, clock):
    fake.revoked.add(json.loads(token)["refresh_token"])
    clock.advance(hours=2)
    with pytest.raises(AuthError, match="Sign in to Google again") as ended:
        google.poll(client, token, None)
    assert "publish" in str(ended.value) and "1//0" not in str(ended.value)
    assert google.rotated_token(token) is None


def test_a_deleted_oauth_client_asks_for_a_new_one_not_a_weekly_sign_in(fake, client, google, token, clock) -> None:
    clock.advance(hours=2)
    fake.fail("POST token", 401, {"error": "deleted_client", "error_description": "The OAuth client was deleted."})
    with pytest.raises(AuthError, match="create a new one") as ended:
        google.poll(client, token, None)
    assert "publish" not in str(ended.value) and CLIENT_SECRET not in str(ended.value)


def test_an_unreadable_stored_sign_in_asks_to_sign_in_again(client, google) -> None:
    with pytest.raises(AuthError, match="cannot be read"):
        google.poll(client, '{"access_token": "x"}', None)


# --- faults ---------------------------------------------------------------------------------------------------------


def test_rate_limits_back_off_as_long_as_google_says_or_two_minutes(fake, client, google, token) -> None:
    fake.fail("GET reviews", 429, rpc_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded."))
    with pytest.raises(RateLimited) as limited:
        google.poll(client, token, None)
    assert limited.value.retry_after == 120
    fake.fail("GET reviews", 429, rpc_error(429, "RESOURCE_EXHAUSTED", "Slow down."), headers={"Retry-After": "30"})
    with pytest.raises(RateLimited) as told:
        google.poll(client, token, None)
    assert told.value.retry_after == 30


def test_a_short_wait_is_said_in_whole_minutes(fake, client, google, token) -> None:
    fake.fail("GET reviews", 429, rpc_error(429, "RESOURCE_EXHAUSTED", "Slow down."), headers={"Retry-After": "30"})
    with pytest.raises(RateLimited, match="waiting 1 min"):
        google.poll(client, token, None)


def test_an_unapproved_project_is_said_as_such_not_waited_out(fake, client, google, token) -> None:
    fake.fail("GET reviews", 429, quota_zero())
    with pytest.raises(AuthError, match="has not approved the Business Profile API"):
        google.poll(client, token, None)
    disabled = rpc_error(
        403,
        "PERMISSION_DENIED",
        "My Business API has not been used in project 42 before or it is disabled.",
        [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED"}],
    )
    fake.fail("GET reviews", 403, disabled)
    with pytest.raises(AuthError, match="Business Profile API for your Google Cloud project"):
        google.poll(client, token, None)
    review = fake.review("hi")
    fake.fail("PUT reply", 403, disabled)
    with pytest.raises(Rejected, match="approved"):
        google.send(client, token, reply(review))


def test_a_location_no_longer_managed_stops_polling_with_an_explanation(fake, client, google, token) -> None:
    fake.fail("GET reviews", 403, rpc_error(403, "PERMISSION_DENIED", "The caller does not have permission"))
    with pytest.raises(AuthError, match="must own or manage"):
        google.poll(client, token, None)
    fake.fail("GET reviews", 404, rpc_error(404, "NOT_FOUND", "Requested entity was not found."))
    with pytest.raises(AuthError, match=f"no longer finds {TITLE}"):
        google.poll(client, token, None)


def test_refusals_on_send_are_rejected_for_good(fake, client, google, token) -> None:
    review = fake.review("hi")
    fake.fail("PUT reply", 400, rpc_error(400, "FAILED_PRECONDITION", "Location is not verified."))
    with pytest.raises(Rejected, match="Location is not verified"):
        google.send(client, token, reply(review))
    fake.fail("PUT reply", 404, rpc_error(404, "NOT_FOUND", "Requested entity was not found."))
    with pytest.raises(Rejected):
        google.send(client, token, reply(review))


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 503, "payload": rpc_error(503, "UNAVAILABLE", "The service is currently unavailable.")},
        {"status": 500, "payload": None, "raw": b"<html>oops</html>"},
        {"status": 200, "payload": None, "raw": b'{"reviews": [{"revie'},
        {"drop": True},
        {"status": 400, "payload": rpc_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")},
        {"status": 403, "payload": None, "raw": b"Forbidden by the proxy"},
    ],
)
def test_server_trouble_malformed_answers_and_network_cuts_while_polling_are_transient(
    fake, client, google, token, fault
) -> None:
    fake.fail("GET reviews", **fault)
    with pytest.raises(TransientError) as trouble:
        google.poll(client, token, None)
    assert not isinstance(trouble.value, UncertainDelivery)


@pytest.mark.parametrize("fault", [{"status": 502, "payload": None, "raw": b"Bad gateway"}, {"drop": True}])
def test_trouble_after_a_reply_left_is_uncertain(fake, client, google, token, fault) -> None:
    review = fake.review("hi")
    fake.fail("PUT reply", **fault)
    with pytest.raises(UncertainDelivery):
        google.send(client, token, reply(review))


def test_an_unreachable_server_is_transient(client, clock, token) -> None:
    unreachable = build_google_reviews(
        {"account": ACCOUNT, "location": LOCATION, "api_base": "http://127.0.0.1:9"}, clock
    )
    with pytest.raises(TransientError, match="Could not reach Google"):
        unreachable.poll(client, token, None)


def test_a_connector_without_its_location_polls_nothing(client, clock, token) -> None:
    with pytest.raises(AuthError, match="does not know its location"):
        build_google_reviews({}, clock).poll(client, token, None)


def test_no_error_ever_carries_a_token_or_the_secret(fake, client, google, token) -> None:
    blob = json.loads(token)
    echo = f"Bad token {blob['access_token']} for client secret {CLIENT_SECRET}"
    fake.fail("GET reviews", 400, rpc_error(400, "INVALID_ARGUMENT", echo))
    with pytest.raises(ConnectorError) as caught:
        google.poll(client, token, None)
    assert blob["access_token"] not in str(caught.value)
    assert blob["refresh_token"] not in repr(GoogleSession.from_token(token))
    assert CLIENT_SECRET not in repr(GoogleSession.from_token(token)) and "ya29" not in repr(google)
