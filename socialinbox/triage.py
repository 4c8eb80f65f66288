"""Triage: within the same due window, what hurts most if left goes first.

The order is complaints and negative messages first, then public before private, then the larger following.
Sentiment is VADER's compound score (-1..1), made for short social-media text. The analyzer loads a lexicon
when built, so the caller builds one ``Triage`` and keeps it; nothing here is a module-level singleton.
"""

from __future__ import annotations

import dataclasses
import math
import re
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from socialinbox.domain import Conversation, Visibility, require_utc
from socialinbox.sentiment import Analyzer, make_analyzer

# Bump when ``Triage.priority`` changes what it scores or how: priorities kept from a run under other rules
# (triage_file) would sort unlike fresh ones, so they are dropped.
TRIAGE_RULES_VERSION = 1
NEGATIVE = -0.05  # VADER's own threshold for a negative text
VERY_NEGATIVE = -0.5
_COMPLAINT_WORDS = re.compile(
    r"\b(?:refunds?|refunded|broken|broke|late|never\s+(?:arrived|came|received|got)|disappointed|disappointing"
    r"|worst|damaged|missing|faulty|defective|not\s+working|(?:doesn't|does\s+not|didn't|won't)\s+work"
    r"|still\s+waiting|wrong\s+(?:item|size|order|colou?r)|unacceptable|rip-?off|scam|complaint|terrible|awful)\b",
    re.IGNORECASE,
)
_HURT, _PUBLIC = 100.0, 10.0  # weights that make the score sort like the triage order (see TriagePriority)
SHOP_PREFIX = "You: "  # how storage marks a preview of the shop's own words
_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday at midnight: due windows start on whole window boundaries
# VADER's time grows with the square of the text, and each emoji becomes words ("grinning face"): a 1 MB message
# took minutes on the GUI thread, 250 emoji 0.1 s. A customer's mood shows in the opening; score that much.
MAX_SENTIMENT_CHARS = 600
MAX_SENTIMENT_SYMBOLS = 50
MAX_COMPLAINT_CHARS = 20_000  # the complaint words searched for; 1 MB took 60 ms of the GUI thread
# Distinct reason lists shared between priorities; "public" alone, or with "complaint", covers most conversations.
# Follower counts make more, so sharing stops at this many (it saves memory, it is never needed).
MAX_SHARED_REASONS = 1024


def _sentiment_sample(text: str) -> str:
    text = text[:MAX_SENTIMENT_CHARS]
    symbols = 0
    for index, char in enumerate(text):
        if ord(char) >= 0x2000 and not char.isalnum():  # emoji and other symbols
            symbols += 1
            if symbols > MAX_SENTIMENT_SYMBOLS:
                return text[:index]
    return text


@dataclasses.dataclass(frozen=True, slots=True)
class TriageInput:
    text: str  # the customer's unanswered messages, joined
    visibility: Visibility
    followers: int | None = None  # where the platform reports it


@dataclasses.dataclass(frozen=True, slots=True)
class TriagePriority:
    """How much it hurts to leave this conversation; higher goes first.

    ``score`` = 100 for a complaint or negative text + 10 if public + log10(1 + followers) (capped below 10),
    so comparing scores compares (hurts, public, following) in that order.
    """

    score: float
    reasons: tuple[str, ...]  # e.g. ("negative", "public", "12k followers")
    sentiment: float
    complaint: bool

    @property
    def summary(self) -> str:
        return ", ".join(self.reasons)


def format_followers(count: int) -> str:
    """A follower count as platforms show it, rounded down: "850 followers", "12k followers", "1.2M followers"."""
    if count == 1:
        return "1 follower"
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if count >= size:
            whole, tenths = divmod(count * 10 // size, 10)
            shown = f"{whole}.{tenths}" if whole < 10 and tenths else str(whole)
            return f"{shown}{suffix} followers"
    return f"{count} followers"


class Triage:
    """Scores conversations for the triage order; holds the (slow to build) sentiment analyzer."""

    def __init__(self, analyzer: Analyzer | None = None, notable_followers: int = 1000) -> None:
        self._analyzer = analyzer or make_analyzer()
        self._notable_followers = notable_followers  # smaller followings are not worth naming as a reason
        # One tuple per distinct list of reasons, not one per conversation (docs/performance.md, B5). Thread-safe
        # enough: setdefault is atomic, and the bound may be passed by a call or two racing on another thread.
        self._reasons: dict[tuple[str, ...], tuple[str, ...]] = {}

    def sentiment(self, text: str) -> float:
        """VADER's compound score: -1 (most negative) to 1 (most positive)."""
        text = _sentiment_sample(text)
        return float(self._analyzer.polarity_scores(text)["compound"]) if text.strip() else 0.0

    def is_complaint(self, text: str) -> bool:
        return self.sentiment(text) <= NEGATIVE or _COMPLAINT_WORDS.search(text[:MAX_COMPLAINT_CHARS]) is not None

    def priority(self, item: TriageInput) -> TriagePriority:
        sentiment = self.sentiment(item.text)
        worded = _COMPLAINT_WORDS.search(item.text[:MAX_COMPLAINT_CHARS]) is not None
        reasons = ["complaint"] if worded else []
        if sentiment <= NEGATIVE:
            reasons.append("very negative" if sentiment <= VERY_NEGATIVE else "negative")
        complaint = worded or sentiment <= NEGATIVE
        public = item.visibility is Visibility.PUBLIC
        if public:
            reasons.append("public")
        followers = max(item.followers or 0, 0)
        if item.followers is not None and followers >= self._notable_followers:
            reasons.append(format_followers(followers))
        score = _HURT * complaint + _PUBLIC * public + min(math.log10(1 + followers), 9.999)
        return TriagePriority(score, self.shared(tuple(reasons)), sentiment, complaint)

    def shared(self, reasons: tuple[str, ...]) -> tuple[str, ...]:
        """The one tuple kept for this list of reasons, while fewer than ``MAX_SHARED_REASONS`` are kept."""
        if len(self._reasons) >= MAX_SHARED_REASONS:
            return self._reasons.get(reasons, reasons)
        return self._reasons.setdefault(reasons, reasons)


# What is kept of a priority between runs: conversation id, its last message time in microseconds since the Unix
# epoch, then the priority's score, reasons, sentiment and complaint flag (``TriageCache.stored`` and ``adopt``).
StoredPriority = tuple[int, int, float, list[str], float, bool]
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime) -> int:
    return (moment - _UNIX_EPOCH) // _MICROSECOND


def triage_sort_key(
    due: datetime, priority: TriagePriority, window: timedelta = timedelta(minutes=15)
) -> tuple[int, float, datetime]:
    """Sort key for the inbox: by due window, then what hurts most, then the earlier due time.

    Windows are fixed slices of ``window`` length, so two items a minute apart may fall into neighbouring
    windows; the earlier window still goes first, which is the point of ordering by due time.
    """
    due = require_utc(due)
    return (due_window(due, window), -priority.score, due)


def due_window(due: datetime, window: timedelta = timedelta(minutes=15)) -> int:
    """The fixed due window ``due`` falls in, the first item of ``triage_sort_key`` (a naive ``due`` raises)."""
    return (due - _EPOCH) // window


def triage_input(conversation: Conversation) -> TriageInput:
    """What triage reads of a listed conversation: its preview, the customer's latest words while they wait.

    A preview of the shop's own words ("You: ...") says nothing about how the customer feels, so it reads as neutral.
    """
    text = "" if conversation.preview.startswith(SHOP_PREFIX) else conversation.preview
    return TriageInput(text, conversation.visibility, conversation.contact.followers)


class TriageCache:
    """Priorities by (conversation id, last message time), so VADER runs once per version of a conversation.

    Thread-safe: the sync worker warms it before a report crosses to the GUI thread, and the GUI reads it while
    sorting and painting. Bounded, the least recently used entries forgotten first.

    A plain dict, not an ``OrderedDict``: a hit moves its entry to the end by taking it out and putting it back,
    and the oldest is the dict's first key. That drops the ordered dict's linked node per entry, about a sixth of
    what an entry costs (docs/performance.md, B5); the needs-reply list keeps one entry per loaded conversation.
    """

    def __init__(self, triage: Triage, size: int = 5000) -> None:
        self._triage = triage
        self._size = size
        self._entries: dict[tuple[int, datetime], TriagePriority] = {}  # least recently used first
        self._last_run: dict[tuple[int, int], StoredPriority] = {}  # from ``adopt``: used once, then in _entries
        self._lock = threading.Lock()

    def priority(self, conversation: Conversation) -> TriagePriority:
        key = (conversation.id, conversation.last_message_at)
        with self._lock:
            found = self._entries.pop(key, None)
            if found is None and self._last_run:
                found = self._from_last_run(conversation)
            if found is not None:
                self._entries[key] = found  # now the most recently used
                return found
        found = self._triage.priority(triage_input(conversation))  # outside the lock: VADER is the slow part
        with self._lock:
            self._entries[key] = found
            while len(self._entries) > self._size:
                del self._entries[next(iter(self._entries))]
        return found

    def stored(self, limit: int) -> list[StoredPriority]:
        """The ``limit`` most recently used priorities, to keep for the next start (``adopt``)."""
        with self._lock:
            recent = list(self._entries.items())[-limit:]
        return [
            (key[0], _micros(key[1]), found.score, list(found.reasons), found.sentiment, found.complaint)
            for key, found in recent
        ]

    def adopt(self, stored: Iterable[StoredPriority]) -> None:
        """Priorities kept from the last run, each used if its conversation is unchanged (same last message time).

        A start whose first page is all here paints without VADER; anything changed since is scored as usual.
        """
        with self._lock:
            self._last_run = {(entry[0], entry[1]): entry for entry in stored}

    def _from_last_run(self, conversation: Conversation) -> TriagePriority | None:
        entry = self._last_run.pop((conversation.id, _micros(conversation.last_message_at)), None)
        if entry is None:
            return None
        _id, _at, score, reasons, sentiment, complaint = entry
        return TriagePriority(score, self._triage.shared(tuple(reasons)), sentiment, complaint)

    def warm(self, conversations: Iterable[Conversation]) -> None:
        for conversation in conversations:
            self.priority(conversation)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
