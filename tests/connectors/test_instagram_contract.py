"""The Instagram connector's requests and the fake's answers against Meta's Graph API specs (``../shared/specs/meta``).

The connector tests check each test's traffic too when the specs are present; these make sure the Instagram nodes of
the contract are exercised (and fail loudly) even when run alone, and skip with the reason where the specs are absent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from socialinbox.connectors.http import make_client
from socialinbox.connectors.instagram import COMMENT_FIELDS, MEDIA_FIELDS, build_instagram
from socialinbox.domain import OutgoingReply, Visibility
from tests.conftest import FakeClock
from tests.connectors.fake_facebook import project
from tests.connectors.fake_instagram import CUSTOMER, IG_USER_ID, PAGE_ID, TOKEN, USERNAME, FakeInstagram
from tests.meta_contract import MetaContract, parse_fields


@pytest.fixture(scope="module")
def contract() -> MetaContract:
    return MetaContract.load()


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with make_client() as shared:
        yield shared


def test_every_request_of_a_full_session_is_in_the_spec(contract, client, clock: FakeClock) -> None:
    with FakeInstagram(now=clock.now) as fake:
        settings = {"page_id": PAGE_ID, "ig_user_id": IG_USER_ID, "username": USERNAME, "api_base": fake.api_base}
        instagram = build_instagram(settings, clock)
        media = fake.post(at=clock.now() - timedelta(days=1))
        question = fake.comment(media, "Rye?")
        fake.comment(question, "Yes!", who=(IG_USER_ID, USERNAME))
        fake.customer_dms(CUSTOMER, "Open Sunday?")
        instagram.verify(client, TOKEN)
        cursor = instagram.poll(client, TOKEN, None).cursor
        clock.advance(minutes=1)
        fake.comment(media, "More?")
        instagram.poll(client, TOKEN, cursor)
        public = OutgoingReply(1, "k1", "Yes", Visibility.PUBLIC, question, question, None)
        private = OutgoingReply(2, "k2", "Yes", Visibility.PRIVATE, f"dm:{CUSTOMER}", None, None, question)
        instagram.send(client, TOKEN, public)
        clock.advance(hours=30)
        instagram.send(client, TOKEN, private)  # a private reply to the comment: the window has closed
        instagram.find_sent(client, TOKEN, public)
        instagram.find_sent(client, TOKEN, private)
        instagram.original_exists(client, TOKEN, question)
    routes = {(e.method, e.node, e.edge) for e in fake.traffic}
    assert routes == {
        ("GET", "Page", None),
        ("GET", "IGUser", "media"),
        ("GET", "IGMedia", "comments"),
        ("GET", "IGComment", None),
        ("GET", "IGComment", "replies"),
        ("POST", "IGComment", "replies"),
        ("GET", "Page", "conversations"),
        ("POST", "Page", "messages"),
    }
    assert {"comment_id": question} in [e.params.get("recipient") for e in fake.requests_to("POST messages")]
    contract.assert_traffic_matches(fake.traffic)


def test_the_contract_knows_the_instagram_nodes(contract) -> None:
    assert contract.request_problems("IGUser", "GET", "media", {"fields": MEDIA_FIELDS, "limit": "25"}) == []
    assert contract.request_problems("IGMedia", "GET", "comments", {"fields": COMMENT_FIELDS}) == []
    assert contract.request_problems("IGMedia", "GET", "comments", {"fields": "id,txt"}) == [
        "GET IGMedia/comments: IGComment has no field or edge 'txt'"
    ]
    assert contract.request_problems("IGComment", "POST", "replies", {"text": "hi"}) == [
        "POST IGComment/replies: unknown parameter 'text'"
    ]
    assert contract.object_problems("IGComment", {"id": "1", "likes": 3}, "x") == ["x: IGComment has no field 'likes'"]
    assert contract.response_problems("IGComment", "POST", "replies", {"id": "1", "colour": "red"}) == [
        "POST IGComment/replies answer: IGComment has no field 'colour'"
    ]


def test_every_field_the_fake_can_return_is_declared(contract, clock: FakeClock) -> None:
    with FakeInstagram(now=clock.now) as fake:
        media = fake.post()
        question = fake.comment(media, "hi")
        fake.comment(question, "hello", who=(IG_USER_ID, USERNAME))
        everything = parse_fields(f"{MEDIA_FIELDS},{COMMENT_FIELDS},instagram_business_account{{id,username}}")
        assert (
            contract.object_problems(
                "IGMedia", project(fake._media_view(fake.media[media]), everything, "IGMedia"), "m"
            )
            == []
        )
        comment = project(fake._comment_view(fake.ig_comments[question], nested=True), everything, "IGComment")
        assert "replies" in comment and contract.object_problems("IGComment", comment, "c") == []
        assert contract.object_problems("Page", project(fake.pages[TOKEN], everything, "Page"), "p") == []
