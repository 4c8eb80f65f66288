"""Drafts: templates filled from the conversation and settings, what still blocks a draft, the check's context."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from socialinbox.domain import Contact, Conversation, Direction, Message, Platform, Status, Visibility
from socialinbox.drafts import (
    Ask,
    asks_for,
    draft_problems,
    fill,
    first_name,
    fit_to_mood,
    join_draft,
    public_replies,
    review_context,
    template_context,
)
from socialinbox.private_case import private_thread_key, unavailable_reason
from socialinbox.settings import Settings
from socialinbox.templates import Template, load_default_templates
from tests.fakes import T0

SETTINGS = Settings(shop_name="Crumb & Co.", owner_name="Mia", opening_hours="Mon-Sat 8-18")


def conversation(
    platform: Platform = Platform.MASTODON,
    visibility: Visibility = Visibility.PUBLIC,
    name: str = "Anna Schmidt",
    handle: str = "anna@bakers.social",
) -> Conversation:
    contact = Contact(1, 1, "remote-anna", handle, name)
    return Conversation(1, 1, platform, contact, visibility, Status.NEEDS_REPLY, T0, "", T0)


def message(text: str, direction: Direction = Direction.INBOUND, visibility: Visibility = Visibility.PUBLIC) -> Message:
    return Message(1, 1, 1, "r", direction, "anna", "Anna", text, T0 + timedelta(minutes=1), visibility)


def test_context_fills_the_customer_and_the_shop() -> None:
    context = template_context(conversation(), SETTINGS)
    assert context == {
        "customer_name": "Anna",
        "customer_handle": "@anna@bakers.social",
        "shop_name": "Crumb & Co.",
        "owner_name": "Mia",
        "channel": "Mastodon",
        "opening_hours": "Mon-Sat 8-18",
    }


@pytest.mark.parametrize(
    ("display_name", "handle", "expected"),
    [("Anna Schmidt", "anna", "Anna"), ("", "@bob@mastodon.social", "bob"), ("🌻 Sophie", "s", "Sophie")],
)
def test_greeting_uses_the_first_name_or_the_bare_handle(display_name: str, handle: str, expected: str) -> None:
    assert first_name(display_name, handle) == expected


def test_a_template_asks_for_its_fields_and_for_missing_shop_details() -> None:
    template = Template(
        "Order", "order", "Hi {customer_name}, order {field:order number}: {field:status}. {owner_name}"
    )
    asks = asks_for(template, template_context(conversation(), dataclasses.replace(SETTINGS, owner_name="")))
    assert [a.key for a in asks] == ["field:order number", "field:status", "owner_name"]
    assert asks[2] == Ask("owner_name", "Your name", "Set it once in Preferences to skip this.")


def test_a_complete_template_asks_nothing() -> None:
    hours = load_default_templates().by_shortcut("hours")
    assert hours is not None
    assert asks_for(hours, template_context(conversation(), SETTINGS)) == []


def test_fill_uses_answers_and_leaves_what_is_unknown_as_placeholders() -> None:
    body = "Hi {customer_name}, your order {field:order  number} is {field:status}. – {owner_name} {{ok}}"
    filled = fill(body, {"customer_name": "Anna", "owner_name": ""}, {"field:order number": "#42"})
    assert filled == "Hi Anna, your order #42 is {field:status}. – {owner_name} {ok}"


def test_an_answer_fills_a_missing_variable() -> None:
    assert fill("Thanks! – {owner_name}", {"owner_name": ""}, {"owner_name": "Mia"}) == "Thanks! – Mia"


def test_every_placeholder_left_in_a_draft_is_a_problem_named_once() -> None:
    problems = draft_problems("Hi {customer_name}, {field:order number} {field:order number} {opening_hours} {custmer}")
    assert problems == [
        "No value for {customer_name}: type it in.",
        "Fill in the field 'order number'.",
        "No value for {opening_hours}: type it in, or set Opening hours in Preferences.",
        "Unknown variable {custmer}: remove it or write it out.",
    ]


@pytest.mark.parametrize("draft", ["Hi Anna!", "Use the code {} at checkout", "no: {1} or {:)} or { }", ""])
def test_a_draft_without_placeholders_has_no_problems(draft: str) -> None:
    assert draft_problems(draft) == []


@pytest.mark.parametrize(
    ("draft", "position", "expected", "cursor"),
    [
        ("", 0, "Thanks!", 7),
        ("Hi Anna.", 8, "Hi Anna. Thanks!", 16),
        ("Hi Anna.\n", 9, "Hi Anna.\nThanks!", 16),
        ("Hi.Bye", 3, "Hi. Thanks! Bye", 12),
    ],
)
def test_templates_combine_with_one_space_between(draft: str, position: int, expected: str, cursor: int) -> None:
    assert join_draft(draft, "Thanks!", position) == (expected, cursor)


def test_review_context_counts_public_replies_and_takes_the_last_customer_message() -> None:
    messages = [
        message("Where is my order?"),
        message("Checking!", Direction.OUTBOUND),
        message("Sent privately", Direction.OUTBOUND, Visibility.PRIVATE),
        message("Still nothing."),
        message("On its way", Direction.OUTBOUND),
    ]
    settings = dataclasses.replace(SETTINGS, public_contact_details="hello@crumb.example; 0161 496 0000\n1 Mill Lane")
    context = review_context(messages, complaint=True, settings=settings)
    assert context.customer_message == "Still nothing."
    assert context.public_replies_so_far == public_replies(messages) == 2
    assert context.complaint and context.shop_name == "Crumb & Co."
    assert context.own_details == ("hello@crumb.example", "0161 496 0000", "1 Mill Lane")


def test_a_complaint_is_offered_an_apology_first_and_never_thanks() -> None:
    library = load_default_templates()
    thanks, price = library.by_shortcut("thanks"), library.by_shortcut("price")
    assert thanks is not None and price is not None
    fitted = fit_to_mood([thanks, price], list(library), complaint=True)
    assert [t.shortcut for t in fitted] == ["sorry", "price"]
    assert fit_to_mood([thanks, price], list(library), complaint=False) == [thanks, price]


def test_only_public_conversations_on_channels_with_direct_messages_can_be_taken_private() -> None:
    assert private_thread_key(conversation(Platform.DEMO, handle="lucia")) == "dm:lucia"
    assert private_thread_key(conversation()) == "direct:remote-anna"
    assert unavailable_reason(conversation()) == ""
    assert (
        unavailable_reason(conversation(Platform.TELEGRAM, Visibility.PRIVATE))
        == "This conversation is already private."
    )
    assert "not supported" in unavailable_reason(conversation(Platform.GOOGLE_REVIEWS))  # reviews have no chat
    # Facebook: keyed by the commenter until the first message names their Messenger id (SentReply.thread_key)
    assert private_thread_key(conversation(Platform.FACEBOOK)) == "messenger-from-comment:remote-anna"
    for platform in (Platform.BLUESKY, Platform.INSTAGRAM, Platform.X):  # the connector's one-to-one chat
        assert private_thread_key(conversation(platform)) == "dm:remote-anna"
