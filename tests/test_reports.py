"""Response-time reports: figures on generated histories, checked against answers computed independently here."""

from __future__ import annotations

import csv
import dataclasses
import io
import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from socialinbox.domain import Direction, Platform, Visibility
from socialinbox.reports import (
    CSV_FIELDS,
    ConversationHistory,
    EventKind,
    HistoryEvent,
    ResponseReport,
    WaitingPeriod,
    build_report,
    percentile,
    to_csv_rows,
    waiting_periods,
)
from socialinbox.responsetime import BusinessHours, ResponsePolicy

BERLIN = ZoneInfo("Europe/Berlin")
MIN = timedelta(minutes=1)
IN, OUT = Direction.INBOUND, Direction.OUTBOUND
# A fortnight that spans the spring clock change (Sunday 2026-03-29), read in Berlin.
SINCE = datetime(2026, 3, 23, tzinfo=BERLIN).astimezone(UTC)
UNTIL = datetime(2026, 4, 6, tzinfo=BERLIN).astimezone(UTC)
NOW = UNTIL + 20 * MIN
POLICY = ResponsePolicy(per_platform={Platform.EMAIL: timedelta(hours=4)})
SHOP = BusinessHours.on_days("Europe/Berlin", range(5), (time(9), time(12)), (time(13), time(19)))
T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)


def event(direction: Direction, minute: int, kind: EventKind = EventKind.MESSAGE) -> HistoryEvent:
    return HistoryEvent(direction, T0 + minute * MIN, kind)


# --- waiting periods ---------------------------------------------------------------------------


def test_a_reply_ends_the_waiting_period_and_a_new_message_starts_another() -> None:
    events = [event(IN, 0), event(IN, 5), event(OUT, 30), event(IN, 90), event(OUT, 100)]
    assert waiting_periods(events) == (
        WaitingPeriod(T0, T0 + 30 * MIN),
        WaitingPeriod(T0 + 90 * MIN, T0 + 100 * MIN),
    )


def test_a_holding_reply_stops_the_clock() -> None:
    events = [event(IN, 0), event(OUT, 10, EventKind.HOLDING_REPLY), event(OUT, 200)]
    assert waiting_periods(events) == (WaitingPeriod(T0, T0 + 10 * MIN),)


@pytest.mark.parametrize("kind", [EventKind.NOTE, EventKind.AWAY_REPLY])
def test_internal_notes_and_away_replies_do_not_stop_the_clock(kind: EventKind) -> None:
    events = [event(IN, 0), event(OUT, 1, kind), event(OUT, 70)]
    assert waiting_periods(events) == (WaitingPeriod(T0, T0 + 70 * MIN),)


def test_shop_posts_before_any_customer_message_and_unanswered_periods() -> None:
    events = [event(IN, 50), event(OUT, 0), event(OUT, 60), event(OUT, 61), event(IN, 120)]  # out of order on purpose
    assert waiting_periods(events) == (WaitingPeriod(T0 + 50 * MIN, T0 + 60 * MIN), WaitingPeriod(T0 + 120 * MIN, None))


# --- percentiles -------------------------------------------------------------------------------


def test_percentile_interpolates_like_statistics_inclusive_quantiles() -> None:
    rng = random.Random(42)
    for size in (2, 3, 7, 10, 101):
        values = [rng.uniform(0, 10_000) for _ in range(size)]
        deciles = statistics.quantiles(values, n=10, method="inclusive")
        assert percentile(values, 0.9) == pytest.approx(deciles[8])
        assert percentile(values, 0.5) == pytest.approx(statistics.median(values))


def test_percentile_edges() -> None:
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.0) == 1.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 1.0) == 4.0
    assert percentile([10.0, 20.0], 0.9) == pytest.approx(19.0)  # by hand: 10 + 0.9 * (20 - 10)
    with pytest.raises(ValueError, match="percentile"):
        percentile([], 0.5)


# --- generated history -------------------------------------------------------------------------


@dataclasses.dataclass
class Truth:
    """What the generator knows happened, to compute the right answers without the module."""

    periods: list[tuple[int, Platform, datetime, datetime | None]] = dataclasses.field(default_factory=list)
    inbound: list[tuple[int, Platform, datetime, float | None]] = dataclasses.field(default_factory=list)
    last_period: dict[int, tuple[Platform, datetime, datetime | None]] = dataclasses.field(default_factory=dict)


def generate(rng: random.Random, conversations: int) -> tuple[list[ConversationHistory], Truth]:
    truth = Truth()
    histories = []
    span = int((NOW - SINCE) / MIN) + 2 * 24 * 60
    for conversation_id in range(1, conversations + 1):
        platform = rng.choice(list(Platform))
        events: list[HistoryEvent] = []
        moment = SINCE - 2 * timedelta(days=1) + rng.randrange(span) * MIN
        for _period in range(rng.randint(1, 4)):
            if moment >= NOW:
                break
            answered = _generate_period(rng, conversation_id, platform, moment, events, truth)
            if answered is None:
                break
            moment = answered + rng.randint(5, 3 * 24 * 60) * MIN
        rng.shuffle(events)  # storage order is not trusted
        visibility = rng.choice(list(Visibility))
        histories.append(ConversationHistory(conversation_id, platform, visibility, tuple(events)))
    return histories, truth


def _generate_period(
    rng: random.Random, conversation_id: int, platform: Platform, start: datetime, events: list[HistoryEvent], t: Truth
) -> datetime | None:
    delay = rng.choice([rng.randint(1, 59), rng.randint(30, 90), rng.randint(60, 600)]) * MIN
    offsets = sorted({0, *(rng.randrange(delay // MIN) for _ in range(rng.randint(0, 2)))})
    for offset in offsets:
        sent = start + offset * MIN
        if sent < NOW:
            sentiment = None if rng.random() < 0.1 else round(rng.uniform(-1, 1), 3)
            events.append(HistoryEvent(IN, sent, EventKind.MESSAGE, sentiment))
            t.inbound.append((conversation_id, platform, sent, sentiment))
    for kind in (EventKind.NOTE, EventKind.AWAY_REPLY):
        if rng.random() < 0.2 and start + MIN < NOW:
            events.append(HistoryEvent(OUT, start + MIN, kind))  # neither ends the wait
    answered: datetime | None = start + delay
    if start + delay > NOW or rng.random() < 0.08:
        answered = None
    else:
        events.append(HistoryEvent(OUT, start + delay, rng.choice([EventKind.MESSAGE, EventKind.HOLDING_REPLY])))
        if rng.random() < 0.3:
            events.append(HistoryEvent(OUT, start + delay + MIN))  # a second reply opens nothing
    t.periods.append((conversation_id, platform, start, answered))
    t.last_period[conversation_id] = (platform, start, answered)
    return answered


ResponseSeconds = Callable[[datetime, datetime], float]
DueAt = Callable[[Platform, datetime], datetime]


def check_report(report: ResponseReport, truth: Truth, response: ResponseSeconds, due: DueAt) -> None:
    """Compare every figure with one computed here from the generator's own record."""
    in_range = [p for p in truth.periods if SINCE <= p[2] < UNTIL]
    answered = [(platform, start, end) for _c, platform, start, end in in_range if end is not None]
    seconds = [response(start, end) for _platform, start, end in answered]
    met = sum(end <= due(platform, start) for platform, start, end in answered)
    missed_open = sum(end is None and due(platform, start) <= NOW for _c, platform, start, end in in_range)
    assert report.waiting_periods == len(in_range)
    assert report.answered == len(seconds)
    assert report.median_first_response is not None and report.p90_first_response is not None
    assert report.median_first_response.total_seconds() == pytest.approx(statistics.median(seconds), abs=1e-5)
    p90 = statistics.quantiles(seconds, n=10, method="inclusive")[8]
    assert report.p90_first_response.total_seconds() == pytest.approx(p90, abs=1e-5)
    assert report.within_target_share == pytest.approx(met / (len(answered) + missed_open))
    assert report.overdue_now == sum(
        end is None and due(platform, start) <= NOW for platform, start, end in truth.last_period.values()
    )
    inbound = [
        (c, platform, sent.astimezone(BERLIN), s) for c, platform, sent, s in truth.inbound if SINCE <= sent < UNTIL
    ]
    assert report.volume_by_platform == Counter(platform for _c, platform, _sent, _s in inbound)
    days = [date(2026, 3, 23) + timedelta(days=i) for i in range(14)]
    by_day = Counter(sent.date() for _c, _p, sent, _s in inbound)
    assert report.volume_by_day == {day: by_day[day] for day in days}
    by_hour = Counter(sent.hour for _c, _p, sent, _s in inbound)
    assert report.volume_by_hour == tuple(by_hour[hour] for hour in range(24))
    moods = defaultdict(list)
    for _c, _p, sent, sentiment in inbound:
        if sentiment is not None:
            moods[sent.date()].append(sentiment)
    assert report.sentiment_by_day == pytest.approx({day: statistics.fmean(v) for day, v in moods.items()})
    assert [row.conversation_id for row in report.rows] == sorted({c for c, _p, _sent, _s in inbound})
    assert sum(row.answered_within_target for row in report.rows) == met


def test_report_figures_around_the_clock() -> None:
    histories, truth = generate(random.Random(42), 300)
    report = build_report(histories, SINCE, UNTIL, NOW, POLICY, BERLIN)
    assert report.waiting_periods > 300  # the generator made a real fortnight of traffic
    assert any(end is None for *_rest, end in truth.periods)

    def due(platform: Platform, start: datetime) -> datetime:
        return start + (timedelta(hours=4) if platform is Platform.EMAIL else timedelta(hours=1))

    check_report(report, truth, lambda start, end: (end - start).total_seconds(), due)


def _open(moment: datetime) -> bool:
    local = moment.astimezone(BERLIN)
    return local.weekday() < 5 and (time(9) <= local.time() < time(12) or time(13) <= local.time() < time(19))


def test_report_figures_with_business_hours_count_only_open_minutes() -> None:
    histories, truth = generate(random.Random(7), 80)
    policy = dataclasses.replace(POLICY, business_hours=SHOP)
    report = build_report(histories, SINCE, UNTIL, NOW, policy, BERLIN)

    def response(start: datetime, end: datetime) -> float:
        return 60.0 * sum(_open(start + i * MIN) for i in range((end - start) // MIN))

    def due(platform: Platform, start: datetime) -> datetime:
        left = 240 if platform is Platform.EMAIL else 60
        moment = start
        while left:
            left -= _open(moment)
            moment += MIN
        return moment

    check_report(report, truth, response, due)


# --- shapes --------------------------------------------------------------------------------------


def test_empty_period_has_no_figures_but_every_day_and_hour() -> None:
    report = build_report([], SINCE, UNTIL, NOW, POLICY, BERLIN)
    assert (report.median_first_response, report.p90_first_response, report.within_target_share) == (None, None, None)
    assert len(report.volume_by_day) == 14 and set(report.volume_by_day.values()) == {0}
    assert report.volume_by_hour == (0,) * 24
    assert to_csv_rows(report) == []


def test_pending_waits_are_left_out_of_the_share_until_due() -> None:
    history = ConversationHistory(
        1, Platform.DEMO, Visibility.PUBLIC, (HistoryEvent(IN, UNTIL - 10 * MIN), HistoryEvent(IN, SINCE + MIN))
    )
    history = dataclasses.replace(history, events=(*history.events, HistoryEvent(OUT, SINCE + 30 * MIN)))
    report = build_report([history], SINCE, UNTIL, NOW, POLICY, BERLIN)
    assert (report.waiting_periods, report.answered, report.within_target_share) == (2, 1, 1.0)
    assert report.overdue_now == 0
    later = build_report([history], SINCE, UNTIL, UNTIL + 2 * timedelta(hours=1), POLICY, BERLIN)
    assert (later.within_target_share, later.overdue_now) == (0.5, 1)


def test_csv_rows_carry_the_per_conversation_figures() -> None:
    events = (
        HistoryEvent(IN, SINCE + 60 * MIN, sentiment=-0.5),
        HistoryEvent(OUT, SINCE + 90 * MIN),
        HistoryEvent(IN, SINCE + 300 * MIN, sentiment=0.25),
        HistoryEvent(OUT, SINCE + 400 * MIN, EventKind.HOLDING_REPLY),
    )
    report = build_report(
        [ConversationHistory(42, Platform.MASTODON, Visibility.PUBLIC, events)], SINCE, UNTIL, NOW, POLICY, BERLIN
    )
    [row] = to_csv_rows(report)
    assert list(row) == list(CSV_FIELDS)
    assert row == {
        "conversation_id": "42",
        "platform": "mastodon",
        "visibility": "public",
        "inbound_messages": "2",
        "waiting_periods": "2",
        "answered": "2",
        "answered_within_target": "1",
        "median_first_response_minutes": "65.0",
        "longest_first_response_minutes": "100.0",
        "overdue_now": "no",
        "average_sentiment": "-0.125",
    }
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
    writer.writeheader()
    writer.writerows(to_csv_rows(report))
    assert out.getvalue().splitlines()[1].startswith("42,mastodon,public,2,2,2,1,65.0,100.0,no,")


def test_within_target_means_answered_by_the_due_time_the_owner_saw() -> None:
    friday_six = datetime(2026, 3, 27, 18, 0, tzinfo=BERLIN)  # due at 19:00, the moment the shop closes
    events = (HistoryEvent(IN, friday_six), HistoryEvent(OUT, friday_six + 90 * MIN))
    history = ConversationHistory(1, Platform.DEMO, Visibility.PRIVATE, events)
    report = build_report([history], SINCE, UNTIL, NOW, dataclasses.replace(POLICY, business_hours=SHOP), BERLIN)
    assert report.median_first_response == timedelta(hours=1)  # only open time counts
    assert report.within_target_share == 0.0  # but it was shown overdue from 19:00 on
