"""The one-hour clock: when a conversation is due, how that looks to the owner, which reminders fire.

Pure rules over aware datetimes and an injected ``now``; nothing here reads a clock or does I/O. Business
hours are wall-clock intervals in an IANA zone, turned into UTC one local day at a time, so both
daylight-saving changes come out right without special cases.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from socialinbox.domain import PLATFORM_LABELS, Platform, require_utc

MIDNIGHT = time(0)
_DAY = timedelta(days=1)


@dataclasses.dataclass(frozen=True, slots=True)
class Opening:
    """One opening interval in local wall-clock time; ``end=time(0)`` means midnight at the end of the day."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("opening times are local wall-clock times without a zone")
        if self.end != MIDNIGHT and self.end <= self.start:
            raise ValueError(f"an opening must end after it starts: {self.start}-{self.end}")


@dataclasses.dataclass(frozen=True, slots=True)
class BusinessHours:
    """Opening intervals for each weekday (``week[0]`` is Monday) in one IANA time zone."""

    timezone: str
    week: tuple[tuple[Opening, ...], ...]

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # a misspelt zone fails here, not at the first reminder tick
        if len(self.week) != 7:
            raise ValueError("business hours need seven days, Monday first")
        days = tuple(tuple(sorted(day, key=lambda opening: opening.start)) for day in self.week)
        for day in days:
            for before, after in itertools.pairwise(day):
                if before.end == MIDNIGHT or after.start < before.end:
                    raise ValueError("openings on one day must not overlap")
        if not any(days):  # a shop that never opens would make every due time infinite
            raise ValueError("business hours need at least one opening a week")
        object.__setattr__(self, "week", days)

    @classmethod
    def on_days(cls, timezone: str, weekdays: Iterable[int], *openings: tuple[time, time]) -> BusinessHours:
        """The same openings on each of ``weekdays`` (0 = Monday), closed on the other days."""
        chosen = set(weekdays)
        day = tuple(Opening(start, end) for start, end in openings)
        return cls(timezone, tuple(day if weekday in chosen else () for weekday in range(7)))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclasses.dataclass(frozen=True, slots=True)
class ResponsePolicy:
    """The response target, per-channel overrides, the at-risk margin and optional business hours."""

    target: timedelta = timedelta(minutes=60)
    per_platform: Mapping[Platform, timedelta] = dataclasses.field(default_factory=dict)
    at_risk_before: timedelta = timedelta(minutes=15)
    business_hours: BusinessHours | None = None  # None: the clock runs around the day

    def __post_init__(self) -> None:
        if any(target <= timedelta(0) for target in (self.target, *self.per_platform.values())):
            raise ValueError("a response target must be positive")
        if self.at_risk_before < timedelta(0):
            raise ValueError("the at-risk margin cannot be negative")
        object.__setattr__(self, "per_platform", MappingProxyType(dict(self.per_platform)))

    def target_for(self, platform: Platform) -> timedelta:
        return self.per_platform.get(platform, self.target)


def _instant(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def _open_windows(start: datetime, hours: BusinessHours) -> Iterator[tuple[datetime, datetime]]:
    """Open stretches in UTC from ``start`` on, the first clipped to begin no earlier than ``start``; endless."""
    zone = hours.zone
    day = start.astimezone(zone).date()
    while True:
        for opening in hours.week[day.weekday()]:
            opens = _instant(day, opening.start, zone)
            closes = _instant(day + _DAY if opening.end == MIDNIGHT else day, opening.end, zone)
            if closes > start and closes > opens:
                yield max(opens, start), closes
        day += _DAY


def due_at(waiting_since: datetime, policy: ResponsePolicy, platform: Platform) -> datetime:
    """When the reply is due: ``waiting_since`` plus the target, counting only open time if hours are set."""
    since = require_utc(waiting_since)
    left = policy.target_for(platform)
    if policy.business_hours is None:
        return since + left
    for opens, closes in _open_windows(since, policy.business_hours):
        if left <= closes - opens:
            return opens + left
        left -= closes - opens
    raise AssertionError("unreachable: open windows never run out")


def open_time_between(start: datetime, end: datetime, hours: BusinessHours | None) -> timedelta:
    """How much of [start, end) the shop was open (all of it without business hours)."""
    start, end = require_utc(start), require_utc(end)
    if end <= start:
        return timedelta(0)
    if hours is None:
        return end - start
    total = timedelta(0)
    for opens, closes in _open_windows(start, hours):
        if opens >= end:
            return total
        total += min(closes, end) - opens
    raise AssertionError("unreachable: open windows never run out")


def is_open(now: datetime, business_hours: BusinessHours | None) -> bool:
    return next_opening(now, business_hours) == require_utc(now)


def next_opening(now: datetime, business_hours: BusinessHours | None) -> datetime:
    """When the shop next opens; ``now`` itself while open. The closed period it ends names that period."""
    now = require_utc(now)
    return now if business_hours is None else next(_open_windows(now, business_hours))[0]


class ClockState(enum.StrEnum):
    ON_TIME = "on-time"
    AT_RISK = "at-risk"
    OVERDUE = "overdue"


def clock_state(due: datetime, now: datetime, policy: ResponsePolicy) -> ClockState:
    """Overdue from the due moment on; at risk once no more than ``at_risk_before`` is left."""
    left = require_utc(due) - require_utc(now)
    if left <= timedelta(0):
        return ClockState.OVERDUE
    return ClockState.AT_RISK if left <= policy.at_risk_before else ClockState.ON_TIME


def describe_time_left(due: datetime, now: datetime) -> str:
    """Owner-friendly: "23 min left", "1 h 5 min left", "overdue by 2 h", "due now" (whole minutes, rounded down)."""
    left = require_utc(due) - require_utc(now)
    minutes = int(abs(left).total_seconds() // 60)
    if minutes == 0:
        return "due now"
    days, rest = divmod(minutes, 24 * 60)
    units = [(days, "d"), (rest // 60, "h"), (rest % 60, "min")]
    first = next(index for index, (amount, _unit) in enumerate(units) if amount)
    # The two largest units from the first that is not zero: "1 d 3 h", "1 h 5 min", "2 h", "23 min".
    span = " ".join(f"{amount} {unit}" for amount, unit in units[first : first + 2] if amount)
    return f"{span} left" if left > timedelta(0) else f"overdue by {span}"


# --- reminders ----------------------------------------------------------------------------------


class ReminderKind(enum.StrEnum):
    AT_RISK = "at-risk"
    OVERDUE = "overdue"
    SNOOZE_OVER = "snooze-over"
    FOLLOW_UP = "follow-up"  # the time promised in a holding reply has come


_URGENCY = {ReminderKind.SNOOZE_OVER: 0, ReminderKind.FOLLOW_UP: 1, ReminderKind.AT_RISK: 2, ReminderKind.OVERDUE: 3}


@dataclasses.dataclass(frozen=True, slots=True)
class ClockItem:
    """A conversation as the reminder tick sees it: waiting for a reply, snoozed, or owed a promised follow-up.

    Keep ``snoozed_until`` (the end of the latest snooze) for the rest of the waiting period even after the
    snooze is over: transitions that happened while snoozed stay quiet only while it is known.
    ``waiting_since`` is None when the customer is not waiting (a follow-up after a holding reply).
    """

    conversation_id: int
    platform: Platform
    waiting_since: datetime | None
    snoozed_until: datetime | None = None
    follow_up_at: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("waiting_since", "snoozed_until", "follow_up_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, require_utc(value))


@dataclasses.dataclass(frozen=True, slots=True)
class ReminderKey:
    """What makes a reminder fire once: per waiting period, for snoozes per snooze end, for follow-ups per time."""

    conversation_id: int
    waiting_since: datetime | None
    kind: ReminderKind
    snoozed_until: datetime | None = None
    follow_up_at: datetime | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Reminder:
    conversation_id: int
    kind: ReminderKind
    due_at: datetime  # the reply's due time; for FOLLOW_UP the promised time
    platform: Platform
    waiting_since: datetime | None
    snoozed_until: datetime | None = None  # set for SNOOZE_OVER only
    follow_up_at: datetime | None = None  # set for FOLLOW_UP only

    @property
    def key(self) -> ReminderKey:
        return ReminderKey(self.conversation_id, self.waiting_since, self.kind, self.snoozed_until, self.follow_up_at)

    def moment(self, policy: ResponsePolicy) -> datetime:
        """When this reminder became due: what "it happened before the app started" is measured against."""
        if self.kind is ReminderKind.AT_RISK:
            return self.due_at - policy.at_risk_before
        if self.kind is ReminderKind.SNOOZE_OVER and self.snoozed_until is not None:
            return self.snoozed_until
        return self.due_at


def reminders_to_fire(
    items: Iterable[ClockItem], fired: AbstractSet[ReminderKey], now: datetime, policy: ResponsePolicy
) -> list[Reminder]:
    """The reminders due at ``now`` whose keys are not in ``fired``; the caller adds the keys it delivers."""
    now = require_utc(now)
    found = [reminder for item in items for reminder in _reminders_for(item, now, policy) if reminder.key not in fired]
    return sorted(found, key=lambda r: (r.due_at, r.conversation_id, _URGENCY[r.kind]))


def _current_snooze(item: ClockItem) -> datetime | None:
    """The snooze that belongs to this waiting period; one that ended before the period began is history.

    A snooze may end exactly when the period begins: a conversation snoozed while nobody waited comes back
    with its clock starting at the end of the snooze.
    """
    snooze = item.snoozed_until
    if snooze is None or (item.waiting_since is not None and snooze < item.waiting_since):
        return None
    return snooze


def _reminders_for(item: ClockItem, now: datetime, policy: ResponsePolicy) -> list[Reminder]:
    snooze = _current_snooze(item)
    if snooze is not None and now < snooze:
        return []
    found = []
    if snooze is not None:
        due = due_at(item.waiting_since, policy, item.platform) if item.waiting_since else snooze
        found.append(
            Reminder(item.conversation_id, ReminderKind.SNOOZE_OVER, due, item.platform, item.waiting_since, snooze)
        )
    if item.follow_up_at is not None and now >= item.follow_up_at:
        found.append(
            Reminder(
                item.conversation_id,
                ReminderKind.FOLLOW_UP,
                item.follow_up_at,
                item.platform,
                None,
                None,
                item.follow_up_at,
            )
        )
    if item.waiting_since is not None:
        found += _clock_reminders(item, item.waiting_since, snooze, now, policy)
    return found


def _clock_reminders(
    item: ClockItem, waiting_since: datetime, snooze: datetime | None, now: datetime, policy: ResponsePolicy
) -> list[Reminder]:
    due = due_at(waiting_since, policy, item.platform)

    def make(kind: ReminderKind) -> Reminder:
        return Reminder(item.conversation_id, kind, due, item.platform, waiting_since)

    # A transition that happened while snoozed stays quiet: the snooze-over reminder already brings it back.
    # Only the current state can fire, so a conversation first seen overdue never gets a stale at-risk one.
    state = clock_state(due, now, policy)
    if state is ClockState.OVERDUE and (snooze is None or due >= snooze):
        return [make(ReminderKind.OVERDUE)]
    if state is ClockState.AT_RISK and (snooze is None or due - policy.at_risk_before >= snooze):
        return [make(ReminderKind.AT_RISK)]
    return []


def away_reply_due(
    now: datetime, hours: BusinessHours | None, customer_wrote_at: datetime, away_replied_at: datetime | None
) -> bool:
    """Whether to send the away reply now: the shop is closed, the customer wrote during this closed period, and
    no away reply went out in it yet. A closed period is named by the opening that ends it (``next_opening``),
    so "once per conversation per closed period" needs no stored period, only the time of the last away reply.
    """
    if hours is None or is_open(now, hours):
        return False
    period = next_opening(now, hours)
    if next_opening(customer_wrote_at, hours) != period:  # wrote while open, or in an earlier closed period
        return False
    return away_replied_at is None or next_opening(away_replied_at, hours) != period


_TITLES = {  # kind: (one conversation, several)
    ReminderKind.OVERDUE: ("{label} is overdue", "{n} conversations are overdue"),
    ReminderKind.AT_RISK: ("{label} is about to miss the hour", "{n} conversations are about to miss the hour"),
    ReminderKind.SNOOZE_OVER: ("{label} is back from snooze", "{n} snoozed conversations are back"),
    ReminderKind.FOLLOW_UP: ("Time to follow up with {label}", "{n} promised follow-ups are due"),
}
_LISTED = 3  # names in a grouped notification before "and N more"


@dataclasses.dataclass(frozen=True, slots=True)
class ReminderNote:
    """One desktop notification: what it says and which conversations it stands for (one: a click opens it)."""

    title: str
    body: str
    conversation_ids: tuple[int, ...]


def reminder_notes(
    reminders: Iterable[Reminder], now: datetime | None = None, labels: Mapping[int, str] | None = None
) -> list[ReminderNote]:
    """One notification per kind, most urgent first, and one line per conversation.

    ``labels`` names conversations by id ("Anna on Mastodon"); ``now`` adds the time left to the body.
    When a snooze ends on an at-risk or overdue conversation, only the more urgent reminder is shown.
    """
    names = labels or {}
    chosen: dict[int, Reminder] = {}
    for reminder in reminders:
        best = chosen.get(reminder.conversation_id)
        if best is None or _URGENCY[reminder.kind] > _URGENCY[best.kind]:
            chosen[reminder.conversation_id] = reminder
    notes = []
    for kind in sorted(ReminderKind, key=lambda k: -_URGENCY[k]):
        group = sorted((r for r in chosen.values() if r.kind is kind), key=lambda r: (r.due_at, r.conversation_id))
        ids = tuple(r.conversation_id for r in group)
        if len(group) == 1:
            only = group[0]
            unnamed = "a {} customer" if kind is ReminderKind.FOLLOW_UP else "A {} conversation"
            label = names.get(only.conversation_id) or unnamed.format(PLATFORM_LABELS[only.platform])
            phrase = describe_time_left(only.due_at, now) if now is not None else ""
            notes.append(ReminderNote(_TITLES[kind][0].format(label=label), phrase[:1].upper() + phrase[1:], ids))
        elif group:
            notes.append(ReminderNote(_TITLES[kind][1].format(n=len(group)), _listing(group, now, names), ids))
    return notes


def group_reminders(
    reminders: Iterable[Reminder], now: datetime | None = None, labels: Mapping[int, str] | None = None
) -> list[tuple[str, str]]:
    """(title, body) of each notification ``reminder_notes`` would show."""
    return [(note.title, note.body) for note in reminder_notes(reminders, now, labels)]


def _listing(group: list[Reminder], now: datetime | None, names: Mapping[int, str]) -> str:
    parts = []
    for reminder in group[:_LISTED]:
        name = names.get(reminder.conversation_id) or PLATFORM_LABELS[reminder.platform]
        parts.append(f"{name} ({describe_time_left(reminder.due_at, now)})" if now is not None else name)
    more = len(group) - _LISTED
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")
