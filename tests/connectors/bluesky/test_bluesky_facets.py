"""Bluesky rich text: facets out with UTF-8 byte offsets, facets in as plain text plus links; hostile input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from socialinbox.connectors.bluesky_facets import build_facets, facet_summary, facets_to_text, names_target
from socialinbox.connectors.bluesky_posts import post_message

FIXTURES = Path(__file__).parent.parent / "fixtures" / "bluesky"
DIDS = {"ana.bsky.social": "did:plc:ana", "crumbandco.bsky.social": "did:plc:shop"}


def resolve(handle: str) -> str | None:
    return DIDS.get(handle)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_a_link_after_an_emoji_gets_byte_offsets_not_character_offsets() -> None:
    text = "Fresh 🥐 at https://crumb.example/menu today"
    (facet,) = build_facets(text, resolve)
    start = text.index("https")
    assert start == 11  # characters; the croissant is one character but four bytes
    assert facet["index"] == {"byteStart": 14, "byteEnd": 14 + len("https://crumb.example/menu")}
    assert facet["features"] == [{"$type": "app.bsky.richtext.facet#link", "uri": "https://crumb.example/menu"}]
    assert facet_summary([facet], text) == [("link", "https://crumb.example/menu")]


def test_mentions_links_and_tags_each_cover_exactly_their_text() -> None:
    text = "Hi @ana.bsky.social! 👨‍👩‍👧 Our menu: crumb.shop/today. (see https://x.example/a_(b)) #sourdough."
    facets = build_facets(text, resolve)
    assert facet_summary(facets, text) == [
        ("mention", "@ana.bsky.social"),
        ("link", "crumb.shop/today"),
        ("link", "https://x.example/a_(b)"),
        ("tag", "#sourdough"),
    ]
    assert facets[0]["features"][0]["did"] == "did:plc:ana"
    assert facets[1]["features"][0]["uri"] == "https://crumb.shop/today"  # bare domains are linked as https
    assert facets[3]["features"][0]["tag"] == "sourdough"


def test_a_handle_that_resolves_to_nobody_gets_no_mention_facet() -> None:
    text = "Ask @nobody.bsky.social or @ana.bsky.social"
    assert facet_summary(build_facets(text, resolve), text) == [("mention", "@ana.bsky.social")]


def test_e_mail_addresses_version_numbers_and_numbers_are_not_mentions_links_or_tags() -> None:
    assert build_facets("Write to orders@crumb.shop, v1.2 is fine, e.g. tomorrow #1", resolve) == []


def test_links_keep_their_visible_text_and_are_collected() -> None:
    record = fixture("notification_mention.json")["record"]
    rendered = facets_to_text(record["text"], record["facets"])
    # The app shortened the link; the text still shows it, and the full target is among the links.
    assert rendered.text == record["text"]
    assert rendered.links == ("https://example.com/menu/bread-of-the-day",)


@pytest.mark.parametrize(
    ("visible", "target", "names"),
    [
        ("example.com/menu/bre...", "https://example.com/menu/bread-of-the-day", True),
        ("https://www.example.com/", "https://example.com", True),
        ("bank.example", "https://bank.example.evil.test/", False),
        ("bank.example…", "https://bank.example.evil.test/", False),
        ("click here", "https://evil.test/", False),
    ],
)
def test_a_link_names_its_target_only_when_the_text_shows_the_whole_host(
    visible: str, target: str, names: bool
) -> None:
    assert names_target(visible, target) is names


def test_hostile_facets_cannot_hide_where_links_go_or_break_the_text() -> None:
    record = fixture("record_hostile.json")
    rendered = facets_to_text(record["text"], record["facets"])
    assert "click here (https://evil.test/phish)" in rendered.text
    assert "bank.example (https://bank.example.evil.test/)" in rendered.text
    assert "\u202e" not in rendered.text and "\x00" not in rendered.text  # bidi override and NUL removed
    assert "javascript:" not in rendered.text and all(link.startswith("https://") for link in rendered.links)
    # Facets whose offsets do not fit the text still give their (safe) link, without mangling the text.
    assert "https://out-of-range.test/" in rendered.links and "https://mid-character.test/" in rendered.links
    assert "https://evil.test/x" in rendered.links  # a plain URL typed without a facet


def test_a_post_with_a_naive_or_future_created_at_is_dated_by_the_server() -> None:
    view = {
        "uri": "at://did:plc:ana/app.bsky.feed.post/3kabc",
        "cid": "bafyreiexample",
        "author": {"did": "did:plc:ana", "handle": "ana.bsky.social"},
        "record": fixture("record_hostile.json"),
        "indexedAt": "2026-11-23T08:51:00.000Z",
    }
    naive = post_message(view, "did:plc:shop")
    assert naive.sent_at.isoformat() == "2026-11-23T08:50:00+00:00"  # naive means UTC, and it is the earlier
    view["record"] = {**view["record"], "createdAt": "2031-01-01T00:00:00Z"}
    assert post_message(view, "did:plc:shop").sent_at.isoformat() == "2026-11-23T08:51:00+00:00"


def test_garbage_facets_are_ignored() -> None:
    for facets in (None, "x", [1, None, {"index": "x"}, {"index": {}, "features": [{"$type": 3}]}]):
        assert facets_to_text("plain words", facets).text == "plain words"
