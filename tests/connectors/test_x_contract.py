"""The X connector's requests and the fake's answers against X's OpenAPI description (``../shared/specs/x``).

The connector tests check each test's traffic too when the description is present; these make sure the contract
itself is exercised (and fails loudly) even when run alone, and skip with the reason where it is absent.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from socialinbox.connectors.http import make_client
from socialinbox.connectors.x import build_x
from socialinbox.domain import OutgoingReply, Visibility
from tests.conftest import FakeClock
from tests.connectors.fake_x import CLIENT_ID, SHOP, SHOP_ID, FakeX
from tests.openapi_contract import ContractViolation
from tests.x_contract import XContract

MARCO = "1480000000000000042"


@pytest.fixture(scope="module")
def contract() -> XContract:
    return XContract.load()


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeX]:
    with FakeX(now=clock.now) as server:
        yield server


def test_every_request_of_a_full_session_and_every_answer_is_in_the_spec(contract, fake, clock) -> None:
    x = build_x({"user_id": SHOP_ID, "username": SHOP, "client_id": CLIENT_ID, "api_base": fake.api_base}, clock)
    token = fake.stored_token()
    mention = fake.post(f"@{SHOP} rye?")
    fake.post("@olenak yes", by=SHOP_ID, reply_to=mention)
    question = fake.message("Open Sunday?", by=MARCO)
    with make_client() as client:
        x.verify(client, token)
        cursor = x.poll(client, token, None).cursor
        fake.post(f"@{SHOP} more?")
        x.poll(client, token, cursor)
        conversation = "-".join(sorted([SHOP_ID, MARCO], key=int))
        replies = [
            OutgoingReply(1, "k1", "Yes!", Visibility.PUBLIC, None, mention, None),
            OutgoingReply(2, "k2", "Yes, 9-12", Visibility.PRIVATE, f"dm:{MARCO}", question, None),
            OutgoingReply(3, "k3", "Also: Monday", Visibility.PRIVATE, f"dm-group:{conversation}", question, None),
        ]
        for reply in replies:
            x.send(client, token, reply)
            x.find_sent(client, token, reply)
        x.original_exists(client, token, mention)
        x.original_exists(client, token, question)
    routes = {exchange.route for exchange in fake.traffic}
    assert routes == {
        "GET me",
        "GET mentions",
        "GET dm_events",
        "POST tweets",
        "GET tweets",
        "POST messages",
        "GET conversation events",
        "POST messages with",
        "GET participant events",
        "GET tweet",
        "GET dm_event",
    }
    assert contract.check_all(fake.traffic) == len(fake.traffic)


def request(url: str, method: str = "GET", **options: object) -> httpx.Request:
    return httpx.Request(method, f"https://api.x.com{url}", headers={"Authorization": "Bearer t"}, **options)


def ok(json: object) -> httpx.Response:
    return httpx.Response(200, json=json)


def test_the_contract_accepts_both_spellings_and_catches_what_the_spec_lacks(contract) -> None:
    mentions = f"/2/users/{SHOP_ID}/mentions"
    contract.check(request(f"{mentions}?tweet.fields=author_id,referenced_tweets&max_results=100"), ok({}))
    contract.check(request(f"{mentions}?post.fields=author_id,referenced_posts"), ok({}))
    with pytest.raises(ContractViolation, match="colour"):
        contract.check(request(f"{mentions}?tweet.fields=id,colour"), ok({}))
    with pytest.raises(ContractViolation, match="sort"):
        contract.check(request(f"{mentions}?sort=new"), ok({}))
    with pytest.raises(ContractViolation, match="max_results"):
        contract.check(request(f"{mentions}?max_results=500"), ok({}))
    with pytest.raises(ContractViolation, match="not an operation"):
        contract.check(request("/2/dm_events/with/everyone"), ok({}))
    with pytest.raises(ContractViolation, match="likes_total"):
        contract.check(request(mentions), ok({"data": [{"id": "1", "text": "hi", "likes_total": 3}]}))
    with pytest.raises(ContractViolation, match="referenced_posts"):
        contract.check(request(mentions), ok({"data": [{"id": "1", "text": "hi", "referenced_tweets": "x"}]}))
    with pytest.raises(ContractViolation, match="in_reply_to_tweet_id"):
        contract.check(request("/2/tweets", "POST", json={"text": "hi", "reply": {}}), httpx.Response(201, json={}))
