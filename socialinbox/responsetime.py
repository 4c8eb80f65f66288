"""The one-hour clock: when a conversation is due, how that looks to the owner, which reminders fire.

Pure rules over aware datetimes and an injected ``now``; nothing here reads a clock or does I/O. Business
hours are wall-clock intervals in an IANA zone, turned into UTC one local day at a time, so both
daylight-saving changes come out right without special cases.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from datetime import UTC, date, datetime, time, timedelta, tzinfo
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


_URGENCY = {ReminderKind.SNOOZE_OVER: 0, ReminderKind.AT_RISK: 1, ReminderKind.OVERDUE: 2}


@dataclasses.dataclass(frozen=True, slots=True)
class ClockItem:
    """A conversation waiting for a reply, as the reminder tick sees it.

    Keep ``snoozed_until`` (the end of the latest snooze) for the rest of the waiting period even after the
    snooze is over: transitions that happened while snoozed stay quiet only while it is known.
    """

    conversation_id: int
    platform: Platform
    waiting_since: datetime
    snoozed_until: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "waiting_since", require_utc(self.waiting_since))
        if self.snoozed_until is not None:
            object.__setattr__(self, "snoozed_until", require_utc(self.snoozed_until))


@dataclasses.dataclass(frozen=True, slots=True)
class ReminderKey:
    """What makes a reminder fire once: per waiting period, and for snoozes per snooze end."""

    conversation_id: int
    waiting_since: datetime
    kind: ReminderKind
    snoozed_until: datetime | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Reminder:
    conversation_id: int
    kind: ReminderKind
    due_at: datetime
    platform: Platform
    waiting_since: datetime
    snoozed_until: datetime | None = None  # set for SNOOZE_OVER only

    @property
    def key(self) -> ReminderKey:
        return ReminderKey(self.conversation_id, self.waiting_since, self.kind, self.snoozed_until)


def reminders_to_fire(
    items: Iterable[ClockItem], fired: AbstractSet[ReminderKey], now: datetime, policy: ResponsePolicy
) -> list[Reminder]:
    """The reminders due at ``now`` whose keys are not in ``fired``; the caller adds the keys it delivers."""
    now = require_utc(now)
    found = [reminder for item in items for reminder in _reminders_for(item, now, policy) if reminder.key not in fired]
    return sorted(found, key=lambda r: (r.due_at, r.conversation_id, _URGENCY[r.kind]))


def _reminders_for(item: ClockItem, now: datetime, policy: ResponsePolicy) -> list[Reminder]:
    due = due_at(item.waiting_since, policy, item.platform)
    snooze = item.snoozed_until if item.snoozed_until and item.snoozed_until > item.waiting_since else None
    if snooze is not None and now < snooze:
        return []

    def make(kind: ReminderKind, snoozed_until: datetime | None = None) -> Reminder:
        return Reminder(item.conversation_id, kind, due, item.platform, item.waiting_since, snoozed_until)

    found = [make(ReminderKind.SNOOZE_OVER, snooze)] if snooze is not None else []
    # A transition that happened while snoozed stays quiet: the snooze-over reminder already brings it back.
    # Only the current state can fire, so a conversation first seen overdue never gets a stale at-risk one.
    state = clock_state(due, now, policy)
    if state is ClockState.OVERDUE and (snooze is None or due >= snooze):
        found.append(make(ReminderKind.OVERDUE))
    elif state is ClockState.AT_RISK and (snooze is None or due - policy.at_risk_before >= snooze):
        found.append(make(ReminderKind.AT_RISK))
    return found


_TITLES = {  # kind: (one conversation, several)
    ReminderKind.OVERDUE: ("{label} is overdue", "{n} conversations are overdue"),
    ReminderKind.AT_RISK: ("{label} is about to miss the hour", "{n} conversations are about to miss the hour"),
    ReminderKind.SNOOZE_OVER: ("{label} is back from snooze", "{n} snoozed conversations are back"),
}
_LISTED = 3  # names in a grouped notification before "and N more"


def group_reminders(
    reminders: Iterable[Reminder], now: datetime | None = None, labels: Mapping[int, str] | None = None
) -> list[tuple[str, str]]:
    """(title, body) notifications: one per kind, most urgent first, and one line per conversation.

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
        if len(group) == 1:
            only = group[0]
            label = names.get(only.conversation_id) or f"A {PLATFORM_LABELS[only.platform]} conversation"
            phrase = describe_time_left(only.due_at, now) if now is not None else ""
            notes.append((_TITLES[kind][0].format(label=label), phrase[:1].upper() + phrase[1:]))
        elif group:
            notes.append((_TITLES[kind][1].format(n=len(group)), _listing(group, now, names)))
    return notes


def _listing(group: list[Reminder], now: datetime | None, names: Mapping[int, str]) -> str:
    parts = []
    for reminder in group[:_LISTED]:
        name = names.get(reminder.conversation_id) or PLATFORM_LABELS[reminder.platform]
        parts.append(f"{name} ({describe_time_left(reminder.due_at, now)})" if now is not None else name)
    more = len(group) - _LISTED
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


# --- promised times in a sent reply -------------------------------------------------------------

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NAMED_DAY = "today|tomorrow|" + "|".join(_WEEKDAYS)
_CLOCK = (
    r"(?:(?P<h>1[0-2]|0?[1-9])(?::(?P<m>[0-5]\d))?\s*(?P<ampm>am|pm)\b"
    r"|(?P<h24>[01]?\d|2[0-3]):(?P<m24>[0-5]\d)\b|(?P<noon>noon|midday)\b"
    r"|(?P<eod>(?:the\s+)?(?:end\s+of\s+(?:the\s+)?(?:day|today)|close\s+of\s+business|eod|cob|closing(?:\s+time)?)\b))"
)
_BY = r"\b(?:by|before|no\s+later\s+than)\s+"
_BY_CLOCK = re.compile(
    rf"(?:\b(?P<d1>{_NAMED_DAY})\s+)?{_BY}(?:(?P<d2>{_NAMED_DAY})\s+(?:at\s+)?)?{_CLOCK}"
    rf"(?:\s+(?:on\s+)?(?P<d3>{_NAMED_DAY})\b)?",
    re.IGNORECASE,
)
_ON_DAY = re.compile(
    rf"\b(?:(?:by|before|on|this|next|coming)\s+(?P<d>tomorrow|{'|'.join(_WEEKDAYS)})|(?P<t>tomorrow))\b"
    r"(?:\s+(?P<part>morning|afternoon|evening))?",
    re.IGNORECASE,
)
_WORD_AMOUNTS: dict[str, float] = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_WORD_AMOUNTS |= {"ten": 10, "twenty": 20, "thirty": 30, "a couple of": 2, "a few": 3, "half an": 0.5}
_WORDS = "|".join(sorted((word.replace(" ", r"\s+") for word in _WORD_AMOUNTS), key=len, reverse=True))
_WITHIN = re.compile(
    rf"\b(?:with)?in\s+(?:the\s+next\s+)?(?:(?P<n>\d{{1,3}})\s*|(?P<w>{_WORDS})\s+)"
    r"(?P<unit>minutes?|mins?|hours?|hrs?|h)\b|\bwithin\s+the\s+hour\b",
    re.IGNORECASE,
)
_AMPM_DOTS = re.compile(r"\b([ap])\.\s?m\b\.?", re.IGNORECASE)
_CLAUSES = re.compile(r"[.!?;:,](?:\s+|$)|\n|\s(?:but|and|so)\s", re.IGNORECASE)
_PAST = re.compile(r"\b(?:yesterday|ago|last|earlier|was|were|had|did)\b", re.IGNORECASE)
_RELATIVE_DAYS = {"today": 0, "tomorrow": 1}
_PARTS_OF_DAY = {"afternoon": time(14), "evening": time(18)}


def find_promised_time(text: str, sent_at: datetime, tz: tzinfo, hours: BusinessHours | None = None) -> datetime | None:
    """The first follow-up time promised in a sent reply ("by 3pm", "tomorrow", "within 2 hours"), aware UTC.

    Conservative: clauses that speak of the past ("yesterday", "was", "ago") are skipped, a bare clock time
    needs "by"/"before", and a day alone means its opening (``hours`` read in ``tz``) or 10:00 local.
    """
    sent = require_utc(sent_at)
    local = sent.astimezone(tz)
    resolvers: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], datetime, BusinessHours | None], datetime]], ...]
    resolvers = ((_BY_CLOCK, _at_clock), (_ON_DAY, _on_day), (_WITHIN, _within))
    for clause in _CLAUSES.split(_AMPM_DOTS.sub(r"\1m", text)):
        if _PAST.search(clause):
            continue
        found = [(match, resolve) for pattern, resolve in resolvers for match in pattern.finditer(clause)]
        found.sort(key=lambda pair: (pair[0].start(), -len(pair[0][0])))
        for match, resolve in found:
            promised = resolve(match, local, hours)
            if promised > sent:
                return promised.astimezone(UTC)
    return None


def _named_day(word: str, today: date, allow_today: bool) -> date:
    word = word.lower()
    if word in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[word])
    ahead = (_WEEKDAYS.index(word) - today.weekday()) % 7
    return today + timedelta(days=ahead if ahead or allow_today else 7)


def _at_clock(match: re.Match[str], local: datetime, hours: BusinessHours | None) -> datetime:
    if match["eod"]:  # today's closing time; after it, the next day's
        openings = hours.week[local.weekday()] if hours is not None else ()
        at = openings[-1].end if openings else time(17)
    elif match["noon"]:
        at = time(12)
    elif match["h24"]:
        at = time(int(match["h24"]), int(match["m24"]))
    else:
        at = time(int(match["h"]) % 12 + (12 if match["ampm"].lower() == "pm" else 0), int(match["m"] or 0))
    word = match["d1"] or match["d2"] or match["d3"]
    if word:
        return datetime.combine(_named_day(word, local.date(), at > local.time()), at, tzinfo=local.tzinfo)
    promised = datetime.combine(local.date(), at, tzinfo=local.tzinfo)
    return promised if promised > local else datetime.combine(local.date() + _DAY, at, tzinfo=local.tzinfo)


def _on_day(match: re.Match[str], local: datetime, hours: BusinessHours | None) -> datetime:
    day = _named_day(match["d"] or match["t"], local.date(), allow_today=False)
    part = (match["part"] or "").lower()
    openings = hours.week[day.weekday()] if hours is not None else ()
    at = _PARTS_OF_DAY.get(part) or (openings[0].start if openings else time(10))
    return datetime.combine(day, at, tzinfo=local.tzinfo)


def _within(match: re.Match[str], local: datetime, hours: BusinessHours | None) -> datetime:
    sent = local.astimezone(UTC)  # elapsed time, not wall-clock arithmetic: right across a DST change
    if match["unit"] is None:  # "within the hour"
        return sent + timedelta(hours=1)
    amount = float(match["n"]) if match["n"] else _WORD_AMOUNTS[" ".join(match["w"].lower().split())]
    unit = timedelta(minutes=1) if match["unit"].lower().startswith("m") else timedelta(hours=1)
    return sent + amount * unit
