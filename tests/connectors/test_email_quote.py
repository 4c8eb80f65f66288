"""The new part of a mail: every common quoting and signature style removed, the customer's own words kept."""

from __future__ import annotations

import pytest

from socialinbox.connectors.email_quote import new_part


@pytest.mark.parametrize(
    "text",
    [
        "Yes please!\n\nOn Mon, Nov 23, 2026 at 9:00 AM Corner Bakery <shop@cornerbakery.example> wrote:\n> Shall we?",
        "Yes please!\n\nOn Mon, 23 Nov 2026 at 09:00, Corner Bakery <\nshop@cornerbakery.example> wrote:\n\n> Shall?",
        "Yes please!\n\nAm 23.11.2026 um 09:00 schrieb Corner Bakery <shop@cornerbakery.example>:\n> Shall we?",
        "Yes please!\n\nLe lun. 23 nov. 2026 à 09:00, Corner Bakery a écrit :\n> Shall we?",
        "Yes please!\n\nEl lun, 23 nov 2026 a las 9:00, Corner Bakery escribió:\n> Shall we?",
        "Yes please!\n\n-----Original Message-----\nFrom: Corner Bakery\nSent: Monday\nSubject: Shall we?\n\nShall we?",
        "Yes please!\n\n----- Ursprüngliche Nachricht -----\nVon: Corner Bakery\n\nShall we?",
        "Yes please!\n\nFrom: Corner Bakery <shop@cornerbakery.example>\nSent: 23 November 2026 09:00\n"
        "To: Kim\nSubject: Shall we?\n\nShall we?",
        "Yes please!\n\n________________________________\nFrom: Corner Bakery\nSent: Monday, 23 November\n"
        "To: Kim\nSubject: Shall we?\n\nShall we?",
        "Yes please!\n\nVon: Corner Bakery\nGesendet: Montag, 23. November 2026 09:00\nAn: Kim\nBetreff: Torte\n\nx",
        "Yes please!\n\nCorner Bakery wrote:\n> Shall we?\n> Or not?",
        "Yes please!\n> Shall we?",
        "Yes please!\n\n-- \nKim Lee\nFlorist, Main Street",
        "Yes please!\n\n--\nKim Lee",
        "Yes please!\n\nSent from my iPhone",
        "Yes please!\n\nGet Outlook for Android",
        "Yes please!\nVon meinem iPhone gesendet",
    ],
)
def test_quotes_signatures_and_footers_are_removed(text: str) -> None:
    assert new_part(text) == "Yes please!"


def test_answers_between_quoted_lines_are_all_kept() -> None:
    text = "On Mon, Kim wrote:\n> Two loaves?\nYes, two.\n> Sliced?\nNo thanks.\n"
    assert new_part(text) == "Yes, two.\nNo thanks."


def test_prose_that_mentions_writing_is_not_taken_for_an_attribution() -> None:
    text = "My sister wrote:\nthe cake was the best she ever had.\nCan we order another?"
    assert new_part(text) == text


def test_a_from_line_in_prose_is_not_an_outlook_header_block() -> None:
    text = "From: the market stall, I bought rye bread.\nIt was stale. Can I get a refund?"
    assert new_part(text) == text


def test_a_mail_that_is_all_quote_keeps_its_text() -> None:
    text = "> Forwarding this as it is:\n> the oven is broken"
    assert new_part(text) == text


def test_a_long_nested_history_leaves_only_the_newest_answer() -> None:
    layers = "".join(f"\n\nOn day {n}, Person {n} wrote:\n" + "> " * n + f"answer {n}" for n in range(1, 25))
    assert new_part("Newest answer." + layers) == "Newest answer."
