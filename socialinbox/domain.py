"""The names of things: frozen values that cross every layer (and threads) unchanged.

Nothing here imports the rest of the project, Qt, SQL or httpx. Datetimes are always aware UTC.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol


class Platform(enum.StrEnum):
    DEMO = "demo"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    TELEGRAM = "telegram"
    EMAIL = "email"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    X = "x"
    GOOGLE_REVIEWS = "google_reviews"


PLATFORM_LABELS: Mapping[Platform, str] = {
    Platform.DEMO: "Demo shop",
    Platform.MASTODON: "Mastodon",
    Platform.BLUESKY: "Bluesky",
    Platform.TELEGRAM: "Telegram",
    Platform.EMAIL: "E-mail",
    Platform.FACEBOOK: "Facebook",
    Platform.INSTAGRAM: "Instagram",
    Platform.X: "X",
    Platform.GOOGLE_REVIEWS: "Google reviews",
}


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class Direction(enum.StrEnum):
    INBOUND = "in"  # the customer wrote it
    OUTBOUND = "out"  # the shop wrote it (from this app or from the platform's own app)


class Status(enum.StrEnum):
    NEEDS_REPLY = "needs-reply"
    WAITING = "waiting"  # the shop answered; waiting on the customer
    DONE = "done"
    SNOOZED = "snoozed"


class Health(enum.StrEnum):
    """Connection state of one account, as the owner sees it."""

    NEW = "new"  # never polled yet
    CONNECTED = "connected"
    RATE_LIMITED = "rate-limited"
    TRANSIENT_ERROR = "transient-error"  # network or server trouble; retrying with backoff
    NEEDS_RECONNECT = "needs-reconnect"  # token rejected; polling stopped until the owner reconnects
    BROKEN = "broken"  # a bug or an unexpected answer; polling continues with backoff


class OutboxState(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def require_utc(moment: datetime) -> datetime:
    """Reject naive datetimes early: a naive time silently shifts by the machine's offset."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: every time in Social Inbox is aware UTC")
    return moment.astimezone(UTC)


# --- what a connector hands over -------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class RemoteAuthor:
    """A person as a platform names them."""

    remote_id: str
    handle: str
    display_name: str = ""
    followers: int | None = None  # where the platform reports it


@dataclasses.dataclass(frozen=True, slots=True)
class RemoteMessage:
    """One message as a platform gave it, already turned into plain text.

    ``thread_key`` groups messages into one conversation when reply chains cannot (a direct-message
    chat id, an e-mail thread root, a post's root id). ``in_reply_to`` is the platform's id of the
    message this one answers, when there is one.
    """

    remote_id: str
    author: RemoteAuthor
    text: str
    sent_at: datetime
    visibility: Visibility
    direction: Direction = Direction.INBOUND
    thread_key: str | None = None
    in_reply_to: str | None = None
    url: str | None = None
    links: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "sent_at", require_utc(self.sent_at))


@dataclasses.dataclass(frozen=True, slots=True)
class RateBudget:
    """What the platform said about its rate limit after the last request."""

    remaining: int | None
    limit: int | None
    resets_at: datetime | None


@dataclasses.dataclass(frozen=True, slots=True)
class PollResult:
    messages: tuple[RemoteMessage, ...]
    cursor: str | None  # opaque; stored with the messages and handed back on the next poll
    rate_budget: RateBudget | None = None
    warnings: tuple[str, ...] = ()  # things the owner should know, e.g. "messages older than 24 h may be missing"


@dataclasses.dataclass(frozen=True, slots=True)
class OutgoingReply:
    """A reply on its way out; built by the outbox from stored data."""

    outbox_id: int
    idempotency_key: str
    text: str
    visibility: Visibility
    thread_key: str | None
    in_reply_to: str | None  # the customer's message being answered (remote id)
    recipient: RemoteAuthor | None
    # A private conversation taken from a public one: the customer's latest message there (remote id), so a channel
    # can open the private chat as a reply to it (Instagram's private reply to a comment). None otherwise.
    taken_from: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SentReply:
    remote_id: str
    sent_at: datetime
    url: str | None = None
    # The conversation's key on the platform where only the send tells it: Facebook's private reply to a comment
    # names the customer's Messenger id, which the conversation taken private from that comment is then keyed by.
    thread_key: str | None = None


# --- what storage hands back -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Account:
    id: int
    platform: Platform
    handle: str
    display_name: str
    settings: Mapping[str, Any]
    health: Health
    health_detail: str
    poll_interval_s: int
    last_poll_at: datetime | None
    last_success_at: datetime | None
    next_poll_at: datetime | None
    rate_budget: RateBudget | None = None

    @property
    def label(self) -> str:
        return f"{PLATFORM_LABELS[self.platform]} · {self.display_name or self.handle}"

    @property
    def polling_stopped(self) -> bool:
        return self.health is Health.NEEDS_RECONNECT


@dataclasses.dataclass(frozen=True, slots=True)
class Contact:
    id: int
    account_id: int
    remote_id: str
    handle: str
    display_name: str
    followers: int | None = None

    @property
    def name(self) -> str:
        return self.display_name or self.handle


@dataclasses.dataclass(frozen=True, slots=True)
class Message:
    id: int
    conversation_id: int
    account_id: int
    remote_id: str
    direction: Direction
    author_handle: str
    author_name: str
    text: str
    sent_at: datetime
    visibility: Visibility
    in_reply_to: str | None = None
    url: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Conversation:
    """One thread with one customer, as the inbox lists it."""

    id: int
    account_id: int
    platform: Platform
    contact: Contact
    visibility: Visibility
    status: Status
    last_message_at: datetime
    preview: str
    waiting_since: datetime | None  # the customer's oldest unanswered message, while one is unanswered
    unread: int = 0
    snoozed_until: datetime | None = None
    message_count: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    conversation_id: int
    account_id: int
    text: str
    state: OutboxState
    attempts: int
    created_at: datetime
    idempotency_key: str
    last_error: str = ""
    remote_id: str | None = None
    sent_at: datetime | None = None

    @property
    def held(self) -> bool:
        """Held back by the pre-send check (``sync.presend``), waiting for "Send anyway" or "Discard"."""
        return self.state is OutboxState.FAILED and self.last_error.startswith(HELD_PREFIX)


HELD_PREFIX = "Held for you to confirm: "  # the reason of a reply the pre-send check held back


# --- what sync hands to whoever listens --------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class SyncReport:
    """Everything the GUI needs after one poll, so it never queries again."""

    account: Account
    new_messages: tuple[Message, ...]
    conversations: tuple[Conversation, ...]  # every conversation the poll touched, after the poll
    error: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.error


@dataclasses.dataclass(frozen=True, slots=True)
class DeliveryReport:
    """The outcome of one attempt to send one queued reply."""

    item: OutboxItem
    conversation: Conversation | None
    message: Message | None  # the stored outbound message once sent
    # A conversation the send joined into ``conversation`` and deleted: the chat taken private turned out to be one
    # the customer had already started (``Repository.mark_sent``). Lists drop it; a pane showing it shows the other.
    joined_id: int | None = None
