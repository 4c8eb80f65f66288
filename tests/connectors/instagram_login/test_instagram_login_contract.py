"""The Instagram-Login connector's requests and the fake's answers against Meta's Graph API specs
(``../shared/specs/meta``), where those specs describe them.

The specs (facebook-business-sdk's) describe the Instagram nodes both ways in share: ``IGUser/media``,
``IGMedia/comments``, ``IGComment`` and ``IGComment/replies``. They do not describe what only ``graph.instagram.com``
has: ``/me``'s ``user_id`` field, ``/me/conversations``, ``/me/messages`` and ``/refresh_access_token``; those are
checked against Meta's documentation by the fake (``fake_instagram_login``) and, for the conversations' answer,
against the spec's ``UnifiedThread``, the type Graph's Conversations API answers with through a Page.
"""

from __future__ import annotations

from datetime import timedelta

from socialinbox.connectors.instagram_login import build_instagram_login
from socialinbox.domain import OutgoingReply, Visibility
from tests.conftest import FakeClock
from tests.connectors.fake_instagram_login import (
    CUSTOMER,
    IG_USER_ID,
    UNCOVERED,
    USERNAME,
    FakeInstagramLogin,
    covered,
    pasted,
)
from tests.meta_contract import MetaContract


def test_every_request_of_a_full_session_is_in_the_spec_where_the_spec_knows_it(client, clock: FakeClock) -> None:
    contract = MetaContract.load()
    with FakeInstagramLogin(now=clock.now) as fake:
        settings = {"ig_user_id": IG_USER_ID, "username": USERNAME, "api_base": fake.api_base}
        instagram = build_instagram_login(settings, clock)
        blob = pasted(clock.now())
        instagram.verify(client, blob)
        media = fake.post(at=clock.now() - timedelta(days=1))
        fake.customer_dms(CUSTOMER, "Open Sunday?")
        question = fake.comment(media, "Rye?")
        fake.comment(question, "Yes!", who=(IG_USER_ID, USERNAME))
        cursor = instagram.poll(client, blob, None).cursor
        clock.advance(hours=25)
        fake.comment(media, "More?")
        instagram.poll(client, blob, cursor)  # renews the token first
        public = OutgoingReply(1, "k1", "Yes", Visibility.PUBLIC, question, question, None)
        private = OutgoingReply(2, "k2", "Yes", Visibility.PRIVATE, f"dm:{CUSTOMER}", None, None, question)
        instagram.send(client, blob, public)
        instagram.send(client, blob, private)  # a private reply to the comment: the window has closed
        instagram.find_sent(client, blob, public)
        instagram.original_exists(client, blob, question)
    routes = {(e.method, e.node, e.edge) for e in fake.traffic}
    assert routes == UNCOVERED | {
        ("GET", "IGUser", "media"),
        ("GET", "IGMedia", "comments"),
        ("GET", "IGComment", None),
        ("GET", "IGComment", "replies"),
        ("POST", "IGComment", "replies"),
    }
    contract.assert_traffic_matches(covered(fake.traffic))
    for exchange in fake.requests_to("GET conversations"):
        assert contract.list_problems("UnifiedThread", exchange.body, "conversations") == []


def test_what_the_spec_does_not_know_is_named_not_passed_over() -> None:
    contract = MetaContract.load()
    assert contract.request_problems("IGUser", "GET", None, {"fields": "user_id,username"}) == [
        "GET IGUser/: IGUser has no field or edge 'user_id'"
    ]
    assert contract.request_problems("IGUser", "GET", "conversations", {"platform": "instagram"}) == [
        "GET IGUser/conversations: the spec has no such endpoint"
    ]
    assert contract.request_problems("IGUser", "POST", "messages", {}) == [
        "POST IGUser/messages: the spec has no such endpoint"
    ]
