"""Triage priorities kept between runs: the next start uses them for unchanged conversations without scoring, and
anything unreadable, malformed or from other rules is ignored (the conversations are scored again)."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest

from socialinbox.triage import TRIAGE_RULES_VERSION, Triage, TriageCache
from socialinbox.triage_file import KEPT, load_priorities, save_priorities
from tests.test_triage_cache import CountingAnalyzer, conversation


def _scored_cache(*conversations: object) -> TriageCache:
    cache = TriageCache(Triage(CountingAnalyzer()))
    cache.warm(conversations)  # type: ignore[arg-type]
    return cache


def test_the_next_start_uses_the_kept_priorities_without_scoring(tmp_path: Path) -> None:
    late, kind = conversation(1, "My order is late", followers=12_000), conversation(2, "Lovely bread!")
    save_priorities(tmp_path / "kept.json", _scored_cache(late, kind))
    analyzer = CountingAnalyzer()
    next_start = TriageCache(Triage(analyzer))

    load_priorities(tmp_path / "kept.json", next_start)

    assert next_start.priority(late) == _scored_cache(late).priority(late)
    assert next_start.priority(late).summary == "complaint, very negative, public, 12k followers"
    assert next_start.priority(kind).summary == "public"
    assert analyzer.texts == []


def test_a_conversation_changed_since_is_scored_again(tmp_path: Path) -> None:
    waiting = conversation(1, "Lovely bread!")
    save_priorities(tmp_path / "kept.json", _scored_cache(waiting))
    analyzer = CountingAnalyzer()
    next_start = TriageCache(Triage(analyzer))
    load_priorities(tmp_path / "kept.json", next_start)
    newer = dataclasses.replace(waiting, preview="Still late!", last_message_at=waiting.last_message_at + timedelta(1))

    assert next_start.priority(newer).summary == "complaint, very negative, public"
    assert analyzer.texts == ["Still late!"]


def test_only_the_most_recently_used_are_kept(tmp_path: Path) -> None:
    many = [conversation(n) for n in range(KEPT + 5)]
    save_priorities(tmp_path / "kept.json", _scored_cache(*many))
    kept = json.loads((tmp_path / "kept.json").read_text(encoding="utf-8"))["priorities"]

    assert [entry[0] for entry in kept] == list(range(5, KEPT + 5))


@pytest.mark.parametrize(
    "content",
    [
        "",
        "{not json",
        "[]",
        '{"rules": 0, "priorities": []}',
        json.dumps({"rules": TRIAGE_RULES_VERSION + 1, "priorities": []}),  # a newer version's rules
        json.dumps({"rules": TRIAGE_RULES_VERSION, "priorities": {"1": 2}}),
        "\x00\xff" * 10,
    ],
)
def test_an_unusable_file_is_ignored(tmp_path: Path, content: str) -> None:
    (tmp_path / "kept.json").write_text(content, encoding="utf-8", errors="surrogateescape")
    analyzer = CountingAnalyzer()
    cache = TriageCache(Triage(analyzer))

    load_priorities(tmp_path / "kept.json", cache)
    cache.priority(conversation(1, "hello"))

    assert analyzer.texts == ["hello"]


def test_malformed_entries_are_skipped_and_the_good_ones_used(tmp_path: Path) -> None:
    good, other = conversation(1, "Lovely bread!"), conversation(2, "Nice")
    save_priorities(tmp_path / "kept.json", _scored_cache(good))
    document = json.loads((tmp_path / "kept.json").read_text(encoding="utf-8"))
    (stored,) = document["priorities"]
    document["priorities"] += [
        [2, stored[1], "high", [], 0.1, False],  # a score that is not a number
        [2, stored[1], 1.0, ["x", 3], 0.1, False],
        [2, stored[1], 1.0, [], 0.1, "yes"],
        [True, stored[1], 1.0, [], 0.1, False],
        [2, stored[1]],
        "junk",
    ]
    (tmp_path / "kept.json").write_text(json.dumps(document), encoding="utf-8")
    analyzer = CountingAnalyzer()
    cache = TriageCache(Triage(analyzer))

    load_priorities(tmp_path / "kept.json", cache)

    assert cache.priority(good).summary == "public"
    cache.priority(other)
    assert analyzer.texts == ["Nice"]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_file_is_owner_only_and_a_missing_folder_or_file_is_no_error(tmp_path: Path) -> None:
    cache = _scored_cache(conversation(1))
    load_priorities(tmp_path / "none.json", cache)  # the first start
    save_priorities(tmp_path / "new" / "kept.json", cache)

    assert (tmp_path / "new" / "kept.json").stat().st_mode & 0o777 == 0o600


def test_a_disk_that_refuses_the_file_loses_nothing_but_the_shortcut(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    save_priorities(blocker / "kept.json", _scored_cache(conversation(1)))  # its folder cannot be made

    assert not (blocker / "kept.json").exists()
