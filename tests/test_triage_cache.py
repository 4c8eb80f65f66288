"""The triage cache's bounds and sharing: which entries it forgets, and what identical priorities share (B5)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from socialinbox import triage as triage_module
from socialinbox.domain import Contact, Conversation, Platform, Status, Visibility
from socialinbox.triage import Triage, TriageCache, TriageInput

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


class CountingAnalyzer:
    """A stand-in for VADER that counts the texts it is asked about."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def polarity_scores(self, text: str) -> dict[str, float]:
        self.texts.append(text)
        return {"compound": -0.6 if "late" in text else 0.3}


def conversation(cid: int, preview: str = "hi", followers: int | None = None) -> Conversation:
    contact = Contact(cid, 1, f"u{cid}", f"@u{cid}", "", followers)
    return Conversation(cid, 1, Platform.MASTODON, contact, Visibility.PUBLIC, Status.NEEDS_REPLY, NOW, preview, NOW)


def test_the_cache_forgets_the_least_recently_used_not_the_first_stored() -> None:
    analyzer = CountingAnalyzer()
    cache = TriageCache(Triage(analyzer), size=2)  # type: ignore[arg-type]
    first, second, third = conversation(1, "one"), conversation(2, "two"), conversation(3, "three")
    cache.warm([first, second])
    cache.priority(first)  # used again: now the second is the least recently used

    cache.priority(third)
    cache.warm([first, third])  # both still known: nothing scored again
    cache.priority(second)  # forgotten: scored again

    assert analyzer.texts == ["one", "two", "three", "two"]
    assert len(cache) == 2


def test_the_cache_gives_back_the_same_priority_for_the_same_version() -> None:
    cache = TriageCache(Triage(CountingAnalyzer()), size=10)  # type: ignore[arg-type]
    late = conversation(1, "My order is late")

    assert cache.priority(late) is cache.priority(late)
    assert cache.priority(late).summary == "complaint, very negative, public"


def test_priorities_with_the_same_reasons_share_one_tuple() -> None:
    triage = Triage(CountingAnalyzer())  # type: ignore[arg-type]
    one = triage.priority(TriageInput("My parcel is late", Visibility.PUBLIC, 50))
    other = triage.priority(TriageInput("Still late, broken too", Visibility.PUBLIC, 7))
    famous = triage.priority(TriageInput("late again", Visibility.PUBLIC, 12_000))

    assert one.reasons == other.reasons == ("complaint", "very negative", "public")
    assert one.reasons is other.reasons
    assert famous.reasons == ("complaint", "very negative", "public", "12k followers")


def test_sharing_reasons_stops_at_its_bound_and_still_gives_the_right_reasons(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(triage_module, "MAX_SHARED_REASONS", 1)
    triage = Triage(CountingAnalyzer())  # type: ignore[arg-type]
    public = triage.priority(TriageInput("hello", Visibility.PUBLIC))
    private = [triage.priority(TriageInput("my order is late", Visibility.PRIVATE)) for _ in range(2)]

    assert public.reasons == ("public",)
    assert private[0].reasons == private[1].reasons == ("complaint", "very negative")
    assert private[0].reasons is not private[1].reasons  # the second list was not kept: the bound is reached
    assert triage.priority(TriageInput("hi", Visibility.PUBLIC)).reasons is public.reasons
