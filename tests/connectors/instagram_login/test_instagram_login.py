"""The Instagram connector for an account without a Facebook Page ("Instagram Login", ``graph.instagram.com``) against
a local fake; ``conftest`` checks each test's traffic (against the Meta specs where they describe it)."""

from __future__ import annotations

import json
import traceback
from datetime import timedelta

import pytest

from socialinbox.connectors import REGISTRY, base
from socialinbox.connectors.base import AuthError, RateLimited, Rejected, TransientError
from socialinbox.connectors.instagram_login import API_BASE, RENEW_BEFORE, InstagramLoginConnector, InstagramToken
from socialinbox.domain import Direction, Platform, Visibility
from tests.connectors.fake_facebook import graph_error, out_of_reach
from tests.connectors.fake_instagram_login import (
    CUSTOMER,
    IG_TOKEN,
    IG_USER_ID,
    OTHER_IG_TOKEN,
    OTHER_USERNAME,
    USERNAME,
    FakeInstagramLogin,
    pasted,
)
from tests.connectors.test_facebook import Stored, texts
from tests.connectors.test_instagram import reply

# --- connecting ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("in_a_list", [False, True])
def test_verify_names_the_account_by_its_user_id_with_the_token_in_the_header(
    fake, client, instagram, blob, clock, in_a_list
) -> None:
    fake.me_in_a_list = in_a_list  # Meta's guide shows the answer wrapped in {"data": [...]}, the API answers flat
    assert instagram.identity(client, blob) == (IG_USER_ID, USERNAME)
    assert instagram.verify(client, blob) == USERNAME
    asked = fake.requests_to("GET me")[-1]
    assert asked.params == {"fields": "user_id,username"} and asked.authorization == f"Bearer {IG_TOKEN}"
    assert asked.path == "/v25.0/me"
    assert isinstance(instagram, base.FindsSentReplies) and isinstance(instagram, base.ChecksOriginals)
    assert isinstance(instagram, base.RotatesCredentials)
    built = REGISTRY[Platform.INSTAGRAM]({"login": "instagram"}, clock)
    assert isinstance(built, InstagramLoginConnector) and built.api_base == API_BASE
    assert API_BASE.startswith("https://graph.instagram.com/v")


def test_another_accounts_token_is_refused(fake, client, instagram, clock) -> None:
    with pytest.raises(AuthError, match=f"belongs to the Instagram account {OTHER_USERNAME}, not {USERNAME}"):
        instagram.verify(client, pasted(clock.now(), OTHER_IG_TOKEN))


@pytest.mark.parametrize("token", [IG_TOKEN + "x", "EAAGm0PX4ZCpsBAKaPageTokenNotAnInstagramOne"])
def test_a_revoked_or_wrong_token_says_how_to_make_a_new_one_and_never_shows_it(
    fake, client, instagram, clock, token
) -> None:
    stored = pasted(clock.now(), token)
    for call in (lambda: instagram.verify(client, stored), lambda: instagram.poll(client, stored, None)):
        with pytest.raises(AuthError, match=r"App Dashboard.*Generate token") as caught:
            call()
        assert token not in "".join(traceback.format_exception(caught.value))


@pytest.mark.parametrize("stored", [IG_TOKEN, "{}", '{"access_token": 5, "obtained_at": "x"}', "[" * 3000])
def test_a_stored_token_that_cannot_be_read_asks_for_a_new_one_without_calling(fake, client, instagram, stored) -> None:
    with pytest.raises(AuthError, match=r"cannot be read.*Generate token"):
        instagram.poll(client, stored, None)
    assert fake.traffic == []


def test_without_its_id_nothing_is_polled_or_sent(fake, client, clock, blob) -> None:
    connector = REGISTRY[Platform.INSTAGRAM]({"login": "instagram", "api_base": fake.api_base}, clock)
    for call in (lambda: connector.poll(client, blob, None), lambda: connector.send(client, blob, reply(thread="1"))):
        with pytest.raises(AuthError, match="does not know its Instagram id; reconnect it"):
            call()
    assert fake.traffic == []


# --- polling ---------------------------------------------------------------------------------------------------


def test_comments_and_replies_are_read_from_me_and_the_shops_own_stop_the_clock(
    fake, client, instagram, blob, clock
) -> None:
    media = fake.post(at=clock.now() - timedelta(days=2))
    first = fake.comment(media, "Do you deliver to Oakfield?", at=clock.now() - timedelta(hours=3))
    ours = fake.comment(first, "Yes, Tuesdays!", who=(IG_USER_ID, USERNAME), at=clock.now() - timedelta(hours=2))
    result = instagram.poll(client, blob, None)
    question, answer = result.messages
    assert (question.thread_key, question.direction, question.author.remote_id) == (first, Direction.INBOUND, CUSTOMER)
    assert (answer.remote_id, answer.thread_key, answer.direction) == (ours, first, Direction.OUTBOUND)
    assert fake.requests_to("GET media")[-1].path == "/v25.0/me/media"
    assert "replies{" in fake.requests_to("GET comments")[-1].params["fields"]


def test_only_media_whose_comment_count_changed_are_read(fake, client, instagram, blob, clock) -> None:
    stored = Stored()
    quiet, busy = fake.post(at=clock.now() - timedelta(days=3)), fake.post(at=clock.now() - timedelta(days=1))
    fake.comment(quiet, "nice", at=clock.now() - timedelta(days=2))
    fake.comment(busy, "lovely", at=clock.now() - timedelta(hours=1))
    first = instagram.poll(client, blob, None)
    assert stored.new_texts(first) == ["nice", "lovely"]
    clock.advance(minutes=3)
    fake.comment(busy, "When do you open?")
    assert stored.new_texts(instagram.poll(client, blob, first.cursor)) == ["When do you open?"]
    read = [e.path.split("/")[2] for e in fake.requests_to("GET comments")]
    assert read[2:] == [busy]


def test_direct_messages_come_from_me_conversations_and_thread_by_the_igsid(
    fake, client, instagram, blob, clock
) -> None:
    fake.customer_dms(CUSTOMER, "Hi! Are you open on Sunday?", at=clock.now() - timedelta(minutes=30))
    fake.page_writes(CUSTOMER, "Yes, 8 to 12.", at=clock.now() - timedelta(minutes=20))
    asked, answered = instagram.poll(client, blob, None).messages
    assert (asked.visibility, asked.thread_key, asked.direction, asked.author.handle) == (
        Visibility.PRIVATE,
        f"dm:{CUSTOMER}",
        Direction.INBOUND,
        "olena.bakes",
    )
    assert (answered.direction, answered.thread_key) == (Direction.OUTBOUND, f"dm:{CUSTOMER}")
    listed = fake.requests_to("GET conversations")[-1]
    assert listed.path == "/v25.0/me/conversations" and listed.params["platform"] == "instagram"


# --- sending ---------------------------------------------------------------------------------------------------


def test_a_public_reply_goes_under_the_top_level_comment(fake, client, instagram, blob) -> None:
    top = fake.comment(fake.post(), "Gluten free?")
    sent = instagram.send(client, blob, reply("Yes.", thread=top))
    assert fake.ig_comments[sent.remote_id]["parent_id"] == top
    request = fake.requests_to("POST replies")[-1]
    assert request.params == {"message": "Yes."} and request.authorization == f"Bearer {IG_TOKEN}"


def test_a_direct_message_goes_to_me_messages_inside_the_window_and_is_refused_after(
    fake, client, instagram, blob, clock
) -> None:
    fake.customer_dms(CUSTOMER, "Open Sunday?")
    sent = instagram.send(client, blob, reply("Yes, 8 to 12.", igsid=CUSTOMER))
    assert sent.remote_id == fake.conversations[CUSTOMER]["messages"][0]["id"]
    posted = fake.requests_to("POST messages")[-1]
    assert posted.path == "/v25.0/me/messages"
    assert posted.params == {"recipient": {"id": CUSTOMER}, "message": {"text": "Yes, 8 to 12."}}
    clock.advance(hours=25)
    with pytest.raises(Rejected, match="within 24 hours of the customer's last message"):
        instagram.send(client, blob, reply("Sorry for the wait!", igsid=CUSTOMER))


def test_taking_a_comment_private_opens_with_a_private_reply_once(fake, client, instagram, blob, clock) -> None:
    comment = fake.comment(fake.post(), "My order never arrived!", at=clock.now() - timedelta(days=2))
    opener = reply("So sorry! Your order number?", igsid=CUSTOMER, taken_from=comment)
    sent = instagram.send(client, blob, opener)
    assert fake.requests_to("POST messages")[-1].params["recipient"] == {"comment_id": comment}
    assert fake.conversations[CUSTOMER]["messages"][0]["id"] == sent.remote_id
    assert fake.requests_to("GET conversations")[-1].params["user_id"] == CUSTOMER
    with pytest.raises(Rejected, match="24 hours"):  # the one private reply is used; the window is not open
        instagram.send(client, blob, reply("Are you there?", igsid=CUSTOMER, taken_from=comment))
    assert fake.requests_to("POST messages")[-1].params["recipient"] == {"id": CUSTOMER}


def test_find_sent_and_original_exists_read_instagram_itself(fake, client, instagram, blob) -> None:
    top = fake.comment(fake.post(), "Dog-friendly?")
    fake.customer_dms(CUSTOMER, "Open Sunday?")
    public, private = reply("Yes, dogs welcome!", thread=top), reply("Yes, 8 to 12.", igsid=CUSTOMER)
    assert instagram.find_sent(client, blob, public) is None and instagram.find_sent(client, blob, private) is None
    fake.comment(top, "Yes, dogs welcome!", who=(IG_USER_ID, USERNAME))
    posted = fake.page_writes(CUSTOMER, "Yes, 8 to 12.")
    assert instagram.find_sent(client, blob, public) is not None
    found = instagram.find_sent(client, blob, private)
    assert found is not None and found.remote_id == posted
    assert instagram.original_exists(client, blob, top) is True
    fake.delete_comment(top)
    assert instagram.original_exists(client, blob, top) is False


# --- keeping the token fresh -----------------------------------------------------------------------------------


def renewals(fake: FakeInstagramLogin) -> list:
    return fake.requests_to("GET refresh_access_token")


def test_a_fresh_token_is_not_renewed_and_nothing_rotates(fake, client, instagram, blob, clock) -> None:
    clock.advance(hours=23)
    instagram.poll(client, blob, None)
    assert renewals(fake) == [] and instagram.rotated_token(blob) is None


def test_a_pasted_token_is_renewed_a_day_later_and_the_new_one_is_handed_back_to_store(
    fake, client, instagram, blob, clock
) -> None:
    clock.advance(hours=25)
    fake.comment(fake.post(), "hello")
    assert texts(instagram.poll(client, blob, None)) == ["hello"]
    (renewal,) = renewals(fake)
    assert renewal.url.startswith("/refresh_access_token?")  # at the host's root: no version in the path
    assert renewal.params == {"grant_type": "ig_refresh_token", "access_token": IG_TOKEN}
    (new_token,) = fake.renewed_tokens()
    rotated = instagram.rotated_token(blob)
    assert rotated is not None and IG_TOKEN not in rotated
    kept = InstagramToken.from_token(rotated)
    assert (kept.access_token, kept.obtained_at, kept.expires_at) == (
        new_token,
        clock.now(),
        clock.now() + timedelta(days=60),
    )
    assert fake.requests_to("GET media")[-1].authorization == f"Bearer {new_token}"
    instagram.poll(client, blob, None)  # the old blob again (before the sync layer stored the new one)
    instagram.poll(client, rotated, None)
    assert len(renewals(fake)) == 1 and fake.requests_to("GET media")[-1].authorization == f"Bearer {new_token}"


def test_a_known_end_is_renewed_only_within_thirty_days_of_it(fake, client, instagram, clock) -> None:
    fake.issue(age=timedelta(days=20))
    start = clock.now()
    blob = InstagramToken(IG_TOKEN, start - timedelta(days=20), start + timedelta(days=40)).to_token()
    instagram.poll(client, blob, None)
    assert renewals(fake) == []
    clock.advance(days=40 - RENEW_BEFORE.days, minutes=1)
    instagram.poll(client, blob, None)
    assert len(renewals(fake)) == 1 and instagram.rotated_token(blob) is not None


def test_a_renewal_refused_for_good_asks_for_a_new_token(fake, client, instagram, blob, clock) -> None:
    clock.advance(hours=25)
    fake.fail("GET refresh_access_token", 400, graph_error(190, f"Invalid OAuth access token {IG_TOKEN}"))
    with pytest.raises(AuthError, match=r"no longer accepts.*Generate token next to the account") as caught:
        instagram.poll(client, blob, None)
    assert IG_TOKEN not in "".join(traceback.format_exception(caught.value))
    assert fake.requests_to("GET media") == [] and instagram.rotated_token(blob) is None


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500, "payload": graph_error(2, "Service temporarily unavailable", kind="FacebookApiException")},
        {"status": 400, "payload": graph_error(4, "(#4) Application request limit reached")},
        {"status": 200, "raw": b"<html>gateway</html>"},
        {"status": 200, "payload": {"token_type": "bearer", "expires_in": 5184000}, "garbled": True},
        {"drop": True},
    ],
)
def test_a_renewal_that_fails_for_now_keeps_the_token_and_is_tried_again_an_hour_later(
    fake, client, instagram, blob, clock, fault
) -> None:
    clock.advance(hours=25)
    fake.fail("GET refresh_access_token", **({"status": 200, "payload": None} | fault))
    fake.comment(fake.post(), "hello")
    assert texts(instagram.poll(client, blob, None)) == ["hello"]  # the token still works: the poll goes on
    assert fake.requests_to("GET media")[-1].authorization == f"Bearer {IG_TOKEN}"
    assert instagram.rotated_token(blob) is None
    clock.advance(minutes=30)
    instagram.poll(client, blob, None)
    assert fake.renewed_tokens() == []  # not tried again yet (a dropped connection leaves no exchange to count)
    clock.advance(minutes=31)
    instagram.poll(client, blob, None)
    assert len(fake.renewed_tokens()) == 1 and instagram.rotated_token(blob) is not None


def test_an_expired_token_asks_for_a_new_one_without_calling(fake, client, instagram, clock) -> None:
    start = clock.now()
    blob = InstagramToken(IG_TOKEN, start - timedelta(days=61), start - timedelta(days=1)).to_token()
    with pytest.raises(AuthError, match=r"expired on .*App Dashboard.*reconnect the Instagram account"):
        instagram.poll(client, blob, None)
    assert fake.traffic == []


def test_a_token_that_expired_unnoticed_is_refused_by_instagram(fake, client, instagram, blob) -> None:
    fake.issue(age=timedelta(days=61))
    with pytest.raises(AuthError, match="no longer accepts the account's access token"):
        instagram.poll(client, blob, None)


# --- errors ----------------------------------------------------------------------------------------------------


def test_throttling_waits_as_long_as_graph_estimates(fake, client, instagram, blob) -> None:
    usage = json.dumps({IG_USER_ID: [{"type": "instagram", "call_count": 100, "estimated_time_to_regain_access": 20}]})
    fake.fail(
        "GET media", 400, graph_error(80002, "(#80002) Too many calls"), headers={"X-Business-Use-Case-Usage": usage}
    )
    with pytest.raises(RateLimited) as caught:
        instagram.poll(client, blob, None)
    assert caught.value.retry_after == 1200.0 and "Instagram" in str(caught.value)


@pytest.mark.parametrize(
    ("route", "code", "error", "grant"),
    [
        ("GET media", 10, AuthError, "instagram_business_basic, instagram_business_manage_comments and instagram_busi"),
        ("POST messages", 200, Rejected, "and instagram_business_manage_messages (direct messages)"),
    ],
)
def test_a_missing_permission_names_the_instagram_login_permissions(
    fake, client, instagram, blob, route, code, error, grant
) -> None:
    fake.customer_dms(CUSTOMER, "Open Sunday?")
    fake.fail(route, 400 if code == 10 else 403, graph_error(code, f"(#{code}) Requires a permission"))
    sending = route.startswith("POST")
    with pytest.raises(error) as caught:
        instagram.send(client, blob, reply("Yes!", igsid=CUSTOMER)) if sending else instagram.poll(client, blob, None)
    assert grant in str(caught.value) and "the Instagram account's sign-in" in str(caught.value)
    assert "Reconnect the Instagram account with a new token" in str(caught.value) and "Page" not in str(caught.value)


@pytest.mark.parametrize(
    ("route", "raw", "payload"),
    [
        ("GET media", b"{not json", None),
        ("GET comments", b"<html>Bad gateway</html>", None),
        ("GET conversations", None, []),
        ("GET me", None, {"username": USERNAME}),
    ],
)
def test_malformed_answers_are_transient_and_never_carry_the_token(
    fake, client, instagram, blob, route, raw, payload
) -> None:
    fake.comment(fake.post(), "hello")
    fake.fail(route, 200, payload, raw=raw, garbled=True)
    call = instagram.verify if route == "GET me" else lambda c, t: instagram.poll(c, t, None)
    with pytest.raises(TransientError, match="Instagram") as caught:
        call(client, blob)
    assert IG_TOKEN not in str(caught.value)


def test_no_error_text_ever_carries_the_token(fake, client, instagram, blob) -> None:
    fake.fail("GET media", 400, graph_error(999, f"Malformed access token {IG_TOKEN}"))
    with pytest.raises(base.ConnectorError) as caught:
        instagram.poll(client, blob, None)
    assert IG_TOKEN not in str(caught.value) and "<token>" in str(caught.value)


def test_an_account_instagram_can_no_longer_reach_asks_for_a_new_token(fake, client, instagram, blob) -> None:
    fake.fail("GET media", 400, out_of_reach(IG_USER_ID))
    with pytest.raises(AuthError, match=r"personal account or deleted.*Generate token"):
        instagram.poll(client, blob, None)
