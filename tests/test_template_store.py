"""The owner's template library on disk: seeded from the defaults, private, atomic, learning from past uses."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from socialinbox.template_store import MAX_USES_PER_TEMPLATE, TemplateStore
from socialinbox.templates import Template, TemplateError, TemplateLibrary, load_default_templates


@pytest.fixture
def store(tmp_path: Path) -> TemplateStore:
    return TemplateStore.in_folder(tmp_path / "config")


def test_first_use_seeds_the_defaults_into_a_private_versioned_file(store: TemplateStore) -> None:
    assert [t.name for t in store.load()] == [t.name for t in load_default_templates()]
    document = json.loads(store.path.read_text(encoding="utf-8"))
    assert document["version"] == 1 and document["uses"] == {}
    if os.name == "posix":
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_added_edited_and_removed_templates_survive_a_new_store(store: TemplateStore) -> None:
    store.add(Template("Parking", "parking", "Free parking behind the shop, {customer_name}."))
    store.edit("Opening hours", Template("Hours", "hours", "We're open {opening_hours}."))
    store.remove("Away reply")
    again = TemplateStore(store.path).load()
    assert "Parking" in again and "Hours" in again
    assert "Opening hours" not in again and "Away reply" not in again
    assert [t.name for t in again].index("Hours") == [t.name for t in load_default_templates()].index("Opening hours")


def test_an_invalid_or_clashing_template_is_refused_and_nothing_is_written(store: TemplateStore) -> None:
    store.load()
    before = store.path.read_text(encoding="utf-8")
    with pytest.raises(TemplateError, match="unknown variable"):
        store.add(Template("Bad", "bad", "Hi {custmer}"))
    with pytest.raises(TemplateError, match="already used"):
        store.add(Template("Other hours", "hours", "Open {opening_hours}"))
    assert store.path.read_text(encoding="utf-8") == before


def test_past_uses_are_kept_capped_and_follow_a_rename(store: TemplateStore) -> None:
    for n in range(MAX_USES_PER_TEMPLATE + 5):
        store.record_use(["Opening hours"], f"are you open on day {n}?")
    store.record_use(["Opening hours", "Not a template"], "  are   you open\non sunday? ")
    uses = store.past_uses()
    assert len(uses["Opening hours"]) == MAX_USES_PER_TEMPLATE
    assert uses["Opening hours"][-1] == "are you open on sunday?"
    assert "Not a template" not in uses
    store.edit("Opening hours", Template("When we're open", "hours", "We're open {opening_hours}."))
    assert store.past_uses()["When we're open"][-1] == "are you open on sunday?"


def test_export_leaves_customers_words_behind_and_imports_elsewhere(store: TemplateStore, tmp_path: Path) -> None:
    store.record_use(["Opening hours"], "a customer's private words")
    exported = store.export_json()
    assert "private words" not in exported
    other = TemplateStore(tmp_path / "other" / "templates.json")
    other.save(TemplateLibrary())
    summary = other.import_json(exported)
    assert len(summary.added) == len(load_default_templates()) and summary.replaced == ()
    assert [t.name for t in other.load()] == [t.name for t in store.load()]


def test_importing_names_already_there_needs_replace(store: TemplateStore) -> None:
    library = TemplateLibrary([Template("Opening hours", "open", "Open {opening_hours}, see you!")])
    with pytest.raises(TemplateError, match="already in your library: 'Opening hours'"):
        store.import_json(library.to_json())
    assert store.load().get("Opening hours").shortcut == "hours"
    summary = store.import_json(library.to_json(), replace=True)
    assert summary.replaced == ("Opening hours",)
    assert store.load().get("Opening hours").shortcut == "open"


def test_a_damaged_file_is_set_aside_and_the_defaults_return(store: TemplateStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json", encoding="utf-8")
    assert len(store.load()) == len(load_default_templates())
    assert store.path.with_suffix(".damaged.json").read_text(encoding="utf-8") == "{not json"


def test_a_hand_edited_file_with_a_bad_template_is_set_aside_not_half_loaded(store: TemplateStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text(json.dumps({"version": 1, "templates": [{"name": "x", "shortcut": "X!", "body": "hi"}]}))
    assert "Opening hours" in store.load()
    assert store.path.with_suffix(".damaged.json").exists()
