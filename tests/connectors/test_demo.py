"""The demo bakery: deterministic, gap-free, threaded like a real channel, and never on the network."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from socialinbox.connectors.base import Connector, ConnectorFactory
from socialinbox.connectors.demo import MAX_PER_POLL, DemoConnector, build_demo
from socialinbox.connectors.demo_catalogue import CHASERS, FOLLOW_UPS, TOPICS_BY_KIND, Kind
from socialinbox.domain import OutgoingReply, Platform, PollResult, RemoteMessage, SentReply, Visibility
from tests.conftest import FakeClock


def _pattern(template: str) -> re.Pattern[str]:
    """A catalogue text as a regex: placeholders match any filling, the public @-mention is optional."""
    literal = ".+?".join(re.escape(part) for part in re.split(r"\{\w+\}", template))
    return re.compile(f"^(?:@crumbandco )?{literal}$")


_TOPIC_PATTERNS = [
    (_pattern(text), kind) for kind, topics in TOPICS_BY_KIND.items() for t in topics for text in t.texts + t.angry
]
_CHASER_PATTERNS = [_pattern(text) for texts in CHASERS.values() for text in texts]


def kind_of(message: RemoteMessage) -> Kind | None:
    return next((kind for pattern, kind in _TOPIC_PATTERNS if pattern.match(message.text)), None)


def matches_any(text: str, templates: tuple[str, ...]) -> bool:
    return any(_pattern(template).match(text) for template in templates)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """A client that fails the test if the demo ever makes a request."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"the demo must not use the network: {request.url}")

    with httpx.Client(transport=httpx.MockTransport(refuse)) as refusing:
        yield refusing


def poll_steps(
    connector: Connector, client: httpx.Client, clock: FakeClock, steps: Sequence[float]
) -> list[PollResult]:
    """A first poll now, then one poll after each step (seconds)."""
    results = [connector.poll(client, "", None)]
    for seconds in steps:
        clock.advance(seconds=seconds)
        results.append(connector.poll(client, "", results[-1].cursor))
    return results


def drain(connector: Connector, client: httpx.Client, cursor: str | None) -> tuple[list[RemoteMessage], str | None]:
    """Poll at one moment until nothing more comes: what a capped backlog releases over several polls."""
    messages: list[RemoteMessage] = []
    for _ in range(1_000):  # bounded: a demo that repeats itself fails the test instead of hanging it
        result = connector.poll(client, "", cursor)
        assert len(result.messages) <= MAX_PER_POLL
        cursor = result.cursor
        if not result.messages:
            return messages, cursor
        messages += result.messages
    raise AssertionError("the backlog never ran dry")


def ids(messages: list[RemoteMessage] | tuple[RemoteMessage, ...]) -> list[str]:
    return [message.remote_id for message in messages]


def ids_of(answers: dict[str, SentReply]) -> set[str]:
    return {answer.remote_id for answer in answers.values()}


def reply_to(message: RemoteMessage, key: str, text: str = "Thanks for writing, we're on it!") -> OutgoingReply:
    return OutgoingReply(
        outbox_id=1,
        idempotency_key=key,
        text=text,
        visibility=message.visibility,
        thread_key=message.thread_key,
        in_reply_to=message.remote_id,
        recipient=message.author,
    )


def test_demo_builds_from_empty_settings_as_a_connector(clock: FakeClock, client: httpx.Client) -> None:
    factory: ConnectorFactory = build_demo
    connector: Connector = factory({}, clock)
    assert connector.platform is Platform.DEMO
    assert connector == DemoConnector(clock=clock, seed=7, pace_seconds=45.0, backfill=14)
    assert connector.verify(client, "") == "crumbandco"


@pytest.mark.parametrize(
    "settings", [{"seed": "7"}, {"seed": True}, {"pace_seconds": 0}, {"pace_seconds": "fast"}, {"backfill": -1}]
)
def test_bad_settings_are_rejected(clock: FakeClock, settings: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="demo"):
        build_demo(settings, clock)


def test_same_seed_and_times_give_identical_messages(clock: FakeClock, client: httpx.Client) -> None:
    steps = [30, 200, 5, 900, 61]
    start = clock.now()
    first = poll_steps(build_demo({"seed": 3}, clock), client, clock, steps)
    clock.set(start)
    second = poll_steps(build_demo({"seed": 3}, clock), client, clock, steps)
    assert first == second
    assert sum(len(result.messages) for result in first) > 20


def test_different_seeds_give_different_messages(clock: FakeClock, client: httpx.Client) -> None:
    seven = build_demo({"seed": 7}, clock).poll(client, "", None)
    eight = build_demo({"seed": 8}, clock).poll(client, "", None)
    assert [m.text for m in seven.messages] != [m.text for m in eight.messages]
    assert [m.sent_at for m in seven.messages] != [m.sent_at for m in eight.messages]
    assert not set(ids(seven.messages)) & set(ids(eight.messages))


def test_small_steps_and_one_big_step_give_the_same_messages(clock: FakeClock, client: httpx.Client) -> None:
    start = clock.now()
    small = build_demo({}, clock)
    stepped = poll_steps(small, client, clock, [20.0] * 540)  # three hours, a poll every 20 s
    stepped_ids = [remote_id for result in stepped for remote_id in ids(result.messages)]

    clock.set(start)
    big = build_demo({}, clock)
    first = big.poll(client, "", None)
    clock.set(start + timedelta(hours=3))
    backlog, _ = drain(big, client, first.cursor)

    assert stepped_ids == ids(first.messages) + ids(backlog)
    assert len(backlog) > 3 * MAX_PER_POLL  # the cap was hit, several times
    assert stepped_ids == [f"demo-7-{n}" for n in range(1, len(stepped_ids) + 1)]  # no duplicates, no gaps


def test_poll_after_a_long_sleep_is_capped_and_loses_nothing(clock: FakeClock, client: httpx.Client) -> None:
    connector = build_demo({"pace_seconds": 60}, clock)
    first = connector.poll(client, "", None)
    clock.advance(hours=8)
    woke = connector.poll(client, "", first.cursor)
    assert len(woke.messages) == MAX_PER_POLL
    assert all(message.sent_at < clock.now() - timedelta(hours=7) for message in woke.messages)  # the oldest first
    rest, _ = drain(connector, client, woke.cursor)
    numbers = [int(remote_id.rsplit("-", 1)[1]) for remote_id in ids(list(woke.messages) + rest)]
    assert numbers == list(range(15, 15 + len(numbers)))
    assert 300 < len(numbers) < 700  # about one a minute for eight hours


def test_an_earlier_cursor_gives_the_same_messages_again(clock: FakeClock, client: httpx.Client) -> None:
    connector = build_demo({}, clock)
    first = connector.poll(client, "", None)
    clock.advance(minutes=10)
    again = [connector.poll(client, "", first.cursor) for _ in range(2)]
    assert again[0] == again[1]
    assert again[0].messages


def test_a_slower_pace_gives_fewer_messages(clock: FakeClock, client: httpx.Client) -> None:
    def count(pace: float) -> int:
        clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
        connector = build_demo({"pace_seconds": pace, "backfill": 0}, clock)
        first = connector.poll(client, "", None)
        assert first.messages == ()
        clock.advance(hours=1)
        return len(drain(connector, client, first.cursor)[0])

    assert 25 < count(90) < 70 < count(20) < 280


def test_first_poll_backfills_a_useful_inbox(clock: FakeClock, client: httpx.Client) -> None:
    now = clock.now()
    messages = build_demo({}, clock).poll(client, "", None).messages
    ages = [now - message.sent_at for message in messages]
    assert len(messages) == 14
    assert ages == sorted(ages, reverse=True)
    assert timedelta(hours=2, minutes=30) < ages[0] <= timedelta(hours=3)
    assert ages[-1] < timedelta(minutes=15)
    overdue = [age for age in ages if age > timedelta(hours=1)]
    assert 3 <= len(overdue) < len(ages) / 2  # a few past the one-hour target, most of them fresh
    assert {message.visibility for message in messages} == {Visibility.PUBLIC, Visibility.PRIVATE}


@pytest.mark.parametrize("seed", range(12))
def test_every_backfill_has_a_complaint_a_question_and_both_visibilities(
    clock: FakeClock, client: httpx.Client, seed: int
) -> None:
    messages = build_demo({"seed": seed}, clock).poll(client, "", None).messages
    kinds = {kind_of(message) for message in messages}
    assert {Kind.COMPLAINT, Kind.QUESTION} <= kinds
    assert {message.visibility for message in messages} == {Visibility.PUBLIC, Visibility.PRIVATE}


def test_backfill_setting_sets_how_many_come_first(clock: FakeClock, client: httpx.Client) -> None:
    assert len(build_demo({"backfill": 3}, clock).poll(client, "", None).messages) == 3
    assert build_demo({"backfill": 0}, clock).poll(client, "", None).messages == ()


def test_every_message_is_well_formed(clock: FakeClock, client: httpx.Client) -> None:
    results = poll_steps(build_demo({"seed": 11}, clock), client, clock, [45.0] * 160)
    messages = [message for result in results for message in result.messages]
    by_id = {message.remote_id: message for message in messages}
    assert len(by_id) == len(messages) > 150
    for message in messages:
        assert message.sent_at.tzinfo is UTC
        assert message.text.strip()
        assert message.url is not None and message.url.startswith("https://demo.socialinbox.invalid/@")
        assert message.author.handle and message.author.display_name
        assert kind_of(message) is not None or any(p.match(message.text) for p in _CHASER_PATTERNS)
        if message.visibility is Visibility.PRIVATE:
            assert message.thread_key == f"dm:{message.author.handle}"
            assert not message.text.startswith("@crumbandco")
        else:
            assert message.thread_key is None
            assert message.text.startswith("@crumbandco ")
    assert len({message.author.handle for message in messages}) >= 25


def test_customers_add_to_their_own_public_threads(clock: FakeClock, client: httpx.Client) -> None:
    results = poll_steps(build_demo({}, clock), client, clock, [60.0] * 120)
    messages = [message for result in results for message in result.messages]
    position = {message.remote_id: index for index, message in enumerate(messages)}
    chases = [message for message in messages if message.in_reply_to is not None]
    assert chases
    for chase in chases:
        assert chase.in_reply_to is not None
        earlier = messages[position[chase.in_reply_to]]
        assert position[chase.in_reply_to] < position[chase.remote_id]
        assert earlier.author == chase.author
        assert earlier.visibility is chase.visibility is Visibility.PUBLIC


def test_follow_up_after_a_reply_arrives_once_in_the_same_thread(clock: FakeClock, client: httpx.Client) -> None:
    connector = build_demo({}, clock)
    first = connector.poll(client, "", None)
    replies = {f"key-{i}": reply_to(message, f"key-{i}") for i, message in enumerate(first.messages)}
    sent = {key: connector.send(client, "", reply) for key, reply in replies.items()}
    assert all(item.sent_at == clock.now() and item.remote_id == f"demo-out-{key}" for key, item in sent.items())
    reply_by_sent_id = {sent[key].remote_id: reply for key, reply in replies.items()}

    clock.advance(seconds=25)
    early = connector.poll(client, "", first.cursor)
    assert not [message for message in early.messages if message.in_reply_to in reply_by_sent_id]
    clock.advance(seconds=100)
    later = connector.poll(client, "", early.cursor)
    follow_ups = [message for message in later.messages if message.in_reply_to in reply_by_sent_id]
    assert 0 < len(follow_ups) < len(replies)  # sometimes, not always
    for follow_up in follow_ups:
        assert follow_up.in_reply_to is not None
        reply = reply_by_sent_id[follow_up.in_reply_to]
        assert (follow_up.author, follow_up.thread_key) == (reply.recipient, reply.thread_key)
        assert follow_up.visibility is reply.visibility
        delay = follow_up.sent_at - sent[reply.idempotency_key].sent_at
        assert timedelta(seconds=30) <= delay <= timedelta(seconds=120)

    clock.advance(minutes=30)
    after, _ = drain(connector, client, later.cursor)
    assert not [message for message in after if message.in_reply_to in reply_by_sent_id]


def test_the_same_idempotency_key_sent_twice_gives_one_reply_and_one_follow_up(
    clock: FakeClock, client: httpx.Client
) -> None:
    connector = build_demo({}, clock)
    first = connector.poll(client, "", None)
    answers: dict[str, SentReply] = {}
    for i, message in enumerate(first.messages):
        reply = reply_to(message, f"twice-{i}")
        answers[reply.idempotency_key] = connector.send(client, "", reply)
        clock.advance(seconds=5)
        assert connector.send(client, "", reply) == answers[reply.idempotency_key]
    clock.advance(minutes=5)
    messages, _ = drain(connector, client, first.cursor)
    answered = Counter(message.in_reply_to for message in messages if message.in_reply_to in ids_of(answers))
    assert answered and set(answered.values()) == {1}


def test_a_complaint_is_answered_calmly_and_a_question_gratefully(clock: FakeClock, client: httpx.Client) -> None:
    connector = build_demo({}, clock)
    first = connector.poll(client, "", None)
    complaint = next(m for m in first.messages if kind_of(m) is Kind.COMPLAINT)
    question = next(m for m in first.messages if kind_of(m) is Kind.QUESTION)
    for i in range(8):
        # Neutral wording on purpose: the follow-up must follow what the customer wrote, not guess from our reply.
        connector.send(client, "", reply_to(complaint, f"complaint-{i}", "Thanks for telling us, we're on it."))
        connector.send(client, "", reply_to(question, f"question-{i}", "We open at 8!"))
    clock.advance(minutes=3)
    follow_ups = [m for m in connector.poll(client, "", first.cursor).messages if m.in_reply_to]
    for_complaint = [m.text for m in follow_ups if m.in_reply_to and "complaint" in m.in_reply_to]
    for_question = [m.text for m in follow_ups if m.in_reply_to and "question" in m.in_reply_to]
    assert for_complaint and all(matches_any(text, FOLLOW_UPS[Kind.COMPLAINT]) for text in for_complaint)
    assert for_question and all(matches_any(text, FOLLOW_UPS[Kind.QUESTION]) for text in for_question)


def test_a_reply_without_a_recipient_gets_no_follow_up(clock: FakeClock, client: httpx.Client) -> None:
    connector = build_demo({}, clock)
    first = connector.poll(client, "", None)
    for i in range(10):
        reply = OutgoingReply(i, f"anon-{i}", "Thanks!", Visibility.PUBLIC, None, None, None)
        connector.send(client, "", reply)
    clock.advance(minutes=5)
    messages, _ = drain(connector, client, first.cursor)
    assert not [message for message in messages if message.in_reply_to and "anon" in message.in_reply_to]


def test_a_malformed_cursor_is_refused(clock: FakeClock, client: httpx.Client) -> None:
    with pytest.raises(ValueError, match="not a demo cursor"):
        build_demo({}, clock).poll(client, "", "12345")


class TickingClock:
    """A clock shared by threads that moves on a little every time anyone reads it, until frozen."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._step = timedelta(seconds=2)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            self._now += self._step
            return self._now

    def freeze(self, later: timedelta) -> None:
        with self._lock:
            self._now += later
            self._step = timedelta(0)


def test_polling_and_sending_from_several_threads_is_safe(client: httpx.Client) -> None:
    clock = TickingClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    connector = build_demo({"pace_seconds": 20}, clock)
    first = connector.poll(client, "", None)
    seen: dict[str, list[str]] = {"a": list(ids(first.messages)), "b": list(ids(first.messages))}
    cursors: dict[str, str | None] = {"a": first.cursor, "b": first.cursor}
    sent: list[SentReply] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def poll(name: str) -> None:
        for _ in range(150):
            result = connector.poll(client, "", cursors[name])
            cursors[name] = result.cursor
            seen[name] += ids(result.messages)

    def send(name: str) -> None:
        for i in range(150):  # every third key is shared by both senders: they race on idempotency
            key = f"shared-{i}" if i % 3 == 0 else f"{name}-{i}"
            sent.append(connector.send(client, "", reply_to(first.messages[i % 14], key)))

    def guarded(work: Callable[[str], None], name: str) -> None:
        try:
            start.wait()
            work(name)
        except BaseException as error:  # a worker must report, not die silently
            errors.append(error)

    roles = [(poll, "a"), (poll, "b"), (send, "x"), (send, "y")]
    workers = [threading.Thread(target=guarded, args=role) for role in roles]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert not errors
    assert len({answer.remote_id for answer in sent}) == 250  # 50 shared keys and 2 x 100 own ones

    clock.freeze(later=timedelta(minutes=5))  # every follow-up is due; both chains catch up to the same moment
    for name in ("a", "b"):
        seen[name] += ids(drain(connector, client, cursors[name])[0])
        assert len(seen[name]) == len(set(seen[name]))
    assert seen["a"] == seen["b"]
    follow_ups = [remote_id for remote_id in seen["a"] if "-re-" in remote_id]
    assert 0 < len(follow_ups) < 250
