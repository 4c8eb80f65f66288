"""The Mastodon connector against an in-memory Mastodon with the real paging, headers and entity shapes.

Every request the connector builds and every fixture response the fake serves is checked against the Mastodon
OpenAPI description in ../shared/specs (where present; the contract test itself skips, saying why, where it is not).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from socialinbox.connectors import http
from socialinbox.connectors.base import AuthError, RateLimited, Rejected, TransientError, UncertainDelivery
from socialinbox.connectors.http import make_client
from socialinbox.connectors.mastodon import (
    MastodonConnector,
    build_mastodon,
    normalize_instance_url,
    reply_text,
)
from socialinbox.domain import Direction, OutgoingReply, RemoteAuthor, Visibility
from tests.conftest import FakeClock
from tests.connectors.fake_mastodon import (
    FIXTURES,
    SHOP_ID,
    TOKEN,
    FakeMastodon,
    fixture,
    mentions,
    notification,
    shop_reply,
    status,
)
from tests.openapi_contract import OpenApiContract

OWN_STATUSES = f"/api/v1/accounts/{SHOP_ID}/statuses"


@pytest.fixture(scope="module")
def contract() -> OpenApiContract | None:
    try:
        return OpenApiContract.load("mastodon", "openapi.json")
    except pytest.skip.Exception:
        return None  # behaviour tests still run; test_contract_... says why it skipped


@pytest.fixture
def fake(contract: OpenApiContract | None) -> FakeMastodon:
    return FakeMastodon(contract)


@pytest.fixture
def client(fake: FakeMastodon) -> Iterator[httpx.Client]:
    with make_client(httpx.MockTransport(fake)) as built:
        yield built


@pytest.fixture
def connector(clock: FakeClock) -> MastodonConnector:
    return build_mastodon({"instance_url": "social.example", "account_id": SHOP_ID}, clock)


def reply(visibility: Visibility, text: str = "So sorry! A refund is on its way.", **changes: Any) -> OutgoingReply:
    fields: dict[str, Any] = {
        "outbox_id": 7,
        "idempotency_key": "outbox-7-5b1e",
        "text": text,
        "visibility": visibility,
        "thread_key": None,
        "in_reply_to": "113520000000000207",
        "recipient": RemoteAuthor(remote_id="110111222333444555", handle="ben@social.example"),
    }
    return OutgoingReply(**{**fields, **changes})


# --- sign-in check and polling -------------------------------------------------------------------


def test_verify_returns_the_full_handle_and_sends_the_token_per_request(connector, client, fake) -> None:
    assert connector.verify(client, TOKEN) == "cornerbakery@social.example"
    assert fake.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert "Authorization" not in client.headers


def test_first_poll_backfills_two_pages_and_sets_the_cursor_to_the_newest_id(connector, client, fake) -> None:
    fake.notifications = mentions(1, 100)

    result = connector.poll(client, TOKEN, None)

    assert [m.remote_id for m in result.messages] == [str(113520000000000000 + n) for n in range(21, 101)]
    assert result.cursor == "100"
    asked = fake.requests_to("/api/v1/notifications")
    assert [p.get("max_id") for p in asked] == [None, "61"]
    assert all(p.get_list("types[]") == ["mention"] and p["limit"] == "40" for p in asked)
    assert result.warnings  # older mentions exist and stay on Mastodon


def test_backfill_that_reaches_the_oldest_mention_warns_about_nothing(connector, client, fake) -> None:
    fake.notifications = mentions(1, 60)

    result = connector.poll(client, TOKEN, None)

    assert len(result.messages) == 60
    assert result.warnings == ()


def test_later_poll_follows_prev_links_so_a_burst_larger_than_a_page_is_not_cut(connector, client, fake) -> None:
    fake.notifications = mentions(1, 150)

    result = connector.poll(client, TOKEN, "55")

    assert len(result.messages) == 95
    assert {m.remote_id for m in result.messages} == {str(113520000000000000 + n) for n in range(56, 151)}
    assert result.cursor == "150"
    assert [p.get("min_id") for p in fake.requests_to("/api/v1/notifications")] == ["55", "95", "135", "150"]


def test_poll_with_nothing_new_keeps_the_cursor(connector, client, fake) -> None:
    fake.notifications = mentions(1, 5)

    fake.own_statuses = [shop_reply("900", "113520000000000001", "2026-11-23T08:00:00Z")]

    result = connector.poll(client, TOKEN, "5|900")

    assert result.messages == ()
    assert result.cursor == "5|900"
    assert [r.url.path for r in fake.requests] == ["/api/v1/notifications", OWN_STATUSES]


def test_ids_are_compared_as_numbers_not_as_text(connector, client, fake) -> None:
    fake.notifications = mentions(998, 1001)

    assert connector.poll(client, TOKEN, "997").cursor == "1001"


def test_duplicates_across_pages_are_returned_once(connector, client, fake) -> None:
    page_one = [notification(n, status(status_id=f"9{n}")) for n in (103, 102, 101)]
    page_two = [notification(n, status(status_id=f"9{n}")) for n in (102, 101)]
    link = '<https://social.example/api/v1/notifications?min_id=103>; rel="prev"'
    fake.canned = [fake.json(page_one, headers={"Link": link}), fake.json(page_two), fake.json([])]

    result = connector.poll(client, TOKEN, "100")

    assert [m.remote_id for m in result.messages] == ["9101", "9102", "9103"]


def test_link_to_another_host_never_receives_the_token(connector, client, fake) -> None:
    fake.notifications = mentions(1, 3)
    evil = '<https://evil.example/steal?min_id=3>; rel="prev"'
    fake.canned = [fake.json(list(reversed(mentions(1, 3))), headers={"Link": evil})]

    connector.poll(client, TOKEN, "0")

    assert {r.url.host for r in fake.requests} == {"social.example"}


def test_public_mention_becomes_plain_text_with_its_links(connector, client, fake) -> None:
    fake.notifications = [notification(1, status())]

    (message,) = connector.poll(client, TOKEN, None).messages

    assert message.remote_id == "113520000000000101"
    assert (message.author.handle, message.author.display_name, message.author.followers) == (
        "mira@knit.example",
        "Mira 🧶",
        214,
    )
    assert message.text == (
        "@cornerbakery do you still have the rye loaf from this recipe? "
        "https://knit.example/recipes/rye-sourdough-with-caraway\n\n"
        "Asking for my #KnittingCircle & me 🍞\nPick-up on Saturday?\n\n"
        "[image attached: a dark rye loaf on a board]"
    )
    assert message.links == ("https://knit.example/recipes/rye-sourdough-with-caraway",)
    assert message.visibility is Visibility.PUBLIC
    assert message.direction is Direction.INBOUND
    assert (message.in_reply_to, message.thread_key) == (None, None)
    assert message.sent_at == datetime(2026, 11, 23, 8, 41, 7, 512000, tzinfo=UTC)
    assert message.url == "https://knit.example/@mira/113520000000000101"


def test_direct_mention_is_private_and_threads_by_in_reply_to(connector, client, fake) -> None:
    fake.notifications = [notification(1, status("status_direct.json"))]

    (message,) = connector.poll(client, TOKEN, None).messages

    assert message.visibility is Visibility.PRIVATE
    assert message.author.handle == "ben@social.example"  # a local account, named in full
    assert message.in_reply_to == "113519000000000042"
    assert message.text.startswith("CW: order problem\n\n@cornerbakery my order #4411 arrived squashed")


def test_followers_only_mention_is_private(connector, client, fake) -> None:
    fake.notifications = [notification(1, status(visibility="private"))]

    assert connector.poll(client, TOKEN, None).messages[0].visibility is Visibility.PRIVATE


def test_hostile_html_arrives_as_harmless_plain_text(connector, client, fake) -> None:
    fake.notifications = [notification(1, status("status_hostile.json"))]

    (message,) = connector.poll(client, TOKEN, None).messages

    assert message.text == (
        "Hi your coupon and more file https://social.example/pay (https://evil.example/pay) gnp.exe isolated "
        "nul\ufffdl bell:blobcat:\n\ndeep\n\nfamily 👨\u200d👩\u200d👧"
    )
    assert message.links == ("https://evil.example/pay",)
    assert message.visibility is Visibility.PUBLIC  # unlisted is still public


def test_deleted_status_notification_is_skipped_but_moves_the_cursor(connector, client, fake) -> None:
    fake.notifications = [*mentions(1, 2), notification(3, None)]

    result = connector.poll(client, TOKEN, None)

    assert len(result.messages) == 2
    assert result.cursor == "3"
    assert result.warnings == ()


def test_unreadable_notification_is_skipped_with_a_warning(connector, client, fake) -> None:
    broken = notification(2, status(status_id="42"))
    del broken["status"]["content"]
    fake.canned = [fake.json([mentions(3, 3)[0], broken, mentions(1, 1)[0]])]

    result = connector.poll(client, TOKEN, None)

    assert len(result.messages) == 2
    assert result.cursor == "3"
    assert "1 Mastodon mention(s) could not be read" in result.warnings[0]


def test_statuses_from_the_shops_own_account_are_outbound(connector, client, fake) -> None:
    fake.notifications = [notification(1, status(account=fixture("credentials.json")))]

    assert connector.poll(client, TOKEN, None).messages[0].direction is Direction.OUTBOUND


def test_first_poll_backfills_the_shops_own_replies_as_outbound_messages(connector, client, fake) -> None:
    fake.notifications = mentions(1, 2)
    answer = shop_reply("113520000000000900", "113520000000000001", "2026-11-23T08:50:00Z", "Yes, two left!")
    own_post = status("status_posted.json", "113520000000000800", in_reply_to_id=None)  # a post, not a reply
    fake.own_statuses = [answer, own_post]

    result = connector.poll(client, TOKEN, None)

    reply_message = result.messages[-1]
    assert [m.remote_id for m in result.messages] == ["113520000000000001", "113520000000000002", answer["id"]]
    assert reply_message.direction is Direction.OUTBOUND
    assert (reply_message.in_reply_to, reply_message.text) == ("113520000000000001", "Yes, two left!")
    assert result.cursor == "2|113520000000000900"
    asked = fake.requests_to(OWN_STATUSES)[0]
    assert (asked["exclude_reblogs"], asked["limit"]) == ("true", "40")


def test_later_poll_asks_only_for_own_statuses_newer_than_the_second_cursor_part(connector, client, fake) -> None:
    old = shop_reply("113520000000000900", "113520000000000001", "2026-11-23T08:50:00Z")
    new = shop_reply("113520000000000950", "113520000000000002", "2026-11-23T08:55:00Z")
    fake.own_statuses = [old, new]

    result = connector.poll(client, TOKEN, "7|113520000000000900")

    assert [m.remote_id for m in result.messages] == [new["id"]]
    assert fake.requests_to(OWN_STATUSES)[0]["min_id"] == "113520000000000900"
    assert result.cursor == "7|113520000000000950"


def test_own_statuses_are_not_asked_for_when_the_shops_account_id_is_unknown(client, fake, clock) -> None:
    anonymous = build_mastodon({"instance_url": "social.example"}, clock)
    fake.notifications = mentions(1, 1)

    result = anonymous.poll(client, TOKEN, None)

    assert result.cursor == "1"
    assert fake.requests_to(OWN_STATUSES) == []


def test_rate_limit_headers_become_the_budget(connector, client, fake) -> None:
    budget = connector.poll(client, TOKEN, None).rate_budget

    assert budget is not None
    assert (budget.remaining, budget.limit) == (296, 300)
    assert budget.resets_at == datetime(2026, 11, 23, 9, 5, tzinfo=UTC)


# --- errors ---------------------------------------------------------------------------------------


def raw(status: int, body: bytes | str, content_type: str) -> Callable[[], httpx.Response]:
    return lambda: httpx.Response(status, content=body, headers={"Content-Type": content_type})


def answer(status: int, body: Any) -> Callable[[], httpx.Response]:
    return lambda: FakeMastodon.json(body, status=status)


ERROR_PAGE = (FIXTURES / "error_page.html").read_text(encoding="utf-8")
ERROR_CASES = {
    "revoked token": (answer(401, fixture("error_401.json")), AuthError),
    "forbidden": (answer(403, {"error": "This action is not allowed"}), AuthError),
    "not found": (answer(404, {"error": "Not found"}), TransientError),
    "server error page": (raw(500, ERROR_PAGE, "text/html; charset=utf-8"), TransientError),
    "unavailable": (answer(503, {"error": "Unavailable"}), TransientError),
    "cut-off JSON": (raw(200, b'[{"id": "1", "type": "ment', "application/json"), TransientError),
    "HTML page with 200": (raw(200, ERROR_PAGE, "text/html"), TransientError),
    "wrong content type": (raw(200, b"[]", "text/plain"), TransientError),
    "object, not a list": (answer(200, {"error": "not a list"}), TransientError),
    "deeply nested JSON": (raw(200, b"[" * 100_000 + b"]" * 100_000, "application/json"), TransientError),
}


@pytest.mark.parametrize(("bad", "error"), ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_bad_answers_become_connector_errors_without_the_token(connector, client, fake, bad, error) -> None:
    fake.canned = [bad()]

    with pytest.raises(error) as raised:
        connector.poll(client, TOKEN, "5")

    assert TOKEN not in str(raised.value) and TOKEN not in repr(raised.value)


def test_rate_limited_poll_waits_until_the_iso_reset(connector, client, fake, clock) -> None:
    clock.set(datetime(2026, 11, 23, 9, 4, tzinfo=UTC))
    fake.canned = [fake.json(fixture("error_429.json"), status=429, headers={"X-RateLimit-Remaining": "0"})]

    with pytest.raises(RateLimited) as raised:
        connector.poll(client, TOKEN, "5")

    assert raised.value.retry_after == 60


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("cut"), httpx.PoolTimeout("")],
)
def test_network_failures_while_polling_are_transient(connector, client, fake, failure) -> None:
    fake.canned = [failure]

    with pytest.raises(TransientError) as raised:
        connector.poll(client, TOKEN, "5")

    assert not isinstance(raised.value, UncertainDelivery)
    assert TOKEN not in str(raised.value)


def test_oversized_answer_is_refused(connector, client, fake, monkeypatch) -> None:
    monkeypatch.setattr(http, "MAX_BODY_BYTES", 10_000)
    fake.notifications = mentions(1, 20)

    with pytest.raises(TransientError, match="too large"):
        connector.poll(client, TOKEN, None)


# --- replies --------------------------------------------------------------------------------------


def sent_body(fake: FakeMastodon) -> dict[str, Any]:
    (request,) = [r for r in fake.requests if r.method == "POST"]
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.content)  # type: ignore[no-any-return]


def test_direct_reply_is_direct_and_starts_with_the_customers_handle(connector, client, fake) -> None:
    sent = connector.send(client, TOKEN, reply(Visibility.PRIVATE))

    assert sent_body(fake) == {
        "status": "@ben@social.example So sorry! A refund is on its way.",
        "visibility": "direct",
        "in_reply_to_id": "113520000000000207",
    }
    assert fake.requests[-1].headers["Idempotency-Key"] == "outbox-7-5b1e"
    assert fake.requests[-1].headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.remote_id == "113520000000000404"
    assert sent.sent_at == datetime(2026, 11, 23, 9, 2, 11, 4000, tzinfo=UTC)
    assert sent.url == "https://social.example/@cornerbakery/113520000000000404"


def test_public_reply_is_public_and_names_the_customer(connector, client, fake) -> None:
    remote = RemoteAuthor(remote_id="109876543210987654", handle="mira@knit.example")

    connector.send(client, TOKEN, reply(Visibility.PUBLIC, "Yes, two left!", recipient=remote, in_reply_to="9"))

    assert sent_body(fake) == {
        "status": "@mira@knit.example Yes, two left!",
        "visibility": "public",
        "in_reply_to_id": "9",
    }


@pytest.mark.parametrize(
    "text", ["Hi @ben, refund sent.", "Hi @Ben@social.example refund sent.", "@ben@social.example!"]
)
def test_reply_that_already_names_the_customer_is_sent_unchanged(text) -> None:
    assert reply_text(reply(Visibility.PRIVATE, text), "social.example") == text


def test_mention_of_someone_else_does_not_count_as_naming_the_customer() -> None:
    text = "Ask @benny or @ben@other.example"

    assert reply_text(reply(Visibility.PRIVATE, text), "social.example") == f"@ben@social.example {text}"


def test_direct_reply_without_a_recipient_is_refused(connector, client, fake) -> None:
    with pytest.raises(ValueError, match="recipient"):
        connector.send(client, TOKEN, reply(Visibility.PRIVATE, recipient=None))

    assert fake.requests == []


@pytest.mark.parametrize(
    "answer",
    [
        httpx.ReadTimeout("no answer"),
        httpx.RemoteProtocolError("connection dropped"),
        httpx.Response(504, text="Gateway Timeout"),
        httpx.Response(200, content=b"{not json", headers={"Content-Type": "application/json"}),
        httpx.Response(200, json={"unexpected": True}),
    ],
)
def test_trouble_after_the_reply_left_is_uncertain_delivery(connector, client, fake, answer) -> None:
    fake.canned = [answer]

    with pytest.raises(UncertainDelivery) as raised:
        connector.send(client, TOKEN, reply(Visibility.PRIVATE))

    assert TOKEN not in str(raised.value)


def test_failure_to_connect_is_a_plain_retry_not_uncertain(connector, client, fake) -> None:
    fake.canned = [httpx.ConnectError("refused")]

    with pytest.raises(TransientError) as raised:
        connector.send(client, TOKEN, reply(Visibility.PRIVATE))

    assert not isinstance(raised.value, UncertainDelivery)


def test_refused_reply_is_rejected_for_good_with_the_servers_reason(connector, client, fake) -> None:
    fake.canned = [fake.json(fixture("error_422.json"), status=422)]

    with pytest.raises(Rejected, match="refused the reply: Validation failed: Text character limit"):
        connector.send(client, TOKEN, reply(Visibility.PUBLIC))


def test_reply_to_a_deleted_post_is_rejected(connector, client, fake) -> None:
    fake.canned = [fake.json({"error": "Record not found"}, status=404)]

    with pytest.raises(Rejected, match="Record not found"):
        connector.send(client, TOKEN, reply(Visibility.PUBLIC))


def test_rejected_token_on_send_asks_for_reconnect(connector, client) -> None:
    with pytest.raises(AuthError):
        connector.send(client, "revoked-token", reply(Visibility.PUBLIC))


# --- instance limits and settings ----------------------------------------------------------------


def test_instance_character_limit_is_the_servers_own(connector, client, fake) -> None:
    limits = connector.instance_limits(client)

    assert (limits.max_characters, limits.characters_per_url) == (1000, 23)
    assert connector.instance_character_limit(client) == 1000
    assert all("Authorization" not in r.headers for r in fake.requests)


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(404, json={"error": "Not found"}), FakeMastodon.json({"configuration": {"statuses": {}}})],
)
def test_instance_character_limit_falls_back_to_500(connector, client, fake, answer) -> None:
    fake.canned = [answer]

    assert connector.instance_character_limit(client) == 500


def test_build_mastodon_reads_the_settings(clock) -> None:
    built = build_mastodon({"instance_url": " https://Social.Example/ ", "account_id": 42, "handle": "a@b"}, clock)

    assert (built.instance_url, built.account_id, built.handle) == ("https://social.example", "42", "a@b")
    with pytest.raises(ValueError, match="instance_url"):
        build_mastodon({}, clock)


@pytest.mark.parametrize(
    "typed",
    ["http://social.example", "https://social.example/@shop", "https://user:pw@social.example", "ftp://x.example", ""],
)
def test_server_addresses_that_are_not_plain_https_hosts_are_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        normalize_instance_url(typed)


def test_plain_http_is_allowed_only_for_this_computer() -> None:
    assert normalize_instance_url("http://localhost:3000") == "http://localhost:3000"
    assert normalize_instance_url("mastodon.social") == "https://mastodon.social"


# --- the contract itself --------------------------------------------------------------------------


def test_every_request_and_response_matches_the_openapi_spec(contract, connector, client, fake) -> None:
    if contract is None:
        OpenApiContract.load("mastodon", "openapi.json")  # skips, saying where the spec should be
    fake.notifications = [*mentions(1, 45), notification(46, status("status_direct.json", "8")), notification(47, None)]

    connector.verify(client, TOKEN)
    connector.poll(client, TOKEN, None)
    connector.poll(client, TOKEN, "3")
    connector.send(client, TOKEN, reply(Visibility.PRIVATE))
    connector.instance_limits(client)

    assert len(fake.requests) == 10  # each one passed check_request, each fixture answer check_response


def test_the_scopes_asked_for_cover_every_endpoint_the_connector_calls(contract, connector, client, fake) -> None:
    from socialinbox.connectors.mastodon_auth import SCOPES

    if contract is None:
        OpenApiContract.load("mastodon", "openapi.json")
    connector.verify(client, TOKEN)
    connector.poll(client, TOKEN, None)
    connector.send(client, TOKEN, reply(Visibility.PRIVATE))
    granted = set(SCOPES.split())
    for request in fake.requests:
        for requirement in contract.security(request.method, request.url):
            # Mastodon's spec lists alternatives (e.g. profile or read:accounts): one of them is enough.
            assert any(set(scopes) & granted for scopes in requirement.values()), request.url.path
