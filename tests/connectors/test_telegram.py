"""The Telegram connector against a local fake Bot API server, every exchange checked against the Bot API spec."""

from __future__ import annotations

import json
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialinbox.connectors.base import AuthError, ConnectorError, RateLimited, TransientError, UncertainDelivery
from socialinbox.connectors.http import make_client
from socialinbox.connectors.telegram import (
    RETENTION_WARNING,
    ReplyRejected,
    TelegramConnector,
    build_telegram,
    format_cursor,
    parse_cursor,
)
from socialinbox.domain import Direction, OutgoingReply, Platform, Visibility
from tests.conftest import FakeClock
from tests.connectors.fake_telegram import BOT_ID, TOKEN, FakeTelegram
from tests.telegram_contract import TelegramContract

FIXTURES = Path(__file__).parent / "fixtures" / "telegram"
SECRET = TOKEN.partition(":")[2]


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def contract() -> TelegramContract | None:
    return TelegramContract.load_if_present()


@pytest.fixture
def fake(clock: FakeClock, contract: TelegramContract | None) -> Iterator[FakeTelegram]:
    with FakeTelegram(now=lambda: clock.now().timestamp()) as server:
        yield server
    if contract is not None:  # every test's traffic, not only the dedicated contract test
        contract.assert_traffic_matches(server.traffic)


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with make_client() as shared:  # one for all, as in the app (and building a client's TLS context is slow)
        yield shared


@pytest.fixture(scope="module")
def impatient() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=0.3) as quick:
        yield quick


def connect(fake: FakeTelegram, clock: FakeClock, **settings: Any) -> TelegramConnector:
    base = {"api_base": fake.api_base, "long_poll_seconds": 0, "bot_username": "corner_bakery_bot"}
    return build_telegram(base | settings, clock)


@pytest.fixture
def telegram(fake: FakeTelegram, clock: FakeClock) -> TelegramConnector:
    return connect(fake, clock)


def reply(text: str = "Yes, see you tomorrow!", thread_key: str | None = None, in_reply_to: str | None = None):
    visibility = Visibility.PUBLIC if thread_key is None else Visibility.PRIVATE
    return OutgoingReply(1, "key-1", text, visibility, thread_key, in_reply_to, None)


def customer_says(fake: FakeTelegram, text: str | None = "Hi!", **extra: Any) -> dict[str, Any]:
    person = fake.user(5123498765, "Olena", "olena_k", last_name="Kovalenko")
    msg = fake.message(fake.private_chat(person), person, text, **extra)
    fake.push("message", msg)
    return msg


# --- connecting ------------------------------------------------------------------------------------


def test_verify_names_the_bot_and_settings_build_the_connector(fake, client, clock) -> None:
    connector = build_telegram({"api_base": fake.api_base, "bot_username": "@corner_bakery_bot"}, clock)
    assert connector.verify(client, TOKEN) == "@corner_bakery_bot"
    settings = (connector.platform, connector.long_poll_seconds, connector.bot_username)
    assert settings == (Platform.TELEGRAM, 25, "corner_bakery_bot")
    assert build_telegram({}, clock).api_base == "https://api.telegram.org"


def test_a_webhook_is_reported_blocks_polling_and_can_be_removed(fake, client, telegram) -> None:
    fake.webhook_url = "https://old-shop-tool.example/hook"
    assert telegram.webhook_info(client, TOKEN) == "https://old-shop-tool.example/hook"
    with pytest.raises(TransientError, match="webhook is set for @corner_bakery_bot"):
        telegram.poll(client, TOKEN, None)
    telegram.delete_webhook(client, TOKEN)
    assert telegram.webhook_info(client, TOKEN) is None
    assert telegram.poll(client, TOKEN, None).messages == ()


def test_a_malformed_token_is_refused_before_anything_is_sent(fake, client, telegram) -> None:
    with pytest.raises(AuthError, match="not a Telegram bot token"):
        telegram.verify(client, "bot token from BotFather")
    assert fake.traffic == []


# --- polling ---------------------------------------------------------------------------------------


def test_first_poll_lists_allowed_updates_and_the_next_confirms_with_the_offset(fake, client, telegram, clock) -> None:
    first_id = fake.push_fixture(fixture("update_private_text.json"))
    result = telegram.poll(client, TOKEN, None)
    sent = fake.traffic[-1].params
    assert "offset" not in sent and sent["limit"] == 100 and sent["timeout"] == 0
    assert set(sent["allowed_updates"]) >= {"message", "edited_message", "business_message", "business_connection"}
    assert result.cursor == format_cursor(first_id + 1, clock.now())

    second_id = customer_says(fake, "And do you have rye bread?")["message_id"]
    again = telegram.poll(client, TOKEN, result.cursor)
    assert fake.traffic[-1].params["offset"] == first_id + 1
    assert [m.remote_id for m in again.messages] == [f"5123498765:{second_id}"]  # the confirmed one is gone
    assert parse_cursor(again.cursor)[0] == first_id + 2


def test_long_poll_returns_promptly_when_an_update_arrives(fake, client, clock) -> None:
    telegram = connect(fake, clock, long_poll_seconds=5)
    threading.Timer(0.2, customer_says, args=(fake, "Are you open?")).start()
    started = time.monotonic()
    result = telegram.poll(client, TOKEN, None)
    assert time.monotonic() - started < 1.0
    assert [m.text for m in result.messages] == ["Are you open?"]


def test_long_poll_waits_its_timeout_when_nothing_arrives(fake, client, clock) -> None:
    started = time.monotonic()
    result = connect(fake, clock, long_poll_seconds=1).poll(client, TOKEN, format_cursor(77, clock.now()))
    assert 0.9 <= time.monotonic() - started < 3
    assert (result.messages, parse_cursor(result.cursor)[0]) == ((), 77)


def test_burst_of_150_updates_arrives_in_two_polls_without_loss_or_duplicates(fake, client, telegram) -> None:
    for n in range(150):
        customer_says(fake, f"order {n}")
    first = telegram.poll(client, TOKEN, None)
    second = telegram.poll(client, TOKEN, first.cursor)
    third = telegram.poll(client, TOKEN, second.cursor)
    texts = [m.text for m in first.messages + second.messages]
    assert (len(first.messages), len(second.messages), third.messages) == (100, 50, ())
    assert texts == [f"order {n}" for n in range(150)]
    assert len({m.remote_id for m in first.messages + second.messages}) == 150


def test_private_message_becomes_a_private_conversation(fake, client, telegram) -> None:
    fake.push_fixture(fixture("update_private_text.json"))
    (message,) = telegram.poll(client, TOKEN, None).messages
    assert (message.remote_id, message.thread_key, message.visibility) == (
        "5123498765:212",
        "chat:5123498765",
        "private",
    )
    assert (message.author.remote_id, message.author.handle, message.author.display_name) == (
        "5123498765",
        "olena_k",
        "Olena Kovalenko",
    )
    assert message.text.startswith("Добрий день! 🥐🥐 Are the croissants")
    assert message.links == ("https://cornerbakery.example/menu",)  # found at its UTF-16 offset, after the emoji
    assert (message.direction, message.sent_at) == (Direction.INBOUND, datetime(2026, 11, 23, 9, tzinfo=UTC))


def test_group_message_mentioning_the_bot_is_a_public_conversation(fake, client, telegram) -> None:
    fake.push_fixture(fixture("update_group_mention.json"))
    (message,) = telegram.poll(client, TOKEN, None).messages
    assert (message.visibility, message.thread_key, message.in_reply_to) == (Visibility.PUBLIC, None, None)
    assert message.remote_id == "-1001987654321:5531"
    assert message.url == "https://t.me/oakfield_neighbours/5531"
    assert message.links == ("https://cornerbakery.example/cakes",)


def test_group_chatter_not_addressed_to_the_bot_is_ignored_but_confirmed(fake, client, telegram) -> None:
    group = fake.group(-1001987654321, "Oakfield Neighbours")
    person = fake.user(6234000111, "Marco")
    fake.push("message", fake.message(group, person, "@someone_else is the bakery open? /start@other_bot"))
    update_id = fake.push("message", fake.message(group, person, "lovely weather"))
    result = telegram.poll(client, TOKEN, None)
    assert result.messages == () and parse_cursor(result.cursor)[0] == update_id + 1


def test_reply_to_the_bot_in_a_group_is_public_and_points_at_the_bots_message(fake, client, telegram) -> None:
    group = fake.group(-1001987654321, "Oakfield Neighbours")
    ours = fake.message(group, fake.bot, "We open at 7 tomorrow.")
    fake.push("message", fake.message(group, fake.user(6234000111, "Marco"), "Even on Sunday?", reply_to=ours))
    (message,) = telegram.poll(client, TOKEN, None).messages
    assert (message.visibility, message.in_reply_to) == (Visibility.PUBLIC, f"-1001987654321:{ours['message_id']}")
    assert message.url is None  # a private group has no public address


def test_without_a_configured_username_the_bot_asks_telegram_who_it_is(fake, client, clock) -> None:
    fake.push_fixture(fixture("update_group_mention.json"))
    result = connect(fake, clock, bot_username=None).poll(client, TOKEN, None)
    assert len(result.messages) == 1 and [e.method for e in fake.traffic] == ["getUpdates", "getMe"]


def test_media_becomes_a_placeholder_and_keeps_its_caption(fake, client, telegram) -> None:
    fake.push_fixture(fixture("update_photo_caption.json"))
    customer_says(fake, None, voice={"file_id": "AwACAgIAAx0Voice", "file_unique_id": "AgADVoice", "duration": 4})
    customer_says(fake, None, new_chat_title="not a message a person wrote")
    texts = [m.text for m in telegram.poll(client, TOKEN, None).messages]
    assert texts == ["[photo] This arrived squashed 😞 order #4471", "[voice message]"]


def test_control_characters_and_bidi_overrides_are_stripped(fake, client, telegram) -> None:
    customer_says(fake, "pay to \u202eredro\u202c now\x00\x07")
    assert telegram.poll(client, TOKEN, None).messages[0].text == "pay to redro now"


def test_edited_message_comes_back_under_the_same_remote_id(fake, client, telegram, clock) -> None:
    msg = customer_says(fake, "two loafs please")
    fake.push("edited_message", msg | {"text": "two loaves please", "edit_date": int(clock.now().timestamp()) + 60})
    original, edited = telegram.poll(client, TOKEN, None).messages
    assert original.remote_id == edited.remote_id and edited.text == "two loaves please"


def test_business_chats_are_private_and_the_owners_own_replies_are_outbound(fake, client, telegram) -> None:
    connection = fixture("update_business_connection.json")
    fake.connect_business(connection["business_connection"]["user"], connection["business_connection"]["id"])
    fake.push_fixture(fixture("update_business_message.json"))
    chat = fake.private_chat(fake.user(5900112244, "Jonas"))
    from_app = fake.message(chat, connection["business_connection"]["user"], "Ja, 8-12 Uhr!")
    by_bot = fake.message(chat, connection["business_connection"]["user"], "Danke!", sender_business_bot=fake.bot)
    for msg in (from_app, by_bot):
        fake.push("business_message", msg | {"business_connection_id": "AQADBBBjbXp0ZXN0X2Nvbm4"})
    result = telegram.poll(client, TOKEN, None)
    assert {m.thread_key for m in result.messages} == {"biz:AQADBBBjbXp0ZXN0X2Nvbm4:5900112244"}
    assert [m.direction for m in result.messages] == [Direction.INBOUND, Direction.OUTBOUND, Direction.OUTBOUND]
    assert result.messages[0].author.handle == "Jonas" and result.warnings == ()


def test_business_connection_changes_are_told_to_the_owner(fake, client, telegram) -> None:
    owner = fake.user(4400112233, "Hanna", "hanna_bakes")
    fake.connect_business(owner, "conn-1", rights={"can_read_messages": True})
    fake.connect_business(owner, "conn-2", is_enabled=False)
    warnings = telegram.poll(client, TOKEN, None).warnings
    assert len(warnings) == 2 and "may not reply" in warnings[0] and "disconnected" in warnings[1]


@pytest.mark.parametrize(("hours_off", "warned"), [(23, False), (25, True)])
def test_being_off_longer_than_a_day_warns_that_messages_may_be_missing(
    fake, client, telegram, clock, hours_off, warned
):
    cursor = format_cursor(841_266_300, clock.now())
    clock.advance(hours=hours_off)
    result = telegram.poll(client, TOKEN, cursor)
    assert (RETENTION_WARNING in result.warnings) is warned
    # Past the retention the old offset means nothing (ids may restart): ask from the oldest unconfirmed update.
    assert ("offset" in fake.traffic[-1].params) is not warned
    assert parse_cursor(result.cursor)[1] == clock.now()


# --- errors ----------------------------------------------------------------------------------------


def test_revoked_token_asks_for_a_new_one(fake, client, telegram) -> None:
    with pytest.raises(AuthError, match="BotFather"):
        telegram.poll(client, "7012345678:AAHrevokedTokenRevokedTokenRevoked0", None)


def test_flood_wait_obeys_retry_after(fake, client, telegram) -> None:
    fake.fail_next("getUpdates", 429, "Too Many Requests: retry after 37", retry_after=37)
    with pytest.raises(RateLimited) as raised:
        telegram.poll(client, TOKEN, None)
    assert raised.value.retry_after == 37 == fixture("error_flood_wait.json")["parameters"]["retry_after"]


def test_another_poller_is_named_as_the_reason_for_409(fake, client, telegram) -> None:
    recorded = fixture("error_conflict_polling.json")
    fake.fail_next("getUpdates", 409, recorded["description"])
    with pytest.raises(TransientError, match="Another program is fetching the messages of @corner_bakery_bot"):
        telegram.poll(client, TOKEN, None)


def test_a_second_poller_ends_the_first_one_with_409(fake, client, impatient, clock) -> None:
    waiting, outcome = connect(fake, clock, long_poll_seconds=5), []
    worker = threading.Thread(target=lambda: outcome.append(_attempt(lambda: waiting.poll(client, TOKEN, None))))
    worker.start()
    time.sleep(0.2)
    connect(fake, clock).poll(impatient, TOKEN, None)  # another copy of the app, with its own connection
    worker.join(2)
    assert isinstance(outcome[0], TransientError) and "another copy of Social Inbox" in str(outcome[0])


@pytest.mark.parametrize(
    "break_it",
    [
        lambda fake: fake.fail_next("getUpdates", 500, "Internal Server Error"),
        lambda fake: fake.garble_next("getUpdates"),
        lambda fake: fake.garble_next("getUpdates", 502, b"<html><body>502 Bad Gateway</body></html>"),
        lambda fake: fake.fail_next("getUpdates", 400, "Bad Request: wrong parameter"),
    ],
    ids=["5xx", "truncated-json", "proxy-error-page", "unexpected-4xx"],
)
def test_server_trouble_is_transient_and_keeps_the_cursor(fake, client, telegram, break_it) -> None:
    customer_says(fake, "still there?")
    break_it(fake)
    with pytest.raises(TransientError):
        telegram.poll(client, TOKEN, None)
    assert [m.text for m in telegram.poll(client, TOKEN, None).messages] == ["still there?"]


def test_timeouts_and_unreachable_servers_are_transient(clock, impatient) -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with (
        httpx.Client(transport=httpx.MockTransport(time_out)) as client,
        pytest.raises(TransientError, match="in time"),
    ):
        build_telegram({}, clock).poll(client, TOKEN, None)
    with pytest.raises(TransientError, match="Could not reach Telegram"):
        build_telegram({"api_base": f"http://127.0.0.1:{closed_port()}"}, clock).poll(impatient, TOKEN, None)


# --- sending ---------------------------------------------------------------------------------------


def test_private_reply_quotes_the_customers_message(fake, client, telegram, clock) -> None:
    asked = customer_says(fake, "Open tomorrow?")
    sent = telegram.send(
        client, TOKEN, reply(thread_key="chat:5123498765", in_reply_to=f"5123498765:{asked['message_id']}")
    )
    body = fake.sent[-1]
    assert body["chat_id"] == 5123498765 and "business_connection_id" not in body
    assert body["reply_parameters"] == {"message_id": asked["message_id"], "allow_sending_without_reply": True}
    assert (sent.remote_id, sent.sent_at) == (f"5123498765:{asked['message_id'] + 1}", clock.now())


def test_business_reply_goes_out_on_behalf_of_the_owner(fake, client, telegram) -> None:
    fake.connect_business(fake.user(4400112233, "Hanna", "hanna_bakes"), "AQADBBBjbXp0ZXN0X2Nvbm4")
    fake.push_fixture(fixture("update_business_message.json"))
    thread = "biz:AQADBBBjbXp0ZXN0X2Nvbm4:5900112244"
    sent = telegram.send(client, TOKEN, reply("Ja, 8-12 Uhr!", thread, "5900112244:90817"))
    assert fake.sent[-1]["business_connection_id"] == "AQADBBBjbXp0ZXN0X2Nvbm4"
    assert fake.sent[-1]["reply_parameters"]["message_id"] == 90817 and sent.remote_id == "5900112244:90818"


def test_public_reply_finds_its_group_from_the_message_it_answers(fake, client, telegram) -> None:
    fake.push_fixture(fixture("update_group_mention.json"))
    sent = telegram.send(client, TOKEN, reply("Yes, every Friday!", None, "-1001987654321:5531"))
    assert fake.sent[-1]["chat_id"] == -1001987654321
    assert sent.url == f"https://t.me/oakfield_neighbours/{sent.remote_id.rpartition(':')[2]}"


def test_a_group_that_became_a_supergroup_is_followed_once(fake, client, telegram) -> None:
    fake.group(-4012345678, "Oakfield Neighbours", kind="group")
    fake.migrate(-4012345678, -1002012345678)
    sent = telegram.send(client, TOKEN, reply("Yes!", None, "-4012345678:15"))
    assert [s["chat_id"] for s in fake.sent] == [-1002012345678] and sent.remote_id.startswith("-1002012345678:")


@pytest.mark.parametrize(("text", "allowed"), [("🥐" * 2048, True), ("🥐" * 2048 + "!", False), ("x" * 4097, False)])
def test_replies_longer_than_4096_utf16_units_are_refused_before_sending(fake, client, telegram, text, allowed) -> None:
    customer_says(fake)
    if allowed:
        telegram.send(client, TOKEN, reply(text, "chat:5123498765"))
    else:
        with pytest.raises(ReplyRejected, match="Telegram allows 4096"):
            telegram.send(client, TOKEN, reply(text, "chat:5123498765"))
    assert len(fake.sent) == int(allowed)


def test_refusals_for_good_are_not_retried_as_trouble(fake, client, telegram) -> None:
    customer_says(fake)
    fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(ReplyRejected, match="blocked by the user"):
        telegram.send(client, TOKEN, reply(thread_key="chat:5123498765"))
    with pytest.raises(ReplyRejected, match="which Telegram chat"):
        telegram.send(client, TOKEN, reply(thread_key=None, in_reply_to=None))


def test_no_answer_after_sending_is_uncertain_delivery(fake, clock, impatient) -> None:
    customer_says(fake)
    fake.delay_next("sendMessage", 1.0)
    with pytest.raises(UncertainDelivery):
        connect(fake, clock).send(impatient, TOKEN, reply(thread_key="chat:5123498765"))
    assert len(fake.sent) == 1  # it did go out


def test_server_error_on_send_is_uncertain_but_an_unreachable_server_is_not(fake, client, telegram, clock) -> None:
    customer_says(fake)
    fake.fail_next("sendMessage", 502, "Bad Gateway")
    with pytest.raises(UncertainDelivery):
        telegram.send(client, TOKEN, reply(thread_key="chat:5123498765"))
    offline = build_telegram({"api_base": f"http://127.0.0.1:{closed_port()}"}, clock)
    with pytest.raises(TransientError) as raised:
        offline.send(client, TOKEN, reply(thread_key="chat:5123498765"))
    assert not isinstance(raised.value, UncertainDelivery)


# --- the token never leaks -------------------------------------------------------------------------


def _error_paths(fake: FakeTelegram, clock: FakeClock) -> dict[str, Callable[[httpx.Client], object]]:
    telegram, to_customer = connect(fake, clock), reply(thread_key="chat:5123498765")
    offline = build_telegram({"api_base": f"http://127.0.0.1:{closed_port()}"}, clock)

    def after(setup: Callable[[], None], call: Callable[[httpx.Client], object]) -> Callable[[httpx.Client], object]:
        return lambda client: (setup(), call(client))

    poll = lambda client: telegram.poll(client, TOKEN, None)  # noqa: E731
    send = lambda client: telegram.send(client, TOKEN, to_customer)  # noqa: E731
    return {
        "401": after(lambda: setattr(fake, "token", TOKEN.replace("AAH", "AAX")), lambda c: telegram.verify(c, TOKEN)),
        "409": after(lambda: fake.fail_next("getUpdates", 409, "Conflict: terminated by other getUpdates"), poll),
        "409-webhook": after(lambda: setattr(fake, "webhook_url", "https://x.example/hook"), poll),
        "429": after(lambda: fake.fail_next("getUpdates", 429, "Too Many Requests", retry_after=3), poll),
        "500": after(lambda: fake.fail_next("getUpdates", 500, "Internal Server Error"), poll),
        "garbled": after(lambda: fake.garble_next("getUpdates"), poll),
        "unreachable-poll": lambda client: offline.poll(client, TOKEN, None),
        "unreachable-send": lambda client: offline.send(client, TOKEN, to_customer),
        "send-403": after(lambda: fake.fail_next("sendMessage", 403, f"Forbidden: token {TOKEN}"), send),
        "send-500": after(lambda: fake.fail_next("sendMessage", 500, "Internal Server Error"), send),
        "send-timeout": after(lambda: fake.delay_next("sendMessage", 1.0), send),
        "send-too-long": lambda client: telegram.send(client, TOKEN, reply("x" * 5000, "chat:5123498765")),
        "migrated-twice": after(lambda: migrate_twice(fake), send),
    }


POLL_ERRORS = ("401", "409", "409-webhook", "429", "500", "garbled", "unreachable-poll")
SEND_ERRORS = ("unreachable-send", "send-403", "send-500", "send-timeout", "send-too-long", "migrated-twice")


@pytest.mark.parametrize("path", POLL_ERRORS + SEND_ERRORS)
def test_the_token_never_appears_in_an_error(fake, clock, impatient, path) -> None:
    customer_says(fake)
    error = _attempt(lambda: _error_paths(fake, clock)[path](impatient))
    assert isinstance(error, ConnectorError), error
    told = " ".join([str(error), repr(error), *traceback.format_exception(error)])
    assert SECRET not in told and "/bot" not in told


# --- the contract itself ---------------------------------------------------------------------------


def test_every_request_and_response_matches_the_bot_api_spec(fake, client, telegram, contract) -> None:
    contract = contract or TelegramContract.load()  # skips, saying why, where ../shared/specs is absent
    for name in ("update_private_text.json", "update_group_mention.json", "update_photo_caption.json"):
        fake.push_fixture(fixture(name))
    fake.connect_business(fake.user(4400112233, "Hanna", "hanna_bakes"), "AQADBBBjbXp0ZXN0X2Nvbm4")
    fake.push_fixture(fixture("update_business_message.json"))
    result = telegram.poll(client, TOKEN, None)
    telegram.send(
        client, TOKEN, reply(thread_key="biz:AQADBBBjbXp0ZXN0X2Nvbm4:5900112244", in_reply_to="5900112244:90817")
    )
    fake.fail_next("getUpdates", 429, "Too Many Requests: retry after 5", retry_after=5)
    _attempt(lambda: telegram.poll(client, TOKEN, result.cursor))
    assert {e.method for e in fake.traffic} == {"getUpdates", "sendMessage"} and len(result.messages) == 4
    contract.assert_traffic_matches(fake.traffic)


def test_the_contract_catches_what_the_spec_forbids(contract) -> None:
    contract = contract or TelegramContract.load()
    assert contract.request_problems("sendMessage", {"chat_id": 1, "text": "hi", "reply_to": 2})
    assert contract.request_problems("sendMessage", {"text": "hi"})
    assert contract.request_problems("getUpdates", {"timeout": "25", "allowed_updates": ["mesage"]})
    assert contract.request_problems("sendMesage", {})
    good = {"message_id": 1, "date": 1795424400, "chat": {"id": 5, "type": "private"}}
    assert contract.object_problems("Message", good, "m") == []
    assert contract.object_problems("Message", {k: v for k, v in good.items() if k != "date"}, "m")
    assert contract.response_problems("getMe", 200, {"ok": True, "result": {"id": BOT_ID, "is_bot": True}})


# --- helpers ---------------------------------------------------------------------------------------


def migrate_twice(fake: FakeTelegram) -> None:
    for _ in range(2):
        fake.fail_next("sendMessage", 400, "Bad Request: group chat was upgraded", migrate_to_chat_id=-100777)


def _attempt(call: Callable[[], object]) -> object:
    try:
        return call()
    except Exception as error:
        return error


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_cursor_tolerates_a_bare_offset_and_garbage(clock) -> None:
    assert parse_cursor("42") == (42, None)
    assert parse_cursor("nonsense|yesterday") == (None, None)
    assert parse_cursor(format_cursor(None, clock.now() - timedelta(hours=1))) == (
        None,
        clock.now() - timedelta(hours=1),
    )
