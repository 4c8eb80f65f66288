"""The public-reply safety check: every finding with cases that trigger it and cases that must not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialinbox.templates import free_fields, load_default_templates, render
from socialinbox.tone import Code, Finding, ReviewContext, Severity, ToneChecker

PLAIN = ReviewContext(customer_message="Hi! Quick question about your shop.")
COMPLAINT = ReviewContext(customer_message="My cake arrived smashed and nobody answers my emails.", complaint=True)


@pytest.fixture(scope="module")
def checker() -> Iterator[ToneChecker]:
    yield ToneChecker()  # one lexicon load for the whole file, as the app does


def codes(findings: list[Finding]) -> list[Code]:
    return [f.code for f in findings]


def only(findings: list[Finding], code: Code) -> list[Finding]:
    return [f for f in findings if f.code is code]


# --- clean replies ---------------------------------------------------------------------------------------

POLITE = [
    "Thanks so much for the kind words, Anna! See you soon 😊",
    "Hi Sam! We're open 8am to 6pm on Sundays. Hope to see you soon!",
    "Happy to check that for you! Could you send us your order number in a direct message?",
    "Good question! The lemon tart contains eggs, wheat and dairy.",
    "We're open 9.00-17.00 every day, and on 24/12/2026 until noon.",
    "Our new menu is at https://crumb.example/menu/2026112301, have a look!",
    "Hi @anna@bakery.example.social, yes, we have vegan brownies today.",
]
POLITE_TO_COMPLAINTS = [
    "I'm so sorry your order arrived late, Sam. We'll send a replacement today.",
    "Oh no, I'm really sorry about the cake! Could you send us a direct message? We'll put it right today.",
    "Sorry to hear the parcel got lost. We will send a new one first thing tomorrow.",
    "We apologise for the wait. Please DM us and I'll sort out a refund straight away.",
]


@pytest.mark.parametrize("draft", POLITE)
def test_a_polite_reply_passes_clean(checker: ToneChecker, draft: str) -> None:
    assert checker.review(draft, public=True, context=PLAIN) == []


@pytest.mark.parametrize("draft", POLITE_TO_COMPLAINTS)
def test_a_warm_apology_with_a_next_step_passes_clean(checker: ToneChecker, draft: str) -> None:
    assert checker.review(draft, public=True, context=COMPLAINT) == []


def test_the_default_public_templates_pass_their_own_check(checker: ToneChecker) -> None:
    values = {"customer_name": "Anna", "owner_name": "Sam", "opening_hours": "Mon-Sat 8am-6pm", "shop_name": "Crumb"}
    for template in load_default_templates():
        if "private" in template.tags:
            continue
        fields = {name: "3pm" for name in free_fields(template.body)}
        context = COMPLAINT if "complaint" in template.tags else PLAIN
        assert checker.review(render(template, values, fields), public=True, context=context) == [], template.name


def test_a_private_reply_is_never_checked(checker: ToneChecker) -> None:
    awful = "ACTUALLY you should have read it!!! Your order #12345, mail anna@example.com. Not our fault."
    context = ReviewContext(customer_message="This is awful", complaint=True, public_replies_so_far=5)
    assert checker.review(awful, public=False, context=context) == []
    assert checker.review(awful, public=True, context=context) != []


def test_an_empty_draft_has_no_findings(checker: ToneChecker) -> None:
    assert checker.review("   ", public=True, context=COMPLAINT) == []


# --- defensive and argumentative phrasing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("draft", "phrase"),
    [
        ("Actually, we open at 9.", "Actually"),
        ("As we already said, we open at 9.", "As we already said"),
        ("As I said, we open at 9.", "As I said"),
        ("Like I said, we open at 9.", "Like I said"),
        ("You should have checked the label.", "You should have"),
        ("That's not our fault.", "not our fault"),
        ("That’s not our problem.", "not our problem"),  # curly apostrophe
        ("Please calm down.", "calm down"),
        ("Obviously the shop is closed on Sundays.", "Obviously"),
        ("Sure, because we love burning bread.", "Sure, because"),
        ("Yeah, right.", "Yeah, right"),
        ("Sorry you feel that way.", "Sorry you feel"),
        ("With all due respect, the cake was fine.", "With all due respect"),
    ],
)
def test_defensive_phrasing_is_flagged_where_it_stands(checker: ToneChecker, draft: str, phrase: str) -> None:
    findings = only(checker.review(draft, public=True, context=PLAIN), Code.DEFENSIVE)
    assert len(findings) == 1
    span = findings[0].span
    assert span is not None
    assert draft[span[0] : span[1]] == phrase
    assert findings[0].severity is Severity.WARNING


@pytest.mark.parametrize(
    "draft",
    [
        "The actual cake is bigger than in the photo.",
        "Sure! We can do that on Friday.",
        "We said yes to the wedding order, see you then.",
        "You should try the rye, it's lovely.",
        "Clearly labelled allergens are on every shelf.",
        "Relax in our garden with a coffee.",
    ],
)
def test_innocent_lookalikes_are_not_defensive(checker: ToneChecker, draft: str) -> None:
    assert Code.DEFENSIVE not in codes(checker.review(draft, public=True, context=PLAIN))


@pytest.mark.parametrize(
    ("draft", "fixed"),
    [
        ("Actually, we open at 9.", "We open at 9."),
        ("We actually open at 9.", "We open at 9."),
        ("We open at 9, actually.", "We open at 9."),
        ("Obviously we deliver.", "We deliver."),
    ],
)
def test_filler_defensive_words_have_a_one_click_removal(checker: ToneChecker, draft: str, fixed: str) -> None:
    (finding,) = only(checker.review(draft, public=True, context=PLAIN), Code.DEFENSIVE)
    assert finding.fix == fixed
    assert checker.review(fixed, public=True, context=PLAIN) == []


def test_blame_has_no_automatic_fix(checker: ToneChecker) -> None:
    (finding,) = only(checker.review("You should have read it.", public=True, context=PLAIN), Code.DEFENSIVE)
    assert finding.fix is None


# --- all caps ------------------------------------------------------------------------------------------------


def test_shouted_words_are_flagged_and_the_fix_lower_cases_them(checker: ToneChecker) -> None:
    draft = "WHY would we do that? We are NOT closed."
    findings = only(checker.review(draft, public=True, context=PLAIN), Code.ALL_CAPS)
    assert [draft[f.span[0] : f.span[1]] for f in findings if f.span] == ["WHY", "NOT"]
    assert findings[0].fix == "Why would we do that? We are not closed."
    assert checker.review(findings[0].fix, public=True, context=PLAIN) == []


@pytest.mark.parametrize(
    "draft",
    [
        "Send us a DM and we'll check the FAQ for you ASAP.",
        "OK, see you at 9!",
        "I'M happy to help.",  # short words in capitals are not shouting
        "Thanks for visiting CRUMB BAKERY today!",  # the shop's own name
        "We ship with UPS to the UK and the EU.",
    ],
)
def test_acronyms_short_words_and_the_shop_name_are_not_shouting(checker: ToneChecker, draft: str) -> None:
    context = ReviewContext(shop_name="Crumb Bakery")
    assert Code.ALL_CAPS not in codes(checker.review(draft, public=True, context=context))


# --- exclamation marks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draft", "fixed"),
    [
        ("We open at 9!! Come early.", "We open at 9! Come early."),
        ("Really?! We open at 9.", "Really? We open at 9."),
        ("We open at 9! Come by! Don't be late!", "We open at 9! Come by. Don't be late."),
    ],
)
def test_more_exclamation_than_warmth_is_flagged_with_a_calmer_fix(
    checker: ToneChecker, draft: str, fixed: str
) -> None:
    (finding,) = only(checker.review(draft, public=True, context=PLAIN), Code.EXCLAMATION)
    assert finding.severity is Severity.INFO
    assert finding.fix == fixed
    assert finding.span is not None
    assert "!" in draft[finding.span[0] : finding.span[1]]


@pytest.mark.parametrize(
    "draft",
    ["Thanks so much! See you soon!", "Hi Anna! Lovely to hear from you! Hope to see you soon!", "We open at 9!"],
)
def test_exclamation_backed_by_warmth_is_fine(checker: ToneChecker, draft: str) -> None:
    assert Code.EXCLAMATION not in codes(checker.review(draft, public=True, context=PLAIN))


# --- negative sentiment -----------------------------------------------------------------------------------------


def test_a_hostile_draft_reads_as_negative(checker: ToneChecker) -> None:
    findings = only(checker.review("Your complaint is stupid and wrong.", public=True, context=PLAIN), Code.NEGATIVE)
    assert len(findings) == 1
    assert findings[0].severity is Severity.WARNING


def test_an_apology_is_not_scored_as_negative(checker: ToneChecker) -> None:
    draft = "Oh no, so sorry, we really regret this. We'll fix it today."
    assert checker.sentiment(draft) <= checker.negative_threshold  # VADER alone would call this negative
    assert Code.NEGATIVE not in codes(checker.review(draft, public=True, context=PLAIN))


def test_a_negative_sounding_apology_is_only_a_hint(checker: ToneChecker) -> None:
    draft = "The cake arrived broken, that is awful and terrible. Sorry! We will bake a new one today."
    (finding,) = only(checker.review(draft, public=True, context=PLAIN), Code.NEGATIVE)
    assert finding.severity is Severity.INFO


def test_the_negative_threshold_belongs_to_the_checker() -> None:
    strict = ToneChecker(negative_threshold=0.0)
    assert Code.NEGATIVE in codes(strict.review("The oven broke.", public=True, context=PLAIN))
    lenient = ToneChecker(negative_threshold=-0.99)
    assert Code.NEGATIVE not in codes(lenient.review("The oven broke.", public=True, context=PLAIN))


# --- repeated public replies -----------------------------------------------------------------------------------


def test_a_third_public_reply_suggests_taking_it_private(checker: ToneChecker) -> None:
    context = ReviewContext(public_replies_so_far=2)
    (finding,) = only(checker.review("Thanks, Anna.", public=True, context=context), Code.THIRD_PUBLIC_REPLY)
    assert "third" in finding.message
    assert "private" in finding.message


@pytest.mark.parametrize("so_far", [0, 1])
def test_first_and_second_public_replies_are_fine(checker: ToneChecker, so_far: int) -> None:
    context = ReviewContext(public_replies_so_far=so_far)
    assert checker.review("Thanks, Anna.", public=True, context=context) == []


# --- personal data ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draft", "found", "kind"),
    [
        ("We emailed anna.b+shop@example.co.uk this morning.", "anna.b+shop@example.co.uk", "e-mail"),
        ("We'll call you on +44 161 496 0123 today.", "+44 161 496 0123", "phone"),
        ("We'll call you on (555) 123-4567 today.", "(555) 123-4567", "phone"),
        ("Your order #12345 is on its way.", "order #12345", "order"),
        ("Checked #48213 for you: it ships today.", "#48213", "order"),
        ("Checked order 12345 for you.", "order 12345", "order"),
        ("Order no. A-9876 ships today.", "Order no. A-9876", "order"),
        ("It goes to 12 Baker Street tomorrow.", "12 Baker Street", "street"),
        ("It goes to 221b Elm Rd tomorrow.", "221b Elm Rd", "street"),
        ("Wir liefern in die Hauptstraße 5 morgen.", "Hauptstraße 5", "street"),
    ],
)
def test_personal_data_in_public_is_flagged(checker: ToneChecker, draft: str, found: str, kind: str) -> None:
    (finding,) = only(checker.review(draft, public=True, context=PLAIN), Code.PERSONAL_DATA)
    assert finding.span is not None
    assert draft[finding.span[0] : finding.span[1]] == found
    assert kind in finding.message


@pytest.mark.parametrize(
    "draft",
    [
        "We're open 9.00-17.00 and on 2026-12-24 until noon.",
        "A dozen costs £12.50, or 3 for £4.",
        "Hi @anna@bakery.example.social, see you soon.",
        "The recipe is at https://crumb.example/recipes/1234567890 for you.",
        "We're the #1 bakery in town, thanks to you.",
        "We baked 1200 loaves this week.",
    ],
)
def test_times_prices_mentions_and_links_are_not_personal_data(checker: ToneChecker, draft: str) -> None:
    assert Code.PERSONAL_DATA not in codes(checker.review(draft, public=True, context=PLAIN))


def test_the_shops_own_contact_details_may_be_posted(checker: ToneChecker) -> None:
    context = ReviewContext(own_details=("hello@crumb.example", "0161 496 0999", "4 High Street, York"))
    draft = "Mail hello@crumb.example, call 0161-496-0999 or come to 4 High Street."
    assert checker.review(draft, public=True, context=context) == []
    assert Code.PERSONAL_DATA in codes(checker.review(draft, public=True, context=PLAIN))


@pytest.mark.parametrize(
    ("draft", "fixed"),
    [
        ("Please reply with your order number here.", "Please send us your order number by direct message."),
        ("Send us your address below and we'll check.", "Send us your address by direct message and we'll check."),
        ("Could you give us your phone number?", "Could you give us your phone number by direct message?"),
        ("Post your email in the comments.", "Send us your email by direct message."),
        ("Send us your address, we close at 6 pm.", "Send us your address by direct message, we close at 6 pm."),
    ],
)
def test_asking_for_personal_data_in_public_is_flagged_with_a_private_fix(
    checker: ToneChecker, draft: str, fixed: str
) -> None:
    (finding,) = only(checker.review(draft, public=True, context=PLAIN), Code.ASKS_PERSONAL_DATA)
    assert finding.fix == fixed
    assert checker.review(fixed, public=True, context=PLAIN) == []


@pytest.mark.parametrize(
    "draft",
    [
        "Could you send us your order number in a direct message?",
        "Please DM us your address and we'll check.",
        "Send us your phone number privately and we'll call.",
        "Could you e-mail us your order number?",
        "Send us a photo of the cake, please.",
    ],
)
def test_asking_by_direct_message_is_fine(checker: ToneChecker, draft: str) -> None:
    assert Code.ASKS_PERSONAL_DATA not in codes(checker.review(draft, public=True, context=PLAIN))


# --- replies to complaints ---------------------------------------------------------------------------------------


def test_a_complaint_reply_without_an_apology_is_flagged_with_a_fix(checker: ToneChecker) -> None:
    draft = "We'll send a new cake today."
    (finding,) = only(checker.review(draft, public=True, context=COMPLAINT), Code.NO_APOLOGY)
    assert finding.fix == "We're so sorry about this. We'll send a new cake today."
    assert checker.review(finding.fix, public=True, context=COMPLAINT) == []


def test_the_apology_fix_goes_after_a_greeting(checker: ToneChecker) -> None:
    draft = "Hi Anna, we'll send a new cake today."
    (finding,) = only(checker.review(draft, public=True, context=COMPLAINT), Code.NO_APOLOGY)
    assert finding.fix == "Hi Anna, we're so sorry about this. We'll send a new cake today."


def test_a_complaint_reply_without_a_next_step_is_flagged_with_a_fix(checker: ToneChecker) -> None:
    draft = "So sorry about the cake, Anna."
    (finding,) = only(checker.review(draft, public=True, context=COMPLAINT), Code.NO_NEXT_STEP)
    assert finding.fix is not None
    assert finding.fix.startswith(draft)
    assert checker.review(finding.fix, public=True, context=COMPLAINT) == []


def test_a_complaint_reply_with_neither_gets_both_findings(checker: ToneChecker) -> None:
    findings = checker.review("Thanks for your message.", public=True, context=COMPLAINT)
    assert codes(findings) == [Code.NO_APOLOGY, Code.NO_NEXT_STEP]


def test_a_non_apology_does_not_count_as_an_apology(checker: ToneChecker) -> None:
    findings = checker.review("Sorry if you were upset. We'll look into it.", public=True, context=COMPLAINT)
    assert Code.NO_APOLOGY in codes(findings)


def test_an_angry_last_message_makes_the_thread_a_complaint(checker: ToneChecker) -> None:
    angry = ReviewContext(customer_message="This is disgusting, the worst bakery ever. I am furious.")
    assert Code.NO_APOLOGY in codes(checker.review("Thanks for your message.", public=True, context=angry))


def test_replies_outside_complaints_need_no_apology(checker: ToneChecker) -> None:
    assert checker.review("Thanks for your message.", public=True, context=PLAIN) == []
