"""The Facebook connector's requests and the fake's answers against Meta's Graph API specs (``../shared/specs/meta``).

The connector tests check each test's traffic too when the specs are present; these tests make sure the contract
itself is exercised (and fails loudly) even when run alone, and skip with the reason where the specs are absent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from socialinbox.connectors.facebook import FacebookConnector, build_facebook
from socialinbox.connectors.http import make_client
from socialinbox.domain import OutgoingReply, Visibility
from tests.conftest import FakeClock
from tests.connectors.fake_facebook import PAGE_ID, PAGE_NAME, TOKEN, FakeGraph, project
from tests.meta_contract import MetaContract, parse_fields

CUSTOMER = "7712345678901234"


@pytest.fixture(scope="module")
def contract() -> MetaContract:
    return MetaContract.load()


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeGraph]:
    with FakeGraph(now=clock.now) as server:
        yield server


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with make_client() as shared:
        yield shared


@pytest.fixture
def facebook(fake: FakeGraph, clock: FakeClock) -> FacebookConnector:
    return build_facebook({"page_id": PAGE_ID, "api_base": fake.api_base}, clock)


def test_every_request_of_a_full_session_is_in_the_spec(contract, fake, client, facebook, clock) -> None:
    post = fake.post(at=clock.now() - timedelta(days=1))
    question = fake.comment(post, "Rye?")
    fake.comment(question, "Yes!", who=(PAGE_ID, PAGE_NAME))
    fake.customer_writes(CUSTOMER, "Open Sunday?")
    facebook.verify(client, TOKEN)
    cursor = facebook.poll(client, TOKEN, None).cursor
    clock.advance(minutes=1)
    fake.comment(post, "More?")
    facebook.poll(client, TOKEN, cursor)
    public = OutgoingReply(1, "k1", "Yes", Visibility.PUBLIC, None, question, None)
    private = OutgoingReply(2, "k2", "Yes", Visibility.PRIVATE, f"messenger:{CUSTOMER}", None, None)
    facebook.send(client, TOKEN, public)
    facebook.send(client, TOKEN, private)
    facebook.find_sent(client, TOKEN, public)
    facebook.find_sent(client, TOKEN, private)
    facebook.original_exists(client, TOKEN, question)
    routes = {(e.method, e.node, e.edge) for e in fake.traffic}
    assert routes == {
        ("GET", "Page", None),
        ("GET", "Page", "feed"),
        ("GET", "PagePost", "comments"),
        ("GET", "Comment", "comments"),
        ("POST", "Comment", "comments"),
        ("GET", "Page", "conversations"),
        ("POST", "Page", "messages"),
        ("GET", "Comment", None),
    }
    contract.assert_traffic_matches(fake.traffic)


def test_the_contract_catches_unknown_endpoints_params_and_fields(contract) -> None:
    assert contract.request_problems("Page", "GET", "feed", {"fields": "id,message", "limit": "25"}) == []
    assert contract.request_problems("Page", "GET", "inbox", {}) == ["GET Page/inbox: the spec has no such endpoint"]
    assert contract.request_problems("Page", "GET", "feed", {"sort": "new"}) == [
        "GET Page/feed: unknown parameter 'sort'"
    ]
    assert contract.request_problems("Page", "POST", "messages", {"message": {}}) == [
        "POST Page/messages: required parameter 'recipient' missing"
    ]
    assert contract.request_problems("PagePost", "GET", "comments", {"fields": "id,from{id},parent{id,colour}"}) == [
        "GET PagePost/comments: Comment has no field or edge 'colour'"
    ]
    assert contract.object_problems("Comment", {"id": "1_2", "likes_total": 3}, "x") == [
        "x: Comment has no field 'likes_total'"
    ]
    assert contract.list_problems("UnifiedThread", {"data": [{"id": "t_1", "messages": {"data": []}}]}, "y") == []


def test_every_field_the_fake_can_return_is_declared(contract, fake, clock) -> None:
    post = fake.post()
    question = fake.comment(post, "hi")
    fake.comment(question, "hello", who=(PAGE_ID, PAGE_NAME))
    fake.customer_writes(CUSTOMER, "hey")
    everything = parse_fields(
        "id,message,created_time,updated_time,permalink_url,from,parent,is_hidden,participants,messages"
    )
    views = {
        "PagePost": fake._post_view(fake.posts[post]),
        "Comment": fake._comment_view(fake.comments[question]),
        "Page": fake.pages[TOKEN],
    }
    for kind, view in views.items():
        assert contract.object_problems(kind, project(view, everything, kind), kind) == []
        assert contract.object_problems("Post", project(views["PagePost"], everything, "Post"), "Post") == []
    threads = fake._conversation_list(PAGE_ID, {}, everything)
    assert contract.list_problems("UnifiedThread", threads, "conversations") == []


def test_field_expansion_parses_nested_selections_and_modifiers() -> None:
    (messages,) = parse_fields("messages.limit(20){id,from{id,name}}")
    assert (messages.name, messages.modifiers, [s.name for s in messages.nested]) == (
        "messages",
        ("limit(20)",),
        ["id", "from"],
    )
    with pytest.raises(ValueError, match="unbalanced"):
        parse_fields("from{id")
