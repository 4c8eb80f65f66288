"""TeamNews: which customers' messages a copy sharing a team's database has not yet told its owner about."""

from __future__ import annotations

from datetime import timedelta

from socialinbox.ui.team_news import SETTLE, TeamNews
from tests.fakes import T0


class _Clock:
    def __init__(self) -> None:
        self.moment = T0

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.moment

    def wait(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


def test_the_first_reading_only_marks_where_the_database_stands() -> None:
    news = TeamNews(_Clock())
    assert news.floor is None  # nothing stored before the first reading is news
    news.read_up_to(40)
    assert news.floor == 40


def test_the_floor_trails_the_newest_id_read_so_a_late_commit_below_it_is_still_read() -> None:
    clock = _Clock()
    news = TeamNews(clock)
    news.read_up_to(40)
    for newest in (50, 60, 70):
        clock.wait(30)
        news.read_up_to(newest)
        assert news.floor == 40  # a transaction holding id 45 may still commit
    clock.wait(SETTLE.total_seconds() - 60)  # the reading that saw 50, 30 s in, is now two minutes old
    assert news.floor == 50
    clock.wait(SETTLE.total_seconds())
    assert news.floor == 70


def test_each_id_is_told_once_whichever_path_sees_it_first() -> None:
    news = TeamNews(_Clock())
    news.read_up_to(40)
    assert news.unheard([41, 42]) == [41, 42]  # this copy's own poll stored them
    assert news.unheard([41, 42, 43]) == [43]  # the team reading sees them again
    assert news.told() == {41, 42, 43}


def test_ids_the_floor_has_passed_are_forgotten_and_never_read_again() -> None:
    clock = _Clock()
    news = TeamNews(clock)
    news.read_up_to(40)
    news.unheard([41, 42, 55])
    news.read_up_to(50)
    clock.wait(SETTLE.total_seconds() + 1)
    news.read_up_to(60)
    assert news.floor == 50 and news.told() == {55}


def test_a_reading_that_saw_fewer_messages_moves_no_mark_back() -> None:
    """A teammate deleting a conversation removes its ids; the floor must not drop to re-read (and retell) ids
    already forgotten."""
    clock = _Clock()
    news = TeamNews(clock)
    news.read_up_to(70)
    clock.wait(SETTLE.total_seconds() + 1)
    news.read_up_to(30)
    clock.wait(SETTLE.total_seconds() + 1)
    news.read_up_to(30)
    assert news.floor == 70
