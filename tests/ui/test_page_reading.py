"""``PageInFlight``: what of a page read away still holds when it comes back (the model's tests cover it in use)."""

from __future__ import annotations

from socialinbox.ui.models.page_reading import PageInFlight
from tests.ui.test_inbox_model import conversation


def test_a_page_for_a_list_chosen_before_is_dropped() -> None:
    flight = PageInFlight()
    ticket = flight.send()
    flight.new_list()
    assert flight.arrived(ticket, [conversation(1)]) is None and not flight.on_its_way


def test_changes_meanwhile_come_back_with_the_page_and_what_went_is_taken_out_of_both() -> None:
    flight = PageInFlight()
    flight.changed([conversation(9)])  # nothing on its way: nothing to remember
    ticket = flight.send()
    flight.changed([conversation(2, preview="changed"), conversation(3)])
    flight.gone([3, 4])
    kept = flight.arrived(ticket, [conversation(1), conversation(2), conversation(4)])
    assert kept is not None
    page, changed = kept
    assert [c.id for c in page or []] == [1, 2] and [(c.id, c.preview) for c in changed] == [(2, "changed")]
    assert not flight.on_its_way and flight.arrived(ticket, None) == (None, [])  # nothing left over
