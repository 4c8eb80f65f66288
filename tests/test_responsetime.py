"""The one-hour clock: due times, states, wording, reminders and promised times, all with fixed datetimes."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from socialinbox.domain import Platform
from socialinbox.responsetime import (
    BusinessHours,
    ClockItem,
    ClockState,
    Opening,
    Reminder,
    ReminderKey,
    ReminderKind,
    ResponsePolicy,
    away_reply_due,
    clock_state,
    describe_time_left,
    due_at,
    group_reminders,
    is_open,
    next_opening,
    open_time_between,
    reminder_notes,
    reminders_to_fire,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = range(5)
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
SHOP = BusinessHours.on_days("Europe/Berlin", WEEKDAYS, (time(9), time(19)))
LUNCH = BusinessHours.on_days("Europe/Berlin", WEEKDAYS, (time(9), time(12)), (time(13), time(18)))
AROUND_THE_CLOCK = ResponsePolicy()


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def shop_policy(hours: BusinessHours = SHOP, target: timedelta = HOUR) -> ResponsePolicy:
    return ResponsePolicy(target=target, business_hours=hours)


# --- due times ---------------------------------------------------------------------------------


def test_without_business_hours_due_is_an_hour_after_the_oldest_unanswered_message() -> None:
    assert due_at(utc(2026, 11, 23, 9, 10), AROUND_THE_CLOCK, Platform.MASTODON) == utc(2026, 11, 23, 10, 10)


def test_due_time_runs_across_midnight_without_business_hours() -> None:
    due = due_at(berlin(2026, 11, 23, 23, 30), AROUND_THE_CLOCK, Platform.DEMO)
    assert due.astimezone(BERLIN) == berlin(2026, 11, 24, 0, 30)
    assert due.tzinfo is UTC


def test_per_channel_target_overrides_the_default() -> None:
    policy = ResponsePolicy(per_platform={Platform.EMAIL: timedelta(hours=4)})
    assert due_at(utc(2026, 11, 23, 9), policy, Platform.EMAIL) == utc(2026, 11, 23, 13)
    assert due_at(utc(2026, 11, 23, 9), policy, Platform.BLUESKY) == utc(2026, 11, 23, 10)


def test_around_the_clock_target_is_real_time_across_the_spring_change() -> None:
    due = due_at(berlin(2026, 3, 29, 1, 30), AROUND_THE_CLOCK, Platform.DEMO)
    assert due == utc(2026, 3, 29, 1, 30)
    assert due.astimezone(BERLIN).hour == 3  # the wall clock skipped 02:00-03:00


@pytest.mark.parametrize(
    ("arrived", "expected"),
    [
        (berlin(2026, 11, 20, 18, 55), berlin(2026, 11, 23, 9, 55)),  # Friday evening -> Monday morning
        (berlin(2026, 11, 24, 10, 0), berlin(2026, 11, 24, 11, 0)),  # plain Tuesday morning
        (berlin(2026, 11, 24, 7, 0), berlin(2026, 11, 24, 10, 0)),  # before opening: counts from 09:00
        (berlin(2026, 11, 21, 14, 0), berlin(2026, 11, 23, 10, 0)),  # Saturday: counts from Monday 09:00
        (berlin(2026, 11, 24, 18, 30), berlin(2026, 11, 25, 9, 30)),  # half an hour tonight, half tomorrow
        (berlin(2026, 11, 24, 18, 0), berlin(2026, 11, 24, 19, 0)),  # due exactly at closing
        (berlin(2026, 11, 24, 19, 0), berlin(2026, 11, 25, 10, 0)),  # closing time is already closed
        (berlin(2026, 11, 24, 23, 50), berlin(2026, 11, 25, 10, 0)),  # across midnight while closed
    ],
)
def test_with_business_hours_only_open_time_counts(arrived: datetime, expected: datetime) -> None:
    assert due_at(arrived, shop_policy(), Platform.DEMO) == expected.astimezone(UTC)


@pytest.mark.parametrize(
    ("arrived", "expected"),
    [
        (berlin(2026, 11, 24, 11, 30), berlin(2026, 11, 24, 13, 30)),
        (berlin(2026, 11, 24, 12, 15), berlin(2026, 11, 24, 14, 0)),
        (berlin(2026, 11, 24, 17, 45), berlin(2026, 11, 25, 9, 45)),
    ],
)
def test_lunch_break_pauses_the_clock(arrived: datetime, expected: datetime) -> None:
    assert due_at(arrived, shop_policy(LUNCH), Platform.DEMO) == expected.astimezone(UTC)


@pytest.mark.parametrize(
    ("zone", "arrived", "expected_utc"),
    [
        # Europe/Berlin springs forward on Sunday 2026-03-29 and falls back on Sunday 2026-10-25.
        ("Europe/Berlin", datetime(2026, 3, 27, 18, 30, tzinfo=BERLIN), utc(2026, 3, 30, 7, 30)),
        ("Europe/Berlin", datetime(2026, 10, 23, 18, 30, tzinfo=BERLIN), utc(2026, 10, 26, 8, 30)),
        # America/New_York springs forward on 2026-03-08 and falls back on 2026-11-01.
        ("America/New_York", datetime(2026, 3, 6, 18, 30, tzinfo=NEW_YORK), utc(2026, 3, 9, 13, 30)),
        ("America/New_York", datetime(2026, 10, 30, 18, 30, tzinfo=NEW_YORK), utc(2026, 11, 2, 14, 30)),
    ],
)
def test_weekend_daylight_saving_change_keeps_local_opening_time(
    zone: str, arrived: datetime, expected_utc: datetime
) -> None:
    hours = BusinessHours.on_days(zone, WEEKDAYS, (time(9), time(19)))
    due = due_at(arrived, shop_policy(hours), Platform.DEMO)
    assert due == expected_utc
    assert due.astimezone(ZoneInfo(zone)).time() == time(9, 30)


def test_night_opening_on_the_spring_change_day_is_one_hour_shorter() -> None:
    hours = BusinessHours("Europe/Berlin", ((),) * 6 + ((Opening(time(1), time(4)),),))  # Sundays 01:00-04:00
    policy = shop_policy(hours, target=timedelta(hours=2, minutes=30))
    due = due_at(berlin(2026, 3, 29, 1, 0), policy, Platform.DEMO)
    assert due == berlin(2026, 4, 5, 1, 30).astimezone(UTC)  # only 2 real hours that night


def test_night_opening_on_the_autumn_change_day_is_one_hour_longer() -> None:
    hours = BusinessHours("Europe/Berlin", ((),) * 6 + ((Opening(time(1), time(4)),),))
    policy = shop_policy(hours, target=timedelta(hours=3, minutes=30))
    due = due_at(berlin(2026, 10, 25, 1, 0), policy, Platform.DEMO)
    assert due == utc(2026, 10, 25, 2, 30)  # 03:30 CET, after the repeated hour
    assert due.astimezone(BERLIN).time() == time(3, 30)


def test_opening_until_midnight_joins_the_next_day() -> None:
    late = (Opening(time(0), time(2)), Opening(time(18), time(0)))
    hours = BusinessHours("Europe/Berlin", (late,) * 7)
    assert due_at(berlin(2026, 11, 24, 23, 30), shop_policy(hours), Platform.DEMO) == berlin(2026, 11, 25, 0, 30)
    assert is_open(berlin(2026, 11, 25, 0, 0), hours)


def _open_by_the_book(moment: datetime, hours: BusinessHours) -> bool:
    """Independent check: read the local wall clock and look the weekday's openings up."""
    local = moment.astimezone(hours.zone)
    return any(
        o.start <= local.time() and (o.end == time(0) or local.time() < o.end) for o in hours.week[local.weekday()]
    )


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York"])
def test_open_time_and_due_time_agree_with_minute_by_minute_counting(zone: str) -> None:
    saturday = (Opening(time(10), time(14)),)
    hours = BusinessHours(zone, (*LUNCH.week[:5], saturday, ()))
    rng = random.Random(42)
    starts = [utc(2026, 3, 5), utc(2026, 10, 22), utc(2026, 3, 26), utc(2026, 10, 29)]
    for _ in range(12):
        start = rng.choice(starts) + timedelta(minutes=rng.randrange(7 * 24 * 60))
        end = start + timedelta(minutes=rng.randrange(1, 3 * 24 * 60))
        counted = sum(_open_by_the_book(start + i * MIN, hours) for i in range((end - start) // MIN))
        assert open_time_between(start, end, hours) == counted * MIN
        target = timedelta(minutes=rng.randrange(1, 600))
        due = due_at(start, shop_policy(hours, target), Platform.DEMO)
        assert open_time_between(start, due, hours) == target
        assert _open_by_the_book(due - MIN, hours)


def test_business_hours_reject_nonsense() -> None:
    with pytest.raises(ValueError, match="overlap"):
        BusinessHours.on_days("Europe/Berlin", WEEKDAYS, (time(9), time(13)), (time(12), time(18)))
    with pytest.raises(ValueError, match="at least one opening"):
        BusinessHours.on_days("Europe/Berlin", [])
    with pytest.raises(ValueError, match="end after"):
        Opening(time(18), time(9))
    with pytest.raises(ZoneInfoNotFoundError):
        BusinessHours.on_days("Europe/Atlantis", WEEKDAYS, (time(9), time(17)))
    with pytest.raises(ValueError, match="positive"):
        ResponsePolicy(target=timedelta(0))


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="naive"):
        due_at(datetime(2026, 11, 23, 9), AROUND_THE_CLOCK, Platform.DEMO)


# --- open or closed ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "open_", "opening"),
    [
        (berlin(2026, 11, 20, 18, 59), True, berlin(2026, 11, 20, 18, 59)),
        (berlin(2026, 11, 20, 19, 0), False, berlin(2026, 11, 23, 9, 0)),
        (berlin(2026, 11, 21, 12, 0), False, berlin(2026, 11, 23, 9, 0)),
        (berlin(2026, 11, 23, 9, 0), True, berlin(2026, 11, 23, 9, 0)),
        (berlin(2026, 3, 27, 20, 0), False, berlin(2026, 3, 30, 9, 0)),  # over the spring change
    ],
)
def test_is_open_and_next_opening(moment: datetime, open_: bool, opening: datetime) -> None:
    assert is_open(moment, SHOP) is open_
    assert next_opening(moment, SHOP) == opening.astimezone(UTC)


def test_lunch_break_is_closed_and_reopens_after_lunch() -> None:
    assert not is_open(berlin(2026, 11, 24, 12, 30), LUNCH)
    assert next_opening(berlin(2026, 11, 24, 12, 30), LUNCH) == berlin(2026, 11, 24, 13, 0)


def test_without_business_hours_the_shop_is_always_open() -> None:
    assert is_open(utc(2026, 11, 22, 3), None)
    assert next_opening(utc(2026, 11, 22, 3), None) == utc(2026, 11, 22, 3)


# --- states and wording ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "state"),
    [
        (timedelta(minutes=16), ClockState.ON_TIME),
        (timedelta(minutes=15), ClockState.AT_RISK),
        (timedelta(seconds=1), ClockState.AT_RISK),
        (timedelta(0), ClockState.OVERDUE),
        (timedelta(minutes=-1), ClockState.OVERDUE),
    ],
)
def test_clock_state_turns_at_risk_then_overdue(left: timedelta, state: ClockState) -> None:
    due = utc(2026, 11, 23, 10)
    assert clock_state(due, due - left, AROUND_THE_CLOCK) is state


def test_at_risk_margin_is_a_setting() -> None:
    policy = ResponsePolicy(at_risk_before=timedelta(minutes=30))
    assert clock_state(utc(2026, 11, 23, 10), utc(2026, 11, 23, 9, 31), policy) is ClockState.AT_RISK


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(minutes=23), "23 min left"),
        (timedelta(minutes=23, seconds=59), "23 min left"),
        (timedelta(minutes=65), "1 h 5 min left"),
        (timedelta(hours=2), "2 h left"),
        (timedelta(hours=26, minutes=10), "1 d 2 h left"),
        (timedelta(days=2, minutes=5), "2 d left"),
        (timedelta(seconds=30), "due now"),
        (timedelta(0), "due now"),
        (timedelta(seconds=-59), "due now"),
        (timedelta(minutes=-12), "overdue by 12 min"),
        (timedelta(hours=-2, seconds=-30), "overdue by 2 h"),
        (timedelta(hours=-1, minutes=-1), "overdue by 1 h 1 min"),
    ],
)
def test_time_left_wording(left: timedelta, text: str) -> None:
    due = utc(2026, 11, 23, 10)
    assert describe_time_left(due, due - left) == text


# --- reminders ---------------------------------------------------------------------------------

T0 = utc(2026, 11, 23, 9)


def run_timeline(items: list[ClockItem], minutes: int = 120) -> list[tuple[int, ReminderKey]]:
    """Tick once a minute like the scheduler, remembering what fired; returns (minute, key) per reminder."""
    fired: set[ReminderKey] = set()
    log = []
    for minute in range(minutes + 1):
        for reminder in reminders_to_fire(items, fired, T0 + minute * MIN, AROUND_THE_CLOCK):
            fired.add(reminder.key)
            log.append((minute, reminder.key))
    return log


def test_each_reminder_fires_exactly_once_over_two_hours() -> None:
    items = [
        ClockItem(1, Platform.MASTODON, T0),
        ClockItem(2, Platform.BLUESKY, T0 + 20 * MIN),
        ClockItem(3, Platform.EMAIL, T0 - 2 * HOUR),  # already overdue when first seen
        ClockItem(4, Platform.TELEGRAM, T0, snoozed_until=T0 + 50 * MIN),  # at risk while snoozed
        ClockItem(5, Platform.DEMO, T0, snoozed_until=T0 + 70 * MIN),  # overdue while snoozed
    ]
    log = run_timeline(items)
    assert set(Counter(key for _minute, key in log).values()) == {1}
    assert [(minute, key.conversation_id, key.kind) for minute, key in log] == [
        (0, 3, ReminderKind.OVERDUE),
        (45, 1, ReminderKind.AT_RISK),
        (50, 4, ReminderKind.SNOOZE_OVER),
        (60, 1, ReminderKind.OVERDUE),
        (60, 4, ReminderKind.OVERDUE),
        (65, 2, ReminderKind.AT_RISK),
        (70, 5, ReminderKind.SNOOZE_OVER),
        (80, 2, ReminderKind.OVERDUE),
    ]


def test_overdue_at_first_sight_fires_only_overdue() -> None:
    reminders = reminders_to_fire([ClockItem(7, Platform.X, T0)], set(), T0 + 3 * HOUR, AROUND_THE_CLOCK)
    assert [r.kind for r in reminders] == [ReminderKind.OVERDUE]


def test_a_new_waiting_period_reminds_again() -> None:
    first = ClockItem(1, Platform.MASTODON, T0)
    fired = {r.key for r in reminders_to_fire([first], set(), T0 + 50 * MIN, AROUND_THE_CLOCK)}
    assert reminders_to_fire([first], fired, T0 + 55 * MIN, AROUND_THE_CLOCK) == []
    again = ClockItem(1, Platform.MASTODON, T0 + 2 * HOUR)  # answered, then the customer wrote again
    reminders = reminders_to_fire([again], fired, T0 + 2 * HOUR + 46 * MIN, AROUND_THE_CLOCK)
    assert [(r.kind, r.waiting_since) for r in reminders] == [(ReminderKind.AT_RISK, again.waiting_since)]


def test_snoozed_conversation_stays_quiet_until_the_snooze_ends() -> None:
    item = ClockItem(9, Platform.DEMO, T0, snoozed_until=T0 + 3 * HOUR)
    assert reminders_to_fire([item], set(), T0 + 2 * HOUR, AROUND_THE_CLOCK) == []
    [back] = reminders_to_fire([item], set(), T0 + 3 * HOUR, AROUND_THE_CLOCK)
    assert back.kind is ReminderKind.SNOOZE_OVER
    assert back.key.snoozed_until == T0 + 3 * HOUR


def test_each_snooze_ends_with_its_own_reminder() -> None:
    first = ClockItem(9, Platform.DEMO, T0, snoozed_until=T0 + 10 * MIN)
    fired = {r.key for r in reminders_to_fire([first], set(), T0 + 10 * MIN, AROUND_THE_CLOCK)}
    second = ClockItem(9, Platform.DEMO, T0, snoozed_until=T0 + 20 * MIN)
    assert [r.kind for r in reminders_to_fire([second], fired, T0 + 20 * MIN, AROUND_THE_CLOCK)] == [
        ReminderKind.SNOOZE_OVER
    ]


def test_a_snooze_from_an_earlier_waiting_period_is_ignored() -> None:
    item = ClockItem(9, Platform.DEMO, T0, snoozed_until=T0 - HOUR)
    assert [r.kind for r in reminders_to_fire([item], set(), T0 + 50 * MIN, AROUND_THE_CLOCK)] == [ReminderKind.AT_RISK]


def test_reminders_follow_business_hours() -> None:
    item = ClockItem(1, Platform.DEMO, berlin(2026, 11, 20, 18, 55))  # due Monday 09:55
    policy = shop_policy()
    assert reminders_to_fire([item], set(), berlin(2026, 11, 23, 9, 39), policy) == []
    [reminder] = reminders_to_fire([item], set(), berlin(2026, 11, 23, 9, 40), policy)
    assert (reminder.kind, reminder.due_at) == (ReminderKind.AT_RISK, berlin(2026, 11, 23, 9, 55))


def reminder(conversation_id: int, kind: ReminderKind, platform: Platform = Platform.MASTODON) -> Reminder:
    return Reminder(conversation_id, kind, T0 + HOUR, platform, T0)


def test_several_reminders_at_once_are_grouped_per_kind_most_urgent_first() -> None:
    batch = [reminder(i, ReminderKind.AT_RISK) for i in (1, 2, 3)] + [reminder(i, ReminderKind.OVERDUE) for i in (4, 5)]
    notes = group_reminders(batch)
    assert [title for title, _body in notes] == [
        "2 conversations are overdue",
        "3 conversations are about to miss the hour",
    ]


def test_a_single_reminder_names_the_conversation_and_time_left() -> None:
    notes = group_reminders([reminder(1, ReminderKind.AT_RISK)], now=T0 + 48 * MIN, labels={1: "Anna on Mastodon"})
    assert notes == [("Anna on Mastodon is about to miss the hour", "12 min left")]
    assert group_reminders([reminder(2, ReminderKind.OVERDUE, Platform.BLUESKY)]) == [
        ("A Bluesky conversation is overdue", "")
    ]


def test_grouped_body_lists_three_and_counts_the_rest() -> None:
    batch = [reminder(i, ReminderKind.OVERDUE) for i in range(1, 6)]
    [(title, body)] = group_reminders(batch, now=T0 + HOUR + 5 * MIN, labels={1: "Anna", 2: "Ben"})
    assert title == "5 conversations are overdue"
    assert body == "Anna (overdue by 5 min), Ben (overdue by 5 min), Mastodon (overdue by 5 min) and 2 more"


def test_snooze_ending_on_an_overdue_conversation_shows_one_notification() -> None:
    notes = group_reminders([reminder(1, ReminderKind.SNOOZE_OVER), reminder(1, ReminderKind.OVERDUE)])
    assert notes == [("A Mastodon conversation is overdue", "")]
    assert group_reminders([]) == []


def test_snooze_over_reads_as_back_from_snooze() -> None:
    assert group_reminders([reminder(1, ReminderKind.SNOOZE_OVER)], labels={1: "Anna"})[0][0] == (
        "Anna is back from snooze"
    )


# --- follow-ups, snoozes that start a wait, reminder moments, notes -------------------------------


def test_a_promised_follow_up_fires_once_at_its_time() -> None:
    item = ClockItem(3, Platform.TELEGRAM, None, follow_up_at=T0 + 90 * MIN)
    log = run_timeline([item], minutes=180)
    assert [(minute, key.kind) for minute, key in log] == [(90, ReminderKind.FOLLOW_UP)]


def test_a_new_follow_up_time_reminds_again() -> None:
    fired = {
        r.key for r in reminders_to_fire([ClockItem(3, Platform.X, None, follow_up_at=T0)], set(), T0, AROUND_THE_CLOCK)
    }
    later = ClockItem(3, Platform.X, None, follow_up_at=T0 + HOUR)
    assert [r.kind for r in reminders_to_fire([later], fired, T0 + HOUR, AROUND_THE_CLOCK)] == [ReminderKind.FOLLOW_UP]


def test_a_snooze_that_starts_the_waiting_period_ends_with_its_reminder() -> None:
    # Snoozed while nobody waited: it comes back "needs reply" with its clock starting at the snooze's end.
    item = ClockItem(9, Platform.DEMO, T0, snoozed_until=T0)
    assert [r.kind for r in reminders_to_fire([item], set(), T0, AROUND_THE_CLOCK)] == [ReminderKind.SNOOZE_OVER]


@pytest.mark.parametrize(
    ("kind", "moment"),
    [
        (ReminderKind.AT_RISK, T0 + 45 * MIN),
        (ReminderKind.OVERDUE, T0 + HOUR),
        (ReminderKind.SNOOZE_OVER, T0 + 20 * MIN),
        (ReminderKind.FOLLOW_UP, T0 + HOUR),
    ],
)
def test_a_reminder_knows_the_moment_it_became_due(kind: ReminderKind, moment: datetime) -> None:
    snooze = T0 + 20 * MIN if kind is ReminderKind.SNOOZE_OVER else None
    reminder = Reminder(1, kind, T0 + HOUR, Platform.DEMO, T0, snooze)
    assert reminder.moment(AROUND_THE_CLOCK) == moment


def test_notes_name_the_conversation_only_when_there_is_one() -> None:
    batch = [reminder(1, ReminderKind.OVERDUE), reminder(2, ReminderKind.AT_RISK), reminder(3, ReminderKind.AT_RISK)]
    notes = reminder_notes(batch, T0 + 50 * MIN, {1: "Anna on Mastodon"})
    assert [(n.title, n.conversation_ids) for n in notes] == [
        ("Anna on Mastodon is overdue", (1,)),
        ("2 conversations are about to miss the hour", (2, 3)),
    ]
    follow = Reminder(4, ReminderKind.FOLLOW_UP, T0, Platform.TELEGRAM, None, None, T0)
    assert group_reminders([follow])[0][0] == "Time to follow up with a Telegram customer"


# --- away replies --------------------------------------------------------------------------------


def test_away_reply_is_due_once_per_closed_period() -> None:
    evening = berlin(2026, 11, 24, 19, 30)  # Tuesday, closed since 19:00
    assert away_reply_due(evening, SHOP, evening, None)
    assert not away_reply_due(evening + HOUR, SHOP, evening + 50 * MIN, evening)  # already acknowledged tonight
    next_evening = berlin(2026, 11, 25, 20, 0)
    assert away_reply_due(next_evening, SHOP, next_evening, evening)  # a new closed period


def test_no_away_reply_while_open_without_hours_or_for_an_earlier_closed_period() -> None:
    morning = berlin(2026, 11, 24, 10, 0)
    assert not away_reply_due(morning, SHOP, morning, None)
    assert not away_reply_due(morning, None, morning, None)
    # The customer wrote while the shop was open and is still waiting at night: answered by the owner, not a robot.
    assert not away_reply_due(berlin(2026, 11, 24, 20, 0), SHOP, berlin(2026, 11, 24, 18, 0), None)
    # Written on Friday night, still closed on Sunday: the same closed period, one acknowledgement.
    friday = berlin(2026, 11, 20, 22, 0)
    assert away_reply_due(berlin(2026, 11, 22, 12, 0), SHOP, friday, None)
    assert not away_reply_due(berlin(2026, 11, 22, 12, 0), SHOP, friday, friday + MIN)
