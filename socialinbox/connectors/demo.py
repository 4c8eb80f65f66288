"""The demo channel: a simulated bakery, "Crumb & Co. Bakery" (@crumbandco), that needs no account and no network.

Customers (see ``demo_catalogue``) ask questions, praise and complain, in public mentions and in private messages.
Everything is derived from the seed and a message's sequence number ``n`` (``random.Random(f"{seed}:{n}")``), so the
same seed and the same clock times always give the same messages; only the times come from the injected clock.

Timeline. The first poll back-fills messages 1..``backfill`` over the three hours before it, some already past the
one-hour target and some fresh. After that, message ``n + 1`` arrives an exponential gap (mean ``pace_seconds``, drawn
from ``Random(f"{seed}:{n}:gap")``) after message ``n``, or after the first poll for the first message past the
back-fill. A poll emits what arrived up to now, at most ``MAX_PER_POLL`` at a time; the rest come on later polls.

Cursor: ``"v1:<last>:<anchor_ms>:<watermark_ms>"``, three integers, times in milliseconds since the Unix epoch (UTC).
  - ``last``: sequence number of the last customer message emitted (0 when none yet);
  - ``anchor_ms``: the time the gap to message ``last + 1`` is counted from (message ``last``'s arrival, or the first
    poll's time right after the back-fill);
  - ``watermark_ms``: everything that arrived at or before this time has been emitted: customer messages and the
    follow-ups customers write after the shop answers. A capped poll sets it to the last emitted message's time.
A poll handed an earlier cursor emits the same messages again (the repository dedupes them by remote id).

Replies: ``send`` answers at once. Now and then (decided by the idempotency key) the customer writes back 30-120
simulated seconds later in the same thread; that pending follow-up lives in memory in the connector's ``_DemoState``,
so it is lost when the app restarts, which is fine for a demo.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from socialinbox.connectors import demo_catalogue as cat
from socialinbox.connectors.demo_catalogue import SHOP_HANDLE, Customer, Kind, Topic
from socialinbox.domain import (
    Clock,
    OutgoingReply,
    Platform,
    PollResult,
    RemoteAuthor,
    RemoteMessage,
    SentReply,
    Visibility,
    require_utc,
)

MAX_PER_POLL = 20
SITE = "https://demo.socialinbox.invalid"  # .invalid never resolves: nothing real is ever linked
_CURSOR_VERSION = "v1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BACKFILL_OLDEST_MS = 178 * 60_000
_BACKFILL_NEWEST_MS = 2 * 60_000
_MIN_GAP_MS = 1_000  # distinct arrival times keep the order of messages unambiguous
_ANGRY_CHANCE = 0.3
_CHASE_CHANCE = 0.15  # a public customer adds to their own unanswered thread
_CHASE_REACH = 8  # ... at most this many messages later
_FOLLOW_UP_CHANCE = 0.6
_FOLLOW_UP_DELAY_MS = (30_000, 120_000)


def _rng(*parts: object) -> random.Random:
    # A simulation, not security: a seeded, reproducible generator is exactly what is wanted.
    return random.Random(":".join(str(part) for part in parts))  # noqa: S311


def _to_ms(moment: datetime) -> int:
    return (require_utc(moment) - _EPOCH) // timedelta(milliseconds=1)


def _from_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def _remote_id(seed: int, n: int) -> str:
    return f"demo-{seed}-{n}"


@dataclasses.dataclass(frozen=True, slots=True)
class _Cursor:
    last: int
    anchor_ms: int
    watermark_ms: int

    def encode(self) -> str:
        return f"{_CURSOR_VERSION}:{self.last}:{self.anchor_ms}:{self.watermark_ms}"

    @classmethod
    def decode(cls, text: str) -> _Cursor:
        version, *numbers = text.split(":")
        if version != _CURSOR_VERSION or len(numbers) != 3 or not all(part.isdigit() for part in numbers):
            raise ValueError(f"not a demo cursor: {text!r}")
        last, anchor_ms, watermark_ms = (int(part) for part in numbers)
        return cls(last, anchor_ms, watermark_ms)


# --- what message n says (pure: seed and n only) ------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Plan:
    customer: Customer
    kind: Kind
    visibility: Visibility
    text: str
    in_reply_to: str | None = None


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        bread=rng.choice(cat.BREADS),
        pastry=rng.choice(cat.PASTRIES),
        day=rng.choice(cat.DAYS),
        time=rng.choice(cat.TIMES),
        order=rng.choice(cat.ORDER_NUMBERS),
    )


def _pick_topic(rng: random.Random) -> Topic:
    kind = rng.choices(tuple(cat.KIND_WEIGHTS), weights=tuple(cat.KIND_WEIGHTS.values()))[0]
    topics = cat.TOPICS_BY_KIND[kind]
    return rng.choices(topics, weights=[topic.weight for topic in topics])[0]


def _fresh_plan(seed: int, n: int) -> _Plan:
    rng = _rng(seed, n)
    if n in cat.OPENING_TOPICS:
        topic = cat.TOPICS_BY_KEY[cat.OPENING_TOPICS[n]]
        template = topic.texts[0]
    else:
        topic = _pick_topic(rng)
        template = rng.choice(topic.angry if topic.angry and rng.random() < _ANGRY_CHANCE else topic.texts)
    customer = rng.choice(cat.CUSTOMERS)
    visibility = rng.choice(topic.channels)
    return _Plan(customer, topic.kind, visibility, _fill(rng, template))


def _chase_target(seed: int, n: int) -> int | None:
    """The earlier message that message ``n`` would add to, decided from ``n`` alone so it never recurses."""
    if n <= len(cat.OPENING_TOPICS):
        return None
    rng = _rng(seed, n, "chase")
    if rng.random() >= _CHASE_CHANCE:
        return None
    return n - rng.randint(1, min(_CHASE_REACH, n - 1))


def _plan_message(seed: int, n: int) -> _Plan:
    target = _chase_target(seed, n)
    if target is not None and _chase_target(seed, target) is None:
        base = _fresh_plan(seed, target)
        if base.visibility is Visibility.PUBLIC:
            rng = _rng(seed, n)
            text = _fill(rng, rng.choice(cat.CHASERS[base.kind]))
            return dataclasses.replace(base, text=text, in_reply_to=_remote_id(seed, target))
    return _fresh_plan(seed, n)


def _sequence_number(seed: int, remote_id: str | None) -> int | None:
    prefix = f"demo-{seed}-"
    if remote_id is None or not remote_id.startswith(prefix) or not remote_id[len(prefix) :].isdigit():
        return None
    return int(remote_id[len(prefix) :])


def _backfill_times(seed: int, count: int, now_ms: int) -> list[int]:
    """Oldest first, denser towards now: a handful already past the hour, most of them fresh."""
    span = _BACKFILL_OLDEST_MS - _BACKFILL_NEWEST_MS
    times = []
    for n in range(1, count + 1):
        share = (count - n + 1 - _rng(seed, n, "backfill").uniform(0.15, 0.85)) / count
        times.append(now_ms - _BACKFILL_NEWEST_MS - round(span * share**2))
    return times


def _gap_ms(seed: int, n: int, pace_seconds: float) -> int:
    return max(_MIN_GAP_MS, round(_rng(seed, n, "gap").expovariate(1.0 / pace_seconds) * 1000))


def _public_text(text: str, visibility: Visibility) -> str:
    return f"@{SHOP_HANDLE} {text}" if visibility is Visibility.PUBLIC else text


# --- state shared by the threads that poll and send -----------------------------------------------


@dataclasses.dataclass(frozen=True, order=True, slots=True)
class _Event:
    at_ms: int
    remote_id: str
    seq: int | None = dataclasses.field(compare=False)  # the sequence number of a customer message
    message: RemoteMessage = dataclasses.field(compare=False)


class _DemoState:
    """Replies already taken and the customer follow-ups they set off, shared by the threads that poll and send.

    The clock is read under the lock on both sides, so a poll that read time ``t`` has seen every reply sent before
    ``t``, and a reply sent after it has its follow-up due after ``t``: no watermark can pass a follow-up unseen.
    Nothing is forgotten (an older cursor may come back after a failed save); a person types the replies, so this
    stays small for the life of the connector.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: dict[str, SentReply] = {}
        self._pending: list[_Event] = []

    def record_send(
        self, clock: Clock, key: str, build: Callable[[datetime], tuple[SentReply, _Event | None]]
    ) -> SentReply:
        """Keep the first reply under ``key``; a repeat returns it and schedules nothing new."""
        with self._lock:
            if key in self._sent:
                return self._sent[key]
            sent, follow_up = build(require_utc(clock.now()))
            self._sent[key] = sent
            if follow_up is not None:
                self._pending.append(follow_up)
            return sent

    def sent_under(self, key: str) -> SentReply | None:
        with self._lock:
            return self._sent.get(key)

    def now_and_follow_ups(self, clock: Clock, after_ms: int | None) -> tuple[int, list[_Event]]:
        """The time now, and the follow-ups due after ``after_ms`` up to then (or up to ``after_ms``, if later)."""
        with self._lock:
            now_ms = _to_ms(clock.now())
            until_ms = now_ms if after_ms is None else max(now_ms, after_ms)
            due = [event for event in self._pending if event.at_ms <= until_ms]
            return now_ms, [event for event in due if after_ms is None or event.at_ms > after_ms]


# --- the connector ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class DemoConnector:
    clock: Clock
    seed: int = 7
    pace_seconds: float = 45.0
    backfill: int = 14
    _state: _DemoState = dataclasses.field(default_factory=_DemoState, init=False, compare=False, repr=False)

    # A class attribute, not a field: the protocol declares ``platform`` settable, which a frozen field is not.
    platform = Platform.DEMO

    def __post_init__(self) -> None:
        if not self.pace_seconds > 0:
            raise ValueError(f"demo pace_seconds must be positive, not {self.pace_seconds!r}")
        if not 0 <= self.backfill <= MAX_PER_POLL:
            raise ValueError(f"demo backfill must be between 0 and {MAX_PER_POLL}, not {self.backfill!r}")

    def verify(self, client: httpx.Client, token: str) -> str:
        return SHOP_HANDLE

    def poll(self, client: httpx.Client, token: str, cursor: str | None) -> PollResult:
        if cursor is None:
            return self._first_poll()
        return self._next_poll(_Cursor.decode(cursor))

    def send(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply:
        return self._state.record_send(self.clock, reply.idempotency_key, lambda now: self._answer(reply, now))

    def find_sent(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply | None:
        """The reply an earlier attempt posted, if one did (the simulated shop remembers them by idempotency key)."""
        return self._state.sent_under(reply.idempotency_key)

    def _first_poll(self) -> PollResult:
        now_ms, follow_ups = self._state.now_and_follow_ups(self.clock, None)
        times = _backfill_times(self.seed, self.backfill, now_ms)
        events = [self._customer_event(n, at_ms) for n, at_ms in enumerate(times, start=1)]
        return _result(sorted(events + follow_ups), _Cursor(self.backfill, now_ms, now_ms))

    def _next_poll(self, cursor: _Cursor) -> PollResult:
        now_ms, follow_ups = self._state.now_and_follow_ups(self.clock, cursor.watermark_ms)
        horizon_ms = max(now_ms, cursor.watermark_ms)  # a clock set back never takes back what was emitted
        events = sorted(self._arrivals(cursor, horizon_ms) + follow_ups)
        watermark_ms = horizon_ms
        if len(events) > MAX_PER_POLL:
            # Cut after the cap but never inside a run of equal times, or the watermark would skip one of them.
            watermark_ms = events[MAX_PER_POLL - 1].at_ms
            events = [event for event in events if event.at_ms <= watermark_ms]
        last, anchor_ms = cursor.last, cursor.anchor_ms
        for event in events:
            if event.seq is not None:  # a customer message, not a follow-up: the chain moves on from it
                last, anchor_ms = event.seq, event.at_ms
        return _result(events, _Cursor(last, anchor_ms, watermark_ms))

    def _arrivals(self, cursor: _Cursor, horizon_ms: int) -> list[_Event]:
        """Customer messages after the cursor up to the horizon; one more than a poll may emit is enough to know."""
        n, at_ms = cursor.last, cursor.anchor_ms
        events: list[_Event] = []
        while len(events) <= MAX_PER_POLL:
            at_ms += _gap_ms(self.seed, n, self.pace_seconds)
            n += 1
            if at_ms > horizon_ms:
                break
            events.append(self._customer_event(n, at_ms))
        return events

    def _customer_event(self, n: int, at_ms: int) -> _Event:
        plan = _plan_message(self.seed, n)
        customer = plan.customer
        message = RemoteMessage(
            remote_id=_remote_id(self.seed, n),
            author=RemoteAuthor(f"demo-user-{customer.handle}", customer.handle, customer.name, customer.followers),
            text=_public_text(plan.text, plan.visibility),
            sent_at=_from_ms(at_ms),
            visibility=plan.visibility,
            thread_key=None if plan.visibility is Visibility.PUBLIC else f"dm:{customer.handle}",
            in_reply_to=plan.in_reply_to,
            url=f"{SITE}/@{customer.handle}/{n}",
        )
        return _Event(at_ms, message.remote_id, n, message)

    def _answer(self, reply: OutgoingReply, now: datetime) -> tuple[SentReply, _Event | None]:
        key = reply.idempotency_key
        sent = SentReply(f"demo-out-{key}", now, url=f"{SITE}/@{SHOP_HANDLE}/out-{quote(key, safe='')}")
        return sent, self._follow_up(reply, sent)

    def _follow_up(self, reply: OutgoingReply, sent: SentReply) -> _Event | None:
        """The customer's answer to ``reply``, if this reply gets one (decided by its idempotency key)."""
        rng = _rng(self.seed, "reply", reply.idempotency_key)
        if reply.recipient is None or rng.random() >= _FOLLOW_UP_CHANCE:
            return None
        at_ms = _to_ms(sent.sent_at) + rng.randint(*_FOLLOW_UP_DELAY_MS)
        text = _fill(rng, rng.choice(cat.FOLLOW_UPS[self._kind_answered(reply)]))
        message = RemoteMessage(
            remote_id=f"demo-{self.seed}-re-{reply.idempotency_key}",
            author=reply.recipient,
            text=_public_text(text, reply.visibility),
            sent_at=_from_ms(at_ms),
            visibility=reply.visibility,
            thread_key=reply.thread_key,
            in_reply_to=sent.remote_id,
            url=f"{SITE}/@{reply.recipient.handle}/re-{quote(reply.idempotency_key, safe='')}",
        )
        return _Event(at_ms, message.remote_id, None, message)

    def _kind_answered(self, reply: OutgoingReply) -> Kind:
        n = _sequence_number(self.seed, reply.in_reply_to)
        if n is not None:
            return _plan_message(self.seed, n).kind
        # Not one of ours (an answer to a follow-up, or no message named): an apology means it was a complaint.
        lowered = reply.text.casefold()
        return Kind.COMPLAINT if "sorry" in lowered or "apolog" in lowered else Kind.QUESTION


def _result(events: list[_Event], cursor: _Cursor) -> PollResult:
    return PollResult(messages=tuple(event.message for event in events), cursor=cursor.encode())


def build_demo(settings: Mapping[str, Any], clock: Clock) -> DemoConnector:
    """The ``ConnectorFactory`` for the demo channel; every setting is optional."""
    return DemoConnector(
        clock=clock,
        seed=_setting(settings, "seed", 7, int),
        pace_seconds=float(_setting(settings, "pace_seconds", 45.0, (int, float))),
        backfill=_setting(settings, "backfill", 14, int),
    )


def _setting(settings: Mapping[str, Any], name: str, default: Any, kinds: type | tuple[type, ...]) -> Any:
    value = settings.get(name, default)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise ValueError(f"demo setting {name!r} has the wrong type: {type(value).__name__}")
    return value
