"""Response-time and volume reports: how often the shop met the hour, and when customers write.

Input is one ``ConversationHistory`` per conversation: its messages in time order, as storage can list them
with one indexed scan of the messages table (direction, time, kind, the sentiment stored on arrival). The
waiting periods are derived here, so storage keeps no extra bookkeeping:

* a waiting period starts at the customer's first message while none is unanswered, and
* ends at the shop's first reply or holding reply after it; away replies and internal notes do not end it.

A period belongs to the report when it *starts* in [since, until); its response time is what happened by the
time the history was read. Response times count open time only when the policy has business hours
(``responsetime.open_time_between``), and "within target" means answered by ``responsetime.due_at``, the
same due time the owner saw on the clock.

Percentiles use linear interpolation between closest ranks (numpy's default, and
``statistics.quantiles(..., method="inclusive")``): for sorted values x[0..n-1] and fraction q, the position
is h = (n - 1) * q and the value x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo

from socialinbox.domain import Direction, Platform, Visibility, require_utc
from socialinbox.responsetime import ResponsePolicy, due_at, open_time_between


class EventKind(enum.StrEnum):
    MESSAGE = "message"  # a customer's message (inbound) or a full reply (outbound)
    HOLDING_REPLY = "holding-reply"  # acknowledges without resolving; still stops the first-response clock
    AWAY_REPLY = "away-reply"  # automatic out-of-hours acknowledgement; the clock keeps running
    NOTE = "note"  # internal note; the customer never sees it


_STOPS_CLOCK = frozenset({EventKind.MESSAGE, EventKind.HOLDING_REPLY})


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryEvent:
    direction: Direction
    sent_at: datetime
    kind: EventKind = EventKind.MESSAGE
    sentiment: float | None = None  # inbound only: VADER's compound score, computed when it arrived

    def __post_init__(self) -> None:
        object.__setattr__(self, "sent_at", require_utc(self.sent_at))


@dataclasses.dataclass(frozen=True, slots=True)
class ConversationHistory:
    """One conversation's events; include every event from the start of the period open at ``since``."""

    conversation_id: int
    platform: Platform
    visibility: Visibility
    events: tuple[HistoryEvent, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class WaitingPeriod:
    started_at: datetime
    answered_at: datetime | None  # None while the customer is still waiting


def waiting_periods(events: Iterable[HistoryEvent]) -> tuple[WaitingPeriod, ...]:
    """Split a conversation into waiting periods (see the module docstring for the rule)."""
    periods: list[WaitingPeriod] = []
    started: datetime | None = None
    for event in sorted(events, key=lambda e: e.sent_at):
        if _is_customer_message(event):
            started = started or event.sent_at
        elif event.direction is Direction.OUTBOUND and event.kind in _STOPS_CLOCK and started is not None:
            periods.append(WaitingPeriod(started, event.sent_at))
            started = None
    if started is not None:
        periods.append(WaitingPeriod(started, None))
    return tuple(periods)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (see the module docstring); ``fraction`` in [0, 1]."""
    if not values or not 0 <= fraction <= 1:
        raise ValueError("percentile needs values and a fraction between 0 and 1")
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclasses.dataclass(frozen=True, slots=True)
class ConversationRow:
    """One conversation's figures for the period, as exported to CSV."""

    conversation_id: int
    platform: Platform
    visibility: Visibility
    inbound_messages: int
    waiting_periods: int
    answered: int
    answered_within_target: int
    median_first_response: timedelta | None
    longest_first_response: timedelta | None
    overdue_now: bool
    average_sentiment: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class ResponseReport:
    since: datetime
    until: datetime
    now: datetime
    waiting_periods: int
    answered: int
    median_first_response: timedelta | None
    p90_first_response: timedelta | None
    # Answered by the due time, out of the periods whose outcome is known (answered, or unanswered past due).
    within_target_share: float | None
    overdue_now: int  # given conversations whose latest period is unanswered and past due at ``now``
    volume_by_platform: Mapping[Platform, int]  # inbound messages in the period
    volume_by_day: Mapping[date, int]  # every local day of the period, zeros included
    volume_by_hour: tuple[int, ...]  # 24 counts, local hour of day
    sentiment_by_day: Mapping[date, float]  # mean sentiment of inbound messages, days with any
    rows: tuple[ConversationRow, ...]


@dataclasses.dataclass(slots=True)
class _Tally:
    """Running totals while reading the histories; frozen into a ResponseReport at the end."""

    response_seconds: list[float] = dataclasses.field(default_factory=list)
    periods: int = 0
    met: int = 0
    decided: int = 0
    overdue_now: int = 0
    by_platform: Counter[Platform] = dataclasses.field(default_factory=Counter)
    by_day: Counter[date] = dataclasses.field(default_factory=Counter)
    by_hour: Counter[int] = dataclasses.field(default_factory=Counter)
    sentiments: defaultdict[date, list[float]] = dataclasses.field(default_factory=lambda: defaultdict(list))
    rows: list[ConversationRow] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True, slots=True)
class _Scope:
    since: datetime
    until: datetime
    now: datetime
    policy: ResponsePolicy
    tz: tzinfo

    def covers(self, moment: datetime) -> bool:
        return self.since <= moment < self.until


def build_report(
    histories: Iterable[ConversationHistory],
    since: datetime,
    until: datetime,
    now: datetime,
    policy: ResponsePolicy,
    tz: tzinfo,
) -> ResponseReport:
    """Figures for [since, until), days and hours in ``tz`` (the machine's zone, resolved by the caller)."""
    scope = _Scope(require_utc(since), require_utc(until), require_utc(now), policy, tz)
    tally = _Tally()
    for history in histories:
        _add_conversation(tally, history, scope)
    seconds = tally.response_seconds
    return ResponseReport(
        since=scope.since,
        until=scope.until,
        now=scope.now,
        waiting_periods=tally.periods,
        answered=len(seconds),
        median_first_response=timedelta(seconds=percentile(seconds, 0.5)) if seconds else None,
        p90_first_response=timedelta(seconds=percentile(seconds, 0.9)) if seconds else None,
        within_target_share=tally.met / tally.decided if tally.decided else None,
        overdue_now=tally.overdue_now,
        volume_by_platform=dict(tally.by_platform),
        volume_by_day={day: tally.by_day[day] for day in _local_days(scope)},
        volume_by_hour=tuple(tally.by_hour[hour] for hour in range(24)),
        sentiment_by_day={day: sum(values) / len(values) for day, values in sorted(tally.sentiments.items())},
        rows=tuple(sorted(tally.rows, key=lambda row: row.conversation_id)),
    )


def _add_conversation(tally: _Tally, history: ConversationHistory, scope: _Scope) -> None:
    periods = waiting_periods(history.events)
    latest = periods[-1] if periods else None
    overdue = bool(latest and latest.answered_at is None and _due(latest, history, scope) <= scope.now)
    tally.overdue_now += overdue
    inbound = [e for e in history.events if _is_customer_message(e) and scope.covers(e.sent_at)]
    if not inbound:
        return
    in_scope = [period for period in periods if scope.covers(period.started_at)]
    responses, met, decided = _score_periods(in_scope, history, scope)
    tally.periods += len(in_scope)
    tally.met += met
    tally.decided += decided
    tally.response_seconds.extend(responses)
    sentiments = _count_inbound(tally, history.platform, inbound, scope.tz)
    tally.rows.append(
        ConversationRow(
            conversation_id=history.conversation_id,
            platform=history.platform,
            visibility=history.visibility,
            inbound_messages=len(inbound),
            waiting_periods=len(in_scope),
            answered=len(responses),
            answered_within_target=met,
            median_first_response=timedelta(seconds=percentile(responses, 0.5)) if responses else None,
            longest_first_response=timedelta(seconds=max(responses)) if responses else None,
            overdue_now=overdue,
            average_sentiment=sum(sentiments) / len(sentiments) if sentiments else None,
        )
    )


def _is_customer_message(event: HistoryEvent) -> bool:
    return event.direction is Direction.INBOUND and event.kind is not EventKind.NOTE


def _due(period: WaitingPeriod, history: ConversationHistory, scope: _Scope) -> datetime:
    return due_at(period.started_at, scope.policy, history.platform)


def _score_periods(
    periods: list[WaitingPeriod], history: ConversationHistory, scope: _Scope
) -> tuple[list[float], int, int]:
    """(response seconds of answered periods, answered by the due time, periods whose outcome is known)."""
    responses: list[float] = []
    met = decided = 0
    for period in periods:
        due = _due(period, history, scope)
        if period.answered_at is not None:
            open_time = open_time_between(period.started_at, period.answered_at, scope.policy.business_hours)
            responses.append(open_time.total_seconds())
            met += period.answered_at <= due
            decided += 1
        elif due <= scope.now:  # unanswered and past due: already missed; not yet due: still open, left out
            decided += 1
    return responses, met, decided


def _count_inbound(tally: _Tally, platform: Platform, inbound: list[HistoryEvent], tz: tzinfo) -> list[float]:
    sentiments = []
    for event in inbound:
        local = event.sent_at.astimezone(tz)
        tally.by_platform[platform] += 1
        tally.by_day[local.date()] += 1
        tally.by_hour[local.hour] += 1
        if event.sentiment is not None:
            tally.sentiments[local.date()].append(event.sentiment)
            sentiments.append(event.sentiment)
    return sentiments


def _local_days(scope: _Scope) -> list[date]:
    first = scope.since.astimezone(scope.tz).date()
    last = (scope.until - timedelta(microseconds=1)).astimezone(scope.tz).date()
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


CSV_FIELDS = (
    "conversation_id",
    "platform",
    "visibility",
    "inbound_messages",
    "waiting_periods",
    "answered",
    "answered_within_target",
    "median_first_response_minutes",
    "longest_first_response_minutes",
    "overdue_now",
    "average_sentiment",
)


def _minutes(span: timedelta | None) -> str:
    return "" if span is None else f"{span.total_seconds() / 60:.1f}"


def to_csv_rows(report: ResponseReport) -> list[dict[str, str]]:
    """One dict per conversation, keys in ``CSV_FIELDS`` order, ready for ``csv.DictWriter``."""
    return [
        {
            "conversation_id": str(row.conversation_id),
            "platform": row.platform.value,
            "visibility": row.visibility.value,
            "inbound_messages": str(row.inbound_messages),
            "waiting_periods": str(row.waiting_periods),
            "answered": str(row.answered),
            "answered_within_target": str(row.answered_within_target),
            "median_first_response_minutes": _minutes(row.median_first_response),
            "longest_first_response_minutes": _minutes(row.longest_first_response),
            "overdue_now": "yes" if row.overdue_now else "no",
            "average_sentiment": "" if row.average_sentiment is None else f"{row.average_sentiment:.3f}",
        }
        for row in report.rows
    ]
