"""Fakes with real behaviour, shared by the storage, sync, CLI and UI tests."""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from socialinbox.connectors.base import ConnectorError
from socialinbox.domain import (
    Clock,
    Direction,
    OutgoingReply,
    Platform,
    PollResult,
    RemoteAuthor,
    RemoteMessage,
    SentReply,
    Visibility,
)
from socialinbox.storage.engine import make_engine, sqlite_url
from socialinbox.storage.migrate import upgrade_to_head
from socialinbox.storage.repository import Repository

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def make_repository(folder: Path, url: str | None = None) -> Repository:
    """A real database through the real migrations: a SQLite file in ``folder``, or the database at ``url``."""
    engine = make_engine(url or sqlite_url(folder / "inbox.sqlite3"))
    upgrade_to_head(engine)
    return Repository(engine)


def customer(n: int, followers: int | None = None) -> RemoteAuthor:
    return RemoteAuthor(
        remote_id=f"user-{n}", handle=f"@customer{n}", display_name=f"Customer {n}", followers=followers
    )


def remote_message(
    remote_id: str,
    *,
    author: RemoteAuthor | None = None,
    text: str = "Hello, are you open today?",
    sent_at: datetime = T0,
    visibility: Visibility = Visibility.PUBLIC,
    direction: Direction = Direction.INBOUND,
    thread_key: str | None = None,
    in_reply_to: str | None = None,
) -> RemoteMessage:
    return RemoteMessage(
        remote_id=remote_id,
        author=author or customer(1),
        text=text,
        sent_at=sent_at,
        visibility=visibility,
        direction=direction,
        thread_key=thread_key,
        in_reply_to=in_reply_to,
    )


Step = PollResult | ConnectorError | Exception


@dataclasses.dataclass
class FakeConnector:
    """Answers polls from a script of results and errors; records every call.

    ``send_behaviour`` decides each send: return a SentReply, or raise. ``posted`` records sends that
    "reached the platform" (including ones whose answer was then lost), so tests can count duplicates.
    """

    platform: Platform = Platform.DEMO
    script: list[Step] = dataclasses.field(default_factory=list)
    polls: list[str | None] = dataclasses.field(default_factory=list)
    tokens_seen: list[str] = dataclasses.field(default_factory=list)
    posted: list[OutgoingReply] = dataclasses.field(default_factory=list)
    send_behaviour: Callable[[OutgoingReply], SentReply] | None = None
    clock: Clock | None = None
    _ids: itertools.count[int] = dataclasses.field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def verify(self, client: httpx.Client, token: str) -> str:
        return "@shop"

    def poll(self, client: httpx.Client, token: str, cursor: str | None) -> PollResult:
        with self._lock:
            self.polls.append(cursor)
            self.tokens_seen.append(token)
            step = self.script.pop(0) if self.script else PollResult((), cursor)
        if isinstance(step, Exception):
            raise step
        return step

    def send(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply:
        if self.send_behaviour is not None:
            return self.send_behaviour(reply)
        with self._lock:
            self.posted.append(reply)
            n = next(self._ids)
        sent_at = self.clock.now() if self.clock else T0 + timedelta(minutes=n)
        return SentReply(remote_id=f"sent-{n}", sent_at=sent_at)


def registry_for(connectors: Mapping[int, FakeConnector]) -> Mapping[Platform, Any]:
    """A connector registry whose factory hands out the fake prepared for each account (by settings["fake"])."""

    def build(settings: Mapping[str, Any], clock: Clock) -> FakeConnector:
        return connectors[int(settings["fake"])]

    return {platform: build for platform in Platform}
