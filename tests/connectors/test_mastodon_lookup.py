"""Mastodon: finding a reply an uncertain attempt may have posted, and telling a deleted status from a live one.

Responses are this project's own fixtures, shaped like Mastodon's status entities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from socialinbox.connectors.base import ChecksOriginals, FindsSentReplies
from socialinbox.connectors.mastodon import MastodonConnector
from socialinbox.domain import OutgoingReply, RemoteAuthor, Visibility

INSTANCE = "https://bakers.social"
SHOP = {"id": "900", "acct": "crumbandco", "username": "crumbandco"}
ANNA = RemoteAuthor("111", "anna@other.social", "Anna")


def status(status_id: str, account: dict[str, str], html: str, in_reply_to: str | None) -> dict[str, Any]:
    return {
        "id": status_id,
        "created_at": "2026-11-23T09:05:00.000Z",
        "in_reply_to_id": in_reply_to,
        "visibility": "public",
        "content": html,
        "url": f"{INSTANCE}/@{account['acct']}/{status_id}",
        "account": account,
    }


MENTION = (
    '<span class="h-card"><a href="https://other.social/@anna" class="u-url mention">@<span>anna</span></a></span>'
)
OUR_REPLY = status("501", SHOP, f"<p>{MENTION} We open at 8, see   you soon!</p>", "77")
SOMEONE_ELSE = status("502", {"id": "3", "acct": "bob"}, f"<p>{MENTION} We open at 8, see you soon!</p>", "77")
OTHER_TEXT = status("503", SHOP, f"<p>{MENTION} Something else</p>", "77")


def reply(in_reply_to: str | None = "77", visibility: Visibility = Visibility.PUBLIC) -> OutgoingReply:
    return OutgoingReply(1, "key-1", "We open at 8, see you soon!", visibility, None, in_reply_to, ANNA)


def connector(account_id: str | None = "900") -> MastodonConnector:
    return MastodonConnector(INSTANCE, handle="crumbandco@bakers.social", account_id=account_id)


def client(answer: Callable[[httpx.Request], httpx.Response], seen: list[httpx.Request]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_the_connector_offers_both_capabilities() -> None:
    assert isinstance(connector(), FindsSentReplies) and isinstance(connector(), ChecksOriginals)


def test_a_posted_reply_is_found_under_the_customers_status() -> None:
    seen: list[httpx.Request] = []
    descendants = [SOMEONE_ELSE, OTHER_TEXT, OUR_REPLY]
    http = client(lambda r: httpx.Response(200, json={"ancestors": [], "descendants": descendants}), seen)
    found = connector().find_sent(http, "tok", reply())
    assert found is not None and found.remote_id == "501" and found.url == f"{INSTANCE}/@crumbandco/501"
    assert seen[0].url.path == "/api/v1/statuses/77/context"
    assert seen[0].headers["Authorization"] == "Bearer tok"


def test_a_reply_that_never_arrived_is_not_found() -> None:
    seen: list[httpx.Request] = []
    http = client(
        lambda r: httpx.Response(200, json={"ancestors": [], "descendants": [SOMEONE_ELSE, OTHER_TEXT]}), seen
    )
    assert connector().find_sent(http, "tok", reply()) is None


def test_without_the_shops_account_id_the_handle_identifies_the_shop() -> None:
    http = client(lambda r: httpx.Response(200, json={"ancestors": [], "descendants": [OUR_REPLY]}), [])
    assert connector(account_id=None).find_sent(http, "tok", reply()) is not None


def test_a_direct_message_is_looked_for_among_the_shops_own_statuses() -> None:
    seen: list[httpx.Request] = []
    direct = dict(status("601", SHOP, f"<p>{MENTION} We open at 8, see you soon!</p>", None), visibility="direct")
    http = client(lambda r: httpx.Response(200, json=[OTHER_TEXT, direct]), seen)
    found = connector().find_sent(http, "tok", reply(None, Visibility.PRIVATE))
    assert found is not None and found.remote_id == "601"
    assert seen[0].url.path == "/api/v1/accounts/900/statuses"


def test_a_deleted_parent_means_the_reply_is_not_there() -> None:
    http = client(lambda r: httpx.Response(404, json={"error": "Record not found"}), [])
    assert connector().find_sent(http, "tok", reply()) is None


@pytest.mark.parametrize(("code", "exists"), [(200, True), (404, False), (410, False)])
def test_original_exists_reads_the_status(code: int, exists: bool) -> None:
    seen: list[httpx.Request] = []
    http = client(lambda r: httpx.Response(code, json=OUR_REPLY if code == 200 else {"error": "gone"}), seen)
    assert connector().original_exists(http, "tok", "77") is exists
    assert seen[0].url.path == "/api/v1/statuses/77"
