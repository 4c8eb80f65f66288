"""Reply templates: rendering, validation, the library and its JSON, the default set, search and suggestions."""

from __future__ import annotations

import json
import re

import pytest

from socialinbox.domain import Platform
from socialinbox.limits import count_graphemes
from socialinbox.templates import (
    Template,
    TemplateError,
    TemplateLibrary,
    free_fields,
    load_default_templates,
    render,
    search,
    suggest,
    validate,
)

CONTEXT = {
    "customer_name": "Anna",
    "customer_handle": "@anna@bakery.example",
    "shop_name": "Crumb & Co",
    "owner_name": "Sam",
    "channel": "Mastodon",
    "opening_hours": "Mon-Sat 8am-6pm, Sun 9am-1pm",
}


def make(name: str = "Hours", shortcut: str = "hours", body: str = "Open {opening_hours}", **kw: object) -> Template:
    return Template(name=name, shortcut=shortcut, body=body, **kw)  # type: ignore[arg-type]


# --- rendering ---------------------------------------------------------------------------------------


def test_render_fills_variables_and_free_fields() -> None:
    body = "Hi {customer_name}, order {field:order number} ships {field:day}. – {owner_name}, {shop_name}"
    text = render(body, CONTEXT, {"order number": "A-17", "day": "Friday"})
    assert text == "Hi Anna, order A-17 ships Friday. – Sam, Crumb & Co"


def test_render_accepts_a_template() -> None:
    assert render(make(), CONTEXT) == "Open Mon-Sat 8am-6pm, Sun 9am-1pm"


def test_double_braces_render_as_literal_braces() -> None:
    assert render("Use {{code}} or {{ {customer_name} }}", CONTEXT) == "Use {code} or { Anna }"


def test_field_names_tolerate_spaces_and_extra_whitespace() -> None:
    assert render("{ field: order  number }", {}, {"order number": "42"}) == "42"


def test_render_lists_every_unknown_variable_and_unfilled_field_at_once() -> None:
    body = "Hi {customer}, {field:time} and {field:price}, {opening_hour}, {customer_name}"
    with pytest.raises(TemplateError) as caught:
        render(body, {"customer_name": "Anna"}, {"time": "3pm"})
    error = caught.value
    assert error.unknown_variables == ("customer", "opening_hour")
    assert error.unfilled_fields == ("price",)
    assert "{customer}" in str(error)
    assert "{opening_hour}" in str(error)
    assert "price" in str(error)


def test_render_reports_a_known_variable_the_shop_has_not_set() -> None:
    with pytest.raises(TemplateError) as caught:
        render("We're open {opening_hours}", {"customer_name": "Anna"})
    assert caught.value.missing_values == ("opening_hours",)


def test_a_blank_value_counts_as_unfilled() -> None:
    with pytest.raises(TemplateError) as caught:
        render("Hi {customer_name}, ready by {field:time}", {"customer_name": "  "}, {"time": ""})
    assert caught.value.missing_values == ("customer_name",)
    assert caught.value.unfilled_fields == ("time",)


def test_a_field_used_twice_is_reported_once() -> None:
    with pytest.raises(TemplateError) as caught:
        render("{field:time} ... {field:time}", {})
    assert caught.value.unfilled_fields == ("time",)


def test_render_refuses_a_body_with_unbalanced_braces() -> None:
    with pytest.raises(TemplateError, match="never closed"):
        render("Hi {customer_name", CONTEXT)


@pytest.mark.parametrize(
    "body",
    ["{customer}", "{ }", "{field:}", "Hi {customer_name", "Hi customer_name}", "{{{customer}}}", "{a{b}}"],
)
def test_render_never_returns_a_literal_placeholder(body: str) -> None:
    with pytest.raises(TemplateError):
        render(body, CONTEXT, {"a": "x"})


# --- validation for the editor ----------------------------------------------------------------------


def test_a_valid_body_has_no_problems() -> None:
    assert validate("Hi {customer_name}! Ready at {field:time}. {{braces}}") == []


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("Hi {customer_nme}", "did you mean {customer_name}"),
        ("Hi {zzz}", "unknown variable {zzz}"),
        ("Hi {customer_name", "never closed"),
        ("Hi customer_name}", "no opening brace"),
        ("Hi {}", "empty {}"),
        ("{field:}", "needs a name"),
    ],
)
def test_validate_explains_each_problem(body: str, fragment: str) -> None:
    problems = validate(body)
    assert len(problems) == 1
    assert fragment in problems[0]


def test_free_fields_are_listed_once_in_order() -> None:
    assert free_fields("{field:time} {customer_name} {field:item} {field:time}") == ["time", "item"]


# --- the template value -----------------------------------------------------------------------------


@pytest.mark.parametrize("shortcut", ["", "Hours", "two words", "/hours"])
def test_a_shortcut_is_one_lower_case_word(shortcut: str) -> None:
    with pytest.raises(TemplateError):
        make(shortcut=shortcut)


def test_a_template_needs_a_name() -> None:
    with pytest.raises(TemplateError):
        make(name="  ")


def test_a_channel_restriction_limits_where_a_template_is_offered() -> None:
    anywhere = make()
    mastodon_only = make(platforms=(Platform.MASTODON,))
    assert anywhere.allows(Platform.TELEGRAM)
    assert mastodon_only.allows(Platform.MASTODON)
    assert not mastodon_only.allows(Platform.TELEGRAM)


# --- the library ---------------------------------------------------------------------------------------


def test_library_finds_a_template_by_name_ignoring_case() -> None:
    library = TemplateLibrary([make()])
    assert library.get("hours").shortcut == "hours"
    assert "HOURS" in library
    assert library.by_shortcut("/hours") == library.get("Hours")


def test_library_rejects_a_second_template_with_the_same_name() -> None:
    library = TemplateLibrary([make()])
    with pytest.raises(TemplateError, match="already exists"):
        library.add(make(name=" hours ", shortcut="other"))


def test_library_rejects_a_second_template_with_the_same_shortcut() -> None:
    library = TemplateLibrary([make()])
    with pytest.raises(TemplateError, match="already used"):
        library.add(make(name="Other", shortcut="hours"))


def test_library_rejects_a_template_that_cannot_render() -> None:
    with pytest.raises(TemplateError, match="unknown variable"):
        TemplateLibrary().add(make(body="Hi {custmer}"))


def test_editing_renames_in_place_and_keeps_the_order() -> None:
    library = TemplateLibrary([make(), make(name="Thanks", shortcut="thanks", body="Thanks!")])
    library.edit("Hours", make(name="Opening hours", body="We're open {opening_hours}"))
    assert [t.name for t in library] == ["Opening hours", "Thanks"]
    assert "Hours" not in library


def test_editing_cannot_take_another_templates_name() -> None:
    library = TemplateLibrary([make(), make(name="Thanks", shortcut="thanks", body="Thanks!")])
    with pytest.raises(TemplateError):
        library.edit("Hours", make(name="Thanks"))
    assert library.get("Hours").body == "Open {opening_hours}"


def test_removing_a_template_forgets_it() -> None:
    library = TemplateLibrary([make()])
    removed = library.remove("hours")
    assert removed.name == "Hours"
    assert len(library) == 0
    with pytest.raises(KeyError):
        library.get("Hours")
    with pytest.raises(KeyError):
        library.remove("Hours")


# --- import and export ------------------------------------------------------------------------------


def test_json_export_round_trips_every_field() -> None:
    original = TemplateLibrary(
        [
            make(tags=("hours", "public"), platforms=(Platform.BLUESKY,), examples=("open sunday?",)),
            make(name="Holding", shortcut="holding", body="Back by {field:time}", holding=True),
        ]
    )
    copy = TemplateLibrary.from_json(original.to_json())
    assert list(copy) == list(original)
    assert json.loads(original.to_json())["version"] == 1


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ("{not json", "invalid JSON"),
        ("[]", "not a template file"),
        ('{"version": 1}', "not a template file"),
        ('{"version": 2, "templates": []}', "unsupported template file version 2"),
        ('{"version": 1, "templates": [42]}', "template #1: must be an object"),
        ('{"version": 1, "templates": [{"name": "A", "shortcut": "a"}]}', "'body' must be text"),
        ('{"version": 1, "templates": [{"name": "A", "shortcut": "a", "body": "x", "tags": "x"}]}', "'tags' must be"),
        ('{"version": 1, "templates": [{"name": "A", "shortcut": "a", "body": "x", "holding": "yes"}]}', "'holding'"),
        (
            '{"version": 1, "templates": [{"name": "A", "shortcut": "a", "body": "x", "platforms": ["myspace"]}]}',
            "unknown channel 'myspace'",
        ),
        ('{"version": 1, "templates": [{"name": "A", "shortcut": "a", "body": "{x}"}]}', "unknown variable {x}"),
    ],
)
def test_json_import_explains_bad_input(document: str, fragment: str) -> None:
    with pytest.raises(TemplateError) as caught:
        TemplateLibrary.from_json(document)
    assert fragment in str(caught.value)


def test_json_import_names_the_duplicate_template() -> None:
    entry = {"name": "A", "shortcut": "a", "body": "x"}
    document = json.dumps({"version": 1, "templates": [entry, entry | {"shortcut": "b"}]})
    with pytest.raises(TemplateError, match=r"template #2: a template named 'A' already exists"):
        TemplateLibrary.from_json(document)


# --- the default set ----------------------------------------------------------------------------------


def test_default_set_covers_what_a_small_shop_is_asked() -> None:
    shortcuts = {t.shortcut for t in load_default_templates()}
    expected = {"thanks", "sorry", "hours", "delivery", "order", "holding", "away", "price", "allergens"}
    assert expected <= shortcuts


def test_each_call_gives_a_fresh_default_library() -> None:
    first = load_default_templates()
    first.remove("Opening hours")
    assert "Opening hours" in load_default_templates()


def test_default_holding_replies_are_marked_as_such() -> None:
    library = load_default_templates()
    assert library.by_shortcut("holding").holding  # type: ignore[union-attr]
    assert library.by_shortcut("away").holding  # type: ignore[union-attr]
    assert not library.by_shortcut("thanks").holding  # type: ignore[union-attr]


def test_default_public_templates_fit_a_bluesky_post_once_filled() -> None:
    for template in load_default_templates():
        if "public" not in template.tags:
            continue
        fields = {name: "a typical value here" for name in free_fields(template.body)}
        text = render(template, CONTEXT, fields)
        assert count_graphemes(text) <= 300, template.name


def test_default_templates_render_without_leftover_placeholders() -> None:
    for template in load_default_templates():
        fields = {name: "x" for name in free_fields(template.body)}
        assert not re.search(r"[{}]", render(template, CONTEXT, fields)), template.name


# --- the "/" picker --------------------------------------------------------------------------------------


def test_search_puts_the_exact_shortcut_first() -> None:
    results = search(load_default_templates(), "/order", None)
    assert results[0].shortcut == "order"
    assert results[1].shortcut == "order-dm"


@pytest.mark.parametrize(
    ("query", "first"),
    [("ho", "hours"), ("hrs", "hours"), ("Opening", "hours"), ("allerg", "allergens"), ("gluten", "allergens")],
)
def test_search_finds_by_prefix_subsequence_name_and_tags(query: str, first: str) -> None:
    assert search(load_default_templates(), query, None)[0].shortcut == first


def test_search_falls_back_to_words_in_the_body() -> None:
    results = search(load_default_templates(), "kitchen", None)
    assert [t.shortcut for t in results] == ["allergens"]


def test_search_respects_the_channel_restriction() -> None:
    library = TemplateLibrary([make(), make(name="Mastodon hours", shortcut="mhours", platforms=(Platform.MASTODON,))])
    assert [t.shortcut for t in search(library, "hours", Platform.TELEGRAM)] == ["hours"]
    assert [t.shortcut for t in search(library, "", Platform.MASTODON)] == ["hours", "mhours"]


def test_search_with_nothing_matching_finds_nothing() -> None:
    assert search(load_default_templates(), "qqqq", None) == []


# --- suggestions ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "first"),
    [
        ("what time do you open on sunday?", "hours"),
        ("are you open tomorrow morning?", "hours"),
        ("This is ridiculous, my cake arrived smashed and nobody answers my emails!!", "sorry"),
        ("Worst bakery ever. The bread was stale and the girl at the counter was rude.", "sorry"),
        ("do you deliver to Leeds?", "delivery"),
        ("does the lemon tart have gluten in it?", "allergens"),
        ("how much are the cupcakes?", "price"),
        ("where is my parcel??", "order"),
        ("you're the best, the wedding cake was stunning, thank you!", "thanks"),
    ],
)
def test_suggest_puts_the_fitting_template_first(message: str, first: str) -> None:
    assert suggest(load_default_templates(), message, None)[0].shortcut == first


def test_suggest_learns_from_past_uses() -> None:
    library = load_default_templates()
    library.add(make(name="Parking", shortcut="parking", body="There's free parking behind the shop."))
    message = "is there somewhere to leave the car?"
    assert "parking" not in [t.shortcut for t in suggest(library, message, None)]
    past = {"Parking": ["where can I leave my car nearby?"]}
    assert suggest(library, message, None, past)[0].shortcut == "parking"


def test_suggest_respects_limit_and_channel() -> None:
    library = TemplateLibrary(
        [make(), make(name="Sunday hours", shortcut="sunday", body="Sunday we open late", platforms=(Platform.X,))]
    )
    message = "when do you open on sunday"
    assert [t.shortcut for t in suggest(library, message, Platform.X)] == ["sunday", "hours"]
    assert [t.shortcut for t in suggest(library, message, Platform.MASTODON)] == ["hours"]
    assert len(suggest(load_default_templates(), "order cake delivery price", None, limit=2)) == 2


def test_suggest_offers_nothing_for_an_empty_message() -> None:
    assert suggest(load_default_templates(), "  ", None) == []
    assert suggest(load_default_templates(), "?!", None) == []
