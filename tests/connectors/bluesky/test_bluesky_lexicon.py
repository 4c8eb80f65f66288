"""The lexicon validator itself: it must pass what the real network sends and catch what it would refuse.

Skipped, saying why, where ../shared/specs/bluesky/lexicons is absent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.lexicon_contract import ContractViolation, LexiconContract

FIXTURES = Path(__file__).parent.parent / "fixtures" / "bluesky"
PDS = "https://pds.example"


@pytest.fixture(scope="module")
def lexicons() -> LexiconContract:
    return LexiconContract.load()


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def post_record(**changes: Any) -> dict[str, Any]:
    return {"$type": "app.bsky.feed.post", "text": "Thanks!", "createdAt": "2026-11-23T09:00:00.000Z", **changes}


def create_record(record: dict[str, Any]) -> httpx.Request:
    body = {"repo": "did:plc:shop", "collection": "app.bsky.feed.post", "record": record}
    return httpx.Request("POST", f"{PDS}/xrpc/com.atproto.repo.createRecord", json=body)


def test_a_real_shaped_notification_answer_is_valid(lexicons: LexiconContract) -> None:
    answer = {"notifications": [fixture("notification_mention.json")], "cursor": "x", "seenAt": "2026-11-23T08:00:00Z"}
    lexicons.check_response("app.bsky.notification.listNotifications", 200, answer)


def test_the_records_inside_a_notification_are_checked_against_their_own_lexicon(lexicons: LexiconContract) -> None:
    item = fixture("notification_mention.json")
    item["record"]["text"] = "x" * 301
    with pytest.raises(ContractViolation, match="maxGraphemes"):
        lexicons.check_response("app.bsky.notification.listNotifications", 200, {"notifications": [item]})


def test_a_reply_post_with_mention_and_link_facets_is_valid(lexicons: LexiconContract) -> None:
    ref = {"uri": "at://did:plc:ana/app.bsky.feed.post/3kabc", "cid": "bafyreiabcdefgh"}
    mention = {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:ana"}
    link = {"$type": "app.bsky.richtext.facet#link", "uri": "https://a.example"}
    facets = [
        {"index": {"byteStart": 0, "byteEnd": 4}, "features": [mention]},
        {"index": {"byteStart": 5, "byteEnd": 9}, "features": [link]},
    ]
    assert lexicons.check_request(create_record(post_record(reply={"root": ref, "parent": ref}, facets=facets)))


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (post_record(text="🥐" * 301), "maxGraphemes"),
        (post_record(createdAt="2026-11-23T09:00:00"), "datetime"),
        (post_record(reply={"root": {"uri": "at://did:plc:a/app.bsky.feed.post/3k"}}), "required field 'cid'"),
        (post_record(facets=[{"index": {"byteStart": -1, "byteEnd": 2}, "features": []}]), "outside"),
        (
            post_record(facets=[{"index": {"byteStart": 0, "byteEnd": 2}, "features": [{"uri": "x"}]}]),
            r"needs a \$type",
        ),
        (post_record(mood="happy"), "not in the lexicon"),
        (post_record(text=3), "expected a string"),
    ],
)
def test_invalid_posts_are_caught(lexicons: LexiconContract, record: dict[str, Any], problem: str) -> None:
    with pytest.raises(ContractViolation, match=problem):
        lexicons.check_request(create_record(record))


def test_query_parameters_are_checked_for_name_type_and_repetition(lexicons: LexiconContract) -> None:
    good = httpx.Request(
        "GET", f"{PDS}/xrpc/app.bsky.notification.listNotifications?reasons=mention&reasons=reply&limit=100"
    )
    assert lexicons.check_request(good) == "app.bsky.notification.listNotifications"
    for query, problem in (("limit=500", "outside"), ("limit=ten", "integer"), ("since=1", "not declared")):
        request = httpx.Request("GET", f"{PDS}/xrpc/app.bsky.notification.listNotifications?{query}")
        with pytest.raises(ContractViolation, match=problem):
            lexicons.check_request(request)
    with pytest.raises(ContractViolation, match="required parameter 'convoId'"):
        lexicons.check_request(httpx.Request("GET", f"{PDS}/xrpc/chat.bsky.convo.getMessages"))


def test_wrong_http_methods_and_unknown_methods_are_caught(lexicons: LexiconContract) -> None:
    with pytest.raises(ContractViolation, match="takes POST"):
        lexicons.check_request(httpx.Request("GET", f"{PDS}/xrpc/com.atproto.server.createSession"))
    with pytest.raises(ContractViolation, match="does not exist"):
        lexicons.check_request(httpx.Request("GET", f"{PDS}/xrpc/app.bsky.notification.listEverything"))


def test_error_answers_must_use_a_declared_or_generic_name(lexicons: LexiconContract) -> None:
    lexicons.check_response("com.atproto.server.refreshSession", 400, {"error": "ExpiredToken", "message": "m"})
    lexicons.check_response("chat.bsky.convo.sendMessage", 400, {"error": "ConvoLocked"})
    with pytest.raises(ContractViolation, match="neither declared"):
        lexicons.check_response("chat.bsky.convo.sendMessage", 400, {"error": "Nope"})
    with pytest.raises(ContractViolation, match="envelope"):
        lexicons.check_response("chat.bsky.convo.sendMessage", 500, "<html>")


def test_union_members_are_checked_by_their_type(lexicons: LexiconContract) -> None:
    message = {
        "$type": "chat.bsky.convo.defs#messageView",
        "id": "m",
        "rev": "1",
        "text": "hi",
        "sender": {"did": "did:plc:a"},
    }
    log = {"$type": "chat.bsky.convo.defs#logCreateMessage", "rev": "1", "convoId": "c", "message": message}
    with pytest.raises(ContractViolation, match="required field 'sentAt'"):
        lexicons.check_response("chat.bsky.convo.getLog", 200, {"logs": [log]})
