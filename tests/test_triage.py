"""Triage: what hurts most if left goes first within the same due window, and why."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from socialinbox.domain import Contact, Conversation, Platform, Status, Visibility
from socialinbox.triage import Triage, TriageCache, TriageInput, format_followers, triage_input, triage_sort_key

PUBLIC, PRIVATE = Visibility.PUBLIC, Visibility.PRIVATE


@pytest.fixture(scope="module")
def triage() -> Triage:
    return Triage()  # builds VADER's lexicon once for the whole file


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 followers"),
        (1, "1 follower"),
        (850, "850 followers"),
        (999, "999 followers"),
        (1_000, "1k followers"),
        (1_250, "1.2k followers"),
        (12_345, "12k followers"),
        (999_999, "999k followers"),
        (1_000_000, "1M followers"),
        (1_290_000, "1.2M followers"),
        (15_000_000, "15M followers"),
        (2_100_000_000, "2.1B followers"),
    ],
)
def test_follower_counts_read_like_the_platforms_show_them(count: int, text: str) -> None:
    assert format_followers(count) == text


def test_sentiment_is_vader_compound(triage: Triage) -> None:
    assert triage.sentiment("I love this shop, thank you so much!") > 0.5
    assert triage.sentiment("This is the worst, I am furious") < -0.5
    assert triage.sentiment("") == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "My order never arrived",
        "I want a refund",
        "The lamp came broken",
        "Parcel is late again",
        "So disappointed with the quality",
        "Worst customer service ever",
        "Still waiting for an answer",
        "You sent the wrong size",
        "I hate how this turned out",  # no complaint word, but plainly negative
    ],
)
def test_complaints_are_recognised(triage: Triage, text: str) -> None:
    assert triage.is_complaint(text)


@pytest.mark.parametrize(
    "text", ["Do you ship to Austria?", "Love the new collection!", "What time do you open tomorrow?", "Chocolate"]
)
def test_questions_and_praise_are_not_complaints(triage: Triage, text: str) -> None:
    assert not triage.is_complaint(text)


def test_reasons_say_why_an_item_is_high(triage: Triage) -> None:
    priority = triage.priority(TriageInput("This is awful, I am so angry and disappointed", PUBLIC, 12_400))
    assert priority.reasons == ("complaint", "very negative", "public", "12k followers")
    assert priority.summary == "complaint, very negative, public, 12k followers"
    assert priority.complaint


def test_mildly_negative_without_complaint_words_reads_negative(triage: Triage) -> None:
    priority = triage.priority(TriageInput("Not happy about this", PRIVATE))
    assert priority.reasons == ("negative",)


def test_small_or_unknown_followings_are_not_named(triage: Triage) -> None:
    assert triage.priority(TriageInput("Do you have it in blue?", PUBLIC, 850)).reasons == ("public",)
    assert triage.priority(TriageInput("Do you have it in blue?", PRIVATE, None)).reasons == ()
    assert Triage(notable_followers=500).priority(TriageInput("Hi", PRIVATE, 850)).reasons == ("850 followers",)


def test_order_is_complaint_then_public_then_following(triage: Triage) -> None:
    items = {
        "private question, huge following": TriageInput("Do you ship to Spain?", PRIVATE, 2_000_000),
        "public question, small following": TriageInput("Do you ship to Spain?", PUBLIC, 40),
        "public question, big following": TriageInput("Do you ship to Spain?", PUBLIC, 90_000),
        "private complaint": TriageInput("My order never arrived", PRIVATE, None),
        "public complaint": TriageInput("My order never arrived", PUBLIC, 10),
        "public complaint, big following": TriageInput("My order never arrived", PUBLIC, 50_000),
    }
    ordered = sorted(items, key=lambda name: -triage.priority(items[name]).score)
    assert ordered == [
        "public complaint, big following",
        "public complaint",
        "private complaint",
        "public question, big following",
        "public question, small following",
        "private question, huge following",
    ]


def test_triage_reorders_only_within_the_same_due_window(triage: Triage) -> None:
    base = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    calm = triage.priority(TriageInput("Do you have gift cards?", PRIVATE))
    angry = triage.priority(TriageInput("Worst service, I want a refund", PUBLIC))
    rows = [
        ("calm, due 09:01", base + timedelta(minutes=1), calm),
        ("angry, due 09:10", base + timedelta(minutes=10), angry),
        ("angry, due 09:40", base + timedelta(minutes=40), angry),
        ("calm, due 09:20", base + timedelta(minutes=20), calm),
    ]
    ordered = [name for name, due, priority in sorted(rows, key=lambda row: triage_sort_key(row[1], row[2]))]
    assert ordered == ["angry, due 09:10", "calm, due 09:01", "calm, due 09:20", "angry, due 09:40"]


class _CountingAnalyzer:
    """A stand-in for VADER that counts how often it is asked."""

    def __init__(self) -> None:
        self.calls = 0

    def polarity_scores(self, text: str) -> dict[str, float]:
        self.calls += 1
        return {"compound": -0.6 if "late" in text else 0.3}


def _conversation(cid: int, preview: str, at: datetime, followers: int | None = None) -> Conversation:
    contact = Contact(cid, 1, f"u{cid}", f"@u{cid}", "", followers)
    return Conversation(cid, 1, Platform.MASTODON, contact, Visibility.PUBLIC, Status.NEEDS_REPLY, at, preview, at)


def test_triage_cache_scores_each_version_of_a_conversation_once() -> None:
    analyzer = _CountingAnalyzer()
    cache = TriageCache(Triage(analyzer))  # type: ignore[arg-type]
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    first = _conversation(1, "My order is late", now, followers=12_000)
    for _ in range(5):
        priority = cache.priority(first)
    assert analyzer.calls == 1
    assert priority.summary == "complaint, very negative, public, 12k followers"
    cache.priority(dataclasses.replace(first, last_message_at=now + timedelta(minutes=1), preview="thanks!"))
    assert analyzer.calls == 2 and len(cache) == 2


def test_triage_cache_forgets_the_oldest_beyond_its_size() -> None:
    cache = TriageCache(Triage(_CountingAnalyzer()), size=2)  # type: ignore[arg-type]
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    cache.warm(_conversation(n, "hi", now) for n in range(5))
    assert len(cache) == 2


def test_the_shops_own_words_read_as_neutral() -> None:
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert triage_input(_conversation(1, "You: so sorry, terrible day", now)).text == ""
